#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "hotreload/layers.hpp"

namespace hotreload {
namespace {

Document yaml_document(std::string_view text) {
  Result<Document> parsed = parse(text, Format::yaml, "config.yaml");
  if (!parsed) {
    ADD_FAILURE() << parsed.error().to_string();
    return Document{};
  }
  return std::move(parsed).value();
}

Value yaml(std::string_view text) { return yaml_document(text).root; }

const EnvOverlay kApp{.prefix = "APP"};

TEST(EnvOverlay, OverridesAnExistingKeyAndRecordsTheVariableAsItsOrigin) {
  Document doc = yaml_document("database:\n  host: db\n  max_conns: 100\n");
  ASSERT_TRUE(apply_env(doc, kApp, {{"APP_DATABASE__MAX_CONNS", "200"}}));
  EXPECT_EQ(doc.root, yaml("database:\n  host: db\n  max_conns: 200\n"));
  const Value* max_conns = doc.root.find_dotted("database.max_conns");
  EXPECT_EQ(doc.location_of(max_conns->origin).to_string(), "env:APP_DATABASE__MAX_CONNS");
  EXPECT_EQ(doc.sources[max_conns->origin.source].layer, "env");
  EXPECT_EQ(doc.location_of(doc.root.find_dotted("database.host")->origin).to_string(), "config.yaml:2:9");
}

TEST(EnvOverlay, TypesValuesAsYamlPlainScalars) {
  Document doc = yaml_document("a: 0\n");
  ASSERT_TRUE(apply_env(doc, kApp,
                        {{"APP_INT", "200"}, {"APP_BOOL", "true"}, {"APP_FLOAT", "1.5"},
                         {"APP_HEX", "0x10"}, {"APP_NULL", "~"}, {"APP_TEXT", "hello world"},
                         {"APP_NO", "no"}}));
  EXPECT_EQ(*doc.root.find_dotted("int"), Value(200));
  EXPECT_EQ(*doc.root.find_dotted("bool"), Value(true));
  EXPECT_EQ(*doc.root.find_dotted("float"), Value(1.5));
  EXPECT_EQ(*doc.root.find_dotted("hex"), Value(16));
  EXPECT_EQ(*doc.root.find_dotted("null"), Value(nullptr));
  EXPECT_EQ(*doc.root.find_dotted("text"), Value("hello world"));
  EXPECT_EQ(*doc.root.find_dotted("no"), Value("no"));
}

TEST(EnvOverlay, EmptyValueIsAnEmptyStringNotNull) {
  Document doc = yaml_document("log:\n  file: /var/log/app.log\n");
  ASSERT_TRUE(apply_env(doc, kApp, {{"APP_LOG__FILE", ""}}));
  EXPECT_EQ(*doc.root.find_dotted("log.file"), Value(""));
}

TEST(EnvOverlay, MatchesExistingKeysCaseInsensitively) {
  Document doc = yaml_document("database:\n  maxConns: 100\n");
  ASSERT_TRUE(apply_env(doc, kApp, {{"APP_DATABASE__MAXCONNS", "5"}}));
  EXPECT_EQ(doc.root, yaml("database:\n  maxConns: 5\n"));
}

TEST(EnvOverlay, PrefersAnExactLowercaseKeyOverOtherSpellings) {
  Document doc = yaml_document("Port: 1\nport: 2\n");
  ASSERT_TRUE(apply_env(doc, kApp, {{"APP_PORT", "3"}}));
  EXPECT_EQ(doc.root, yaml("Port: 1\nport: 3\n"));
}

TEST(EnvOverlay, CreatesMissingNestedMaps) {
  Document doc = yaml_document("cache: {}\n");
  ASSERT_TRUE(apply_env(doc, kApp, {{"APP_CACHE__REDIS__HOST", "r1"}, {"APP_NEW__KEY", "1"}}));
  EXPECT_EQ(doc.root, yaml("cache:\n  redis:\n    host: r1\nnew:\n  key: 1\n"));
  EXPECT_EQ(doc.location_of(doc.root.find_dotted("cache.redis")->origin).to_string(),
            "env:APP_CACHE__REDIS__HOST");
}

TEST(EnvOverlay, PrefixMayEndInAnUnderscoreOrNot) {
  Document with = yaml_document("a: 1\n");
  Document without = yaml_document("a: 1\n");
  ASSERT_TRUE(apply_env(with, EnvOverlay{.prefix = "APP_"}, {{"APP_A", "2"}}));
  ASSERT_TRUE(apply_env(without, EnvOverlay{.prefix = "APP"}, {{"APP_A", "2"}}));
  EXPECT_EQ(with.root, yaml("a: 2\n"));
  EXPECT_EQ(without.root, yaml("a: 2\n"));
}

TEST(EnvOverlay, IgnoresVariablesWithoutThePrefix) {
  Document doc = yaml_document("a: 1\n");
  ASSERT_TRUE(apply_env(doc, kApp, {{"PATH", "/bin"}, {"APPLE", "2"}, {"APP", "3"}, {"app_a", "4"}}));
  EXPECT_EQ(doc.root, yaml("a: 1\n"));
  EXPECT_EQ(doc.sources.size(), 1u);
}

TEST(EnvOverlay, UsesTheConfiguredSeparator) {
  Document doc = yaml_document("db:\n  max_conns: 1\n");
  ASSERT_TRUE(apply_env(doc, EnvOverlay{.prefix = "APP", .separator = "."}, {{"APP_DB.MAX_CONNS", "2"}}));
  EXPECT_EQ(doc.root, yaml("db:\n  max_conns: 2\n"));
}

TEST(EnvOverlay, AppliesVariablesInSortedNameOrder) {
  // Both name the key "maxconns"; "APP_MaxConns" sorts last, so it wins whatever the input order.
  Document doc = yaml_document("a: 1\n");
  ASSERT_TRUE(apply_env(doc, kApp, {{"APP_MaxConns", "2"}, {"APP_MAXCONNS", "1"}}));
  EXPECT_EQ(*doc.root.find_dotted("maxconns"), Value(2));
}

TEST(EnvOverlay, DescendingIntoAScalarIsAnErrorNamingVariableAndPath) {
  Document doc = yaml_document("log: info\n");
  Result<void, Errors> applied = apply_env(doc, kApp, {{"APP_LOG__LEVEL", "debug"}});
  ASSERT_FALSE(applied);
  ASSERT_EQ(applied.error().size(), 1u);
  const Error& error = applied.error()[0];
  EXPECT_EQ(error.code, ErrorCode::type);
  EXPECT_EQ(error.to_string(), "env:APP_LOG__LEVEL: log.level: cannot set a key inside log, which is a string");
  EXPECT_EQ(doc.root, yaml("log: info\n"));
  EXPECT_EQ(doc.sources.size(), 1u);
}

TEST(EnvOverlay, DescendingIntoAnArrayIsAnError) {
  Document doc = yaml_document("servers:\n  - host: a\n");
  Result<void, Errors> applied = apply_env(doc, kApp, {{"APP_SERVERS__0__HOST", "b"}});
  ASSERT_FALSE(applied);
  ASSERT_EQ(applied.error().size(), 1u);
  EXPECT_EQ(applied.error()[0].to_string(),
            "env:APP_SERVERS__0__HOST: servers.0.host: cannot set a key inside servers, which is an array");
}

TEST(EnvOverlay, EmptyKeySegmentIsAnError) {
  Document doc = yaml_document("a: 1\n");
  Result<void, Errors> applied = apply_env(doc, kApp, {{"APP_A____B", "1"}, {"APP_", "2"}, {"APP_A__", "3"}});
  ASSERT_FALSE(applied);
  ASSERT_EQ(applied.error().size(), 3u);
  EXPECT_EQ(applied.error()[0].to_string(), "env:APP_: empty key segment in the variable name");
  EXPECT_EQ(applied.error()[1].location.file, "env:APP_A__");
  EXPECT_EQ(applied.error()[2].location.file, "env:APP_A____B");
  EXPECT_EQ(doc.root, yaml("a: 1\n"));
}

TEST(EnvOverlay, AFailingVariableDoesNotStopTheOthers) {
  Document doc = yaml_document("log: info\nport: 1\n");
  Result<void, Errors> applied = apply_env(doc, kApp, {{"APP_LOG__LEVEL", "x"}, {"APP_PORT", "2"}});
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().size(), 1u);
  EXPECT_EQ(*doc.root.find_dotted("port"), Value(2));
}

TEST(EnvOverlay, ErrorsNeverContainTheValue) {
  Document doc = yaml_document("password: old\n");
  Result<void, Errors> applied =
      apply_env(doc, kApp, {{"APP_PASSWORD__X", "hunter2-s3cr3t"}, {"APP_A____B", "hunter2-s3cr3t"}});
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().size(), 2u);
  EXPECT_EQ(to_string(applied.error()).find("hunter2"), std::string::npos) << to_string(applied.error());
}

TEST(EnvOverlay, ValueWithInvalidUtf8IsRefusedNamingTheVariable) {
  Document doc = yaml_document("name: ok\n");
  Result<void, Errors> applied = apply_env(doc, kApp, {{"APP_NAME", "ab\xff\xfe"}, {"APP_PORT", "2"}});
  ASSERT_FALSE(applied);
  ASSERT_EQ(applied.error().size(), 1u);
  EXPECT_EQ(applied.error()[0].code, ErrorCode::parse);
  EXPECT_EQ(applied.error()[0].to_string(), "env:APP_NAME: name: invalid UTF-8 in the value");
  EXPECT_EQ(*doc.root.find_dotted("name"), Value("ok"));
  EXPECT_EQ(*doc.root.find_dotted("port"), Value(2));
}

TEST(EnvOverlay, NameWithInvalidUtf8IsRefusedAndQuotedReplaced) {
  Document doc = yaml_document("a: 1\n");
  Result<void, Errors> applied = apply_env(doc, kApp, {{"APP_A\xff", "2"}});
  ASSERT_FALSE(applied);
  ASSERT_EQ(applied.error().size(), 1u);
  EXPECT_EQ(applied.error()[0].to_string(), "env:APP_A\xEF\xBF\xBD: invalid UTF-8 at byte 6 of the name");
  EXPECT_EQ(doc.root, yaml("a: 1\n"));
}

TEST(EnvOverlay, EmptyPrefixIsAUsageError) {
  Document doc = yaml_document("a: 1\n");
  Result<void, Errors> applied = apply_env(doc, EnvOverlay{}, {{"A", "2"}});
  ASSERT_FALSE(applied);
  ASSERT_EQ(applied.error().size(), 1u);
  EXPECT_EQ(applied.error()[0].code, ErrorCode::usage);
  EXPECT_EQ(doc.root, yaml("a: 1\n"));
}

}  // namespace
}  // namespace hotreload
