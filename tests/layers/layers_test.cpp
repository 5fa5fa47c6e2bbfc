#include "hotreload/layers.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace hotreload {
namespace {

Value yaml(std::string_view text) {
  Result<Document> parsed = parse(text, Format::yaml, "test.yaml");
  if (!parsed) {
    ADD_FAILURE() << parsed.error().to_string();
    return Value();
  }
  return std::move(parsed->root);
}

std::vector<std::string> keys_of(const Value& map) {
  std::vector<std::string> keys;
  for (const auto& entry : map.as_object()) keys.push_back(entry.first);
  return keys;
}

TEST(Layers, MergeMergesNestedMapsKeyByKey) {
  Value base = yaml("database:\n  host: db1\n  pool:\n    min: 1\n    max: 10\n");
  merge_into(base, yaml("database:\n  pool:\n    max: 50\n"));
  EXPECT_EQ(base, yaml("database:\n  host: db1\n  pool:\n    min: 1\n    max: 50\n"));
}

TEST(Layers, MergeReplacesArraysWhole) {
  Value base = yaml("hosts: [a, b, c]\n");
  merge_into(base, yaml("hosts: [z]\n"));
  EXPECT_EQ(base, yaml("hosts: [z]\n"));
}

TEST(Layers, MergeReplacesAScalarWithAMapAndAMapWithAScalar) {
  Value base = yaml("log: info\ncache:\n  size: 10\n");
  merge_into(base, yaml("log:\n  level: debug\ncache: off\n"));
  EXPECT_EQ(base, yaml("log:\n  level: debug\ncache: off\n"));
}

TEST(Layers, MergeKeepsFirstPositionsAndAppendsNewKeys) {
  Value base = yaml("a: 1\nb: 2\nc: 3\n");
  merge_into(base, yaml("d: 4\nb: 20\n"));
  EXPECT_EQ(keys_of(base), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(*base.find_dotted("b"), Value(20));
}

TEST(Layers, MergeTakesTheOverlaysOriginForWhatItReplaces) {
  Value base = yaml("a: 1\nb: 2\n");
  Value overlay = yaml("\n\nb: 3\n");
  for (auto& entry : overlay.as_object()) entry.second.origin.source = 1;
  merge_into(base, std::move(overlay));
  EXPECT_EQ(base.find_dotted("a")->origin, (Origin{0, 1, 4}));
  EXPECT_EQ(base.find_dotted("b")->origin, (Origin{1, 3, 4}));
}

class LayersFromFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "hotreload-layers-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string path_of(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(LayersFromFiles, LaterFilesOverrideEarlierOnes) {
  std::string base = write("base.yaml", "server:\n  port: 80\n  host: a\nlog: info\n");
  std::string prod = write("prod.json", R"({"server": {"port": 443}, "extra": [1, 2]})");
  std::string local = write("local.toml", "log = \"debug\"\n");
  Result<Document, Errors> doc = load_layers({.files = {{.path = base}, {.path = prod}, {.path = local}}});
  ASSERT_TRUE(doc) << to_string(doc.error());
  EXPECT_EQ(doc->root, yaml("server:\n  port: 443\n  host: a\nlog: debug\nextra: [1, 2]\n"));
  ASSERT_EQ(doc->sources.size(), 3u);
  EXPECT_EQ(doc->sources[1].name, prod);
}

TEST_F(LayersFromFiles, OriginsPrintTheirOwnFileAfterMerge) {
  std::string base = write("base.yaml", "server:\n  port: 80\n  host: a\n");
  std::string prod = write("prod.yaml", "# production\nserver:\n    port: 443\n");
  Result<Document, Errors> doc = load_layers({.files = {{.path = base}, {.path = prod}}});
  ASSERT_TRUE(doc) << to_string(doc.error());
  EXPECT_EQ(doc->location_of(doc->root.find_dotted("server.port")->origin).to_string(), prod + ":3:11");
  EXPECT_EQ(doc->location_of(doc->root.find_dotted("server.host")->origin).to_string(), base + ":3:9");
}

TEST_F(LayersFromFiles, MissingOptionalFileIsSkipped) {
  std::string base = write("base.yaml", "a: 1\n");
  Result<Document, Errors> doc = load_layers(
      {.files = {{.path = base}, {.path = path_of("config.local.yaml"), .optional = true}}});
  ASSERT_TRUE(doc) << to_string(doc.error());
  EXPECT_EQ(doc->root, yaml("a: 1\n"));
  EXPECT_EQ(doc->sources.size(), 1u);
}

TEST_F(LayersFromFiles, InvalidOptionalFileIsAnError) {
  std::string local = write("config.local.yaml", "a: [1, 2\n");
  Result<Document, Errors> doc = load_layers({.files = {{.path = local, .optional = true}}});
  ASSERT_FALSE(doc);
  ASSERT_EQ(doc.error().size(), 1u);
  EXPECT_EQ(doc.error()[0].code, ErrorCode::parse);
}

TEST_F(LayersFromFiles, OptionalPathThatExistsButCannotBeReadIsAnError) {
  std::filesystem::create_directory(dir_ / "config.local.yaml");
  Result<Document, Errors> doc = load_layers({.files = {{.path = path_of("config.local.yaml"), .optional = true}}});
  ASSERT_FALSE(doc);
  ASSERT_EQ(doc.error().size(), 1u);
  EXPECT_EQ(doc.error()[0].code, ErrorCode::io);
}

TEST_F(LayersFromFiles, MissingRequiredFileIsAnIoErrorNamingThePath) {
  std::string missing = path_of("config.yaml");
  Result<Document, Errors> doc = load_layers({.files = {{.path = missing}}});
  ASSERT_FALSE(doc);
  ASSERT_EQ(doc.error().size(), 1u);
  EXPECT_EQ(doc.error()[0].code, ErrorCode::io);
  EXPECT_EQ(doc.error()[0].location.file, missing);
  EXPECT_NE(doc.error()[0].to_string().find(missing), std::string::npos) << doc.error()[0].to_string();
}

TEST_F(LayersFromFiles, ErrorsOfEveryBadLayerAreReportedInOrder) {
  std::string first = write("first.yaml", "a: [1\n");
  std::string good = write("good.yaml", "b: 2\n");
  std::string second = write("second.json", "{\"c\": }");
  Result<Document, Errors> doc = load_layers({.files = {{.path = first}, {.path = good}, {.path = second}}});
  ASSERT_FALSE(doc);
  ASSERT_EQ(doc.error().size(), 2u) << to_string(doc.error());
  EXPECT_EQ(doc.error()[0].location.file, first);
  EXPECT_EQ(doc.error()[1].location.file, second);
}

TEST_F(LayersFromFiles, ProvenanceNamesTheLayerThatSetEachLeaf) {
  std::string base = write("base.yaml", "db:\n  host: a\n  port: 1\ntags: [x]\nempty: {}\n");
  std::string prod = write("prod.yaml", "db:\n  port: 2\n");
  Result<Document, Errors> doc = load_layers(
      {.files = {{.path = base, .name = "defaults"}, {.path = prod}},
       .env = EnvOverlay{.prefix = "APP"},
       .environment = Environment{{"APP_DB__USER", "svc"}}});
  ASSERT_TRUE(doc) << to_string(doc.error());
  using Entries = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(provenance(*doc), (Entries{{"db.host", "defaults"},
                                       {"db.port", prod},
                                       {"db.user", "env"},
                                       {"tags", "defaults"},
                                       {"empty", "defaults"}}));
}

TEST_F(LayersFromFiles, EnvironmentOverlaysAfterAllFiles) {
  std::string base = write("base.yaml", "db:\n  port: 1\n");
  std::string prod = write("prod.yaml", "db:\n  port: 2\n");
  Result<Document, Errors> doc = load_layers({.files = {{.path = base}, {.path = prod}},
                                              .env = EnvOverlay{.prefix = "APP_"},
                                              .environment = Environment{{"APP_DB__PORT", "3"}}});
  ASSERT_TRUE(doc) << to_string(doc.error());
  EXPECT_EQ(*doc->root.find_dotted("db.port"), Value(3));
  EXPECT_EQ(doc->location_of(doc->root.find_dotted("db.port")->origin).to_string(), "env:APP_DB__PORT");
}

TEST_F(LayersFromFiles, EnvironmentIsNotCheckedAgainstAFailedMerge) {
  std::string bad = write("bad.yaml", "log: [\n");
  Result<Document, Errors> doc = load_layers({.files = {{.path = bad}},
                                              .env = EnvOverlay{.prefix = "APP"},
                                              .environment = Environment{{"APP_", "x"}}});
  ASSERT_FALSE(doc);
  ASSERT_EQ(doc.error().size(), 1u) << to_string(doc.error());
  EXPECT_EQ(doc.error()[0].location.file, bad);
}

TEST_F(LayersFromFiles, EnvironmentErrorsFailTheLoad) {
  std::string base = write("base.yaml", "log: info\n");
  Result<Document, Errors> doc = load_layers({.files = {{.path = base}},
                                              .env = EnvOverlay{.prefix = "APP"},
                                              .environment = Environment{{"APP_LOG__LEVEL", "debug"}}});
  ASSERT_FALSE(doc);
  ASSERT_EQ(doc.error().size(), 1u);
  EXPECT_EQ(doc.error()[0].path, "log.level");
}

TEST_F(LayersFromFiles, ProcessEnvironmentIsReadWhenNoneIsGiven) {
  ASSERT_EQ(setenv("HOTRELOAD_LAYERS_TEST_PORT", "8080", 1), 0);
  Result<Document, Errors> doc = load_layers({.env = EnvOverlay{.prefix = "HOTRELOAD_LAYERS_TEST"}});
  unsetenv("HOTRELOAD_LAYERS_TEST_PORT");
  ASSERT_TRUE(doc) << to_string(doc.error());
  EXPECT_EQ(doc->root, yaml("port: 8080\n"));
}

}  // namespace
}  // namespace hotreload
