// `hotreload validate --schema` and `hotreload schema check`, driven as a user would.
#include <gtest/gtest.h>

#include <sstream>

#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using testing::cli_path;
using testing::run_command;

constexpr const char* kSchema = R"({
  "type": "object",
  "properties": {
    "server": {
      "type": "object",
      "properties": {"port": {"type": "integer", "maximum": 65535}},
      "required": ["port"]
    },
    "log_level": {"enum": ["debug", "info", "warn"]}
  }
})";

TEST(CliSchema, ValidConfigExitsZero) {
  testing::TempDir dir;
  auto schema = dir.write("schema.json", kSchema);
  auto config = dir.write("config.yaml", "server:\n  port: 8080\nlog_level: info\n");
  auto result = run_command({cli_path(), "validate", "--schema", schema, config});
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST(CliSchema, EveryViolationIsReportedWithItsPosition) {
  testing::TempDir dir;
  auto schema = dir.write("schema.json", kSchema);
  auto base = dir.write("config.yaml", "server:\n  port: 8080\nlog_level: info\n");
  auto local = dir.write("config.local.yaml", "server:\n  port: 70000\nlog_level: loud\n");
  auto result = run_command({cli_path(), "validate", "--schema", schema, base, local});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, local + ":2:9: server.port: 70000 is greater than the maximum 65535 "
                                "(maximum at #/properties/server/properties/port)\n" +
                            local + ":3:12: log_level: \"loud\" is not one of [\"debug\",\"info\",\"warn\"] "
                                    "(enum at #/properties/log_level)\n");
}

TEST(CliSchema, AnyJsonValueIsAnInstance) {
  testing::TempDir dir;
  auto schema = dir.write("schema.json", R"({"type": "array", "maxItems": 1})");
  EXPECT_EQ(run_command({cli_path(), "validate", "--schema", schema, dir.write("one.json", "[1]")}).exit_code, 0);
  EXPECT_EQ(run_command({cli_path(), "validate", "--schema", schema, dir.write("two.json", "[1, 2]")}).exit_code, 1);
}

TEST(CliSchema, AnyJsonValueIsAnInstanceEvenAScalar) {
  testing::TempDir dir;
  auto small = dir.write("small.json", R"({"type": ["integer", "string", "null"], "maximum": 10, "maxLength": 3})");
  for (std::string text : {"7", "\"abc\"", "null"}) {
    auto result = run_command({cli_path(), "validate", "--schema", small, dir.write("instance.json", text)});
    EXPECT_EQ(result.exit_code, 0) << text << ": " << result.err;
  }
  auto number = dir.write("number.json", "\n  42\n");
  auto big = run_command({cli_path(), "validate", "--schema", small, number});
  EXPECT_EQ(big.exit_code, 1);
  EXPECT_EQ(big.err.rfind(number + ":2:3: 42 ", 0), 0u) << big.err;  // no path: the value is the root
  auto array = run_command({cli_path(), "validate", "--schema", small, dir.write("array.json", "[1]")});
  EXPECT_EQ(array.exit_code, 1);
  EXPECT_EQ(array.err.rfind(dir.file("array.json") + ":1:1: ", 0), 0u) << array.err;
  // Without a schema a config is still a map.
  EXPECT_EQ(run_command({cli_path(), "validate", number}).exit_code, 1);
}

TEST(CliSchema, SecretValuesAreRedactedFromTheErrors) {
  testing::TempDir dir;
  auto schema = dir.write("schema.yaml", "properties:\n  token: {type: string, minLength: 20, x-secret: true}\n");
  auto config = dir.write("config.yaml", "token: hunter2-hunter2\n");
  auto result = run_command({cli_path(), "validate", "--schema", schema, config});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind(config + ":1:8: token: ", 0), 0u) << result.err;
  EXPECT_EQ(result.err.find("hunter2"), std::string::npos) << result.err;
}

TEST(CliSchema, AnInvalidXReloadMakesTheSchemaTrouble) {
  testing::TempDir dir;
  auto schema = dir.write("schema.yaml", "properties:\n  port: {type: integer, x-reload: sometimes}\n");
  auto config = dir.write("config.yaml", "port: 80\n");
  auto result = run_command({cli_path(), "validate", "--schema", schema, config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, schema + ":2:35: properties.port.x-reload: invalid schema: \"x-reload\" must be \"dynamic\" or "
                                 "\"restart\", got string \"sometimes\"\n");
}

TEST(CliSchema, RemoteReferencesResolveOnlyThroughSchemaRemote) {
  testing::TempDir dir;
  dir.write("remotes/port.json", R"({"type": "integer", "maximum": 65535})");
  auto schema = dir.write("schema.json", R"({"properties": {"port": {"$ref": "http://example.com/port.json"}}})");
  auto config = dir.write("config.yaml", "port: 70000\n");
  const std::string mapping = "http://example.com/=" + dir.file("remotes");
  auto mapped = run_command({cli_path(), "validate", "--schema", schema, "--schema-remote", mapping, config});
  EXPECT_EQ(mapped.exit_code, 1);
  EXPECT_EQ(mapped.err.rfind(config + ":1:7: port: ", 0), 0u) << mapped.err;
  EXPECT_NE(mapped.err.find("65535"), std::string::npos) << mapped.err;
  auto unmapped = run_command({cli_path(), "validate", "--schema", schema, config});
  EXPECT_EQ(unmapped.exit_code, 2);
  EXPECT_NE(unmapped.err.find("does not resolve"), std::string::npos) << unmapped.err;
  auto malformed = run_command({cli_path(), "validate", "--schema", schema, "--schema-remote", "no-equals-sign", config});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_EQ(malformed.err, "--schema-remote \"no-equals-sign\" is not PREFIX=DIR\n");
  EXPECT_EQ(run_command({cli_path(), "validate", "--schema-remote", mapping, config}).exit_code, 2);  // needs --schema
  EXPECT_EQ(run_command({cli_path(), "schema", "check", "--schema-remote", mapping, schema}).exit_code, 0);
  EXPECT_EQ(run_command({cli_path(), "schema", "check", schema}).exit_code, 1);
}

TEST(CliSchema, BrokenSchemaIsTrouble) {
  testing::TempDir dir;
  auto schema = dir.write("schema.json", R"({"type": 5})");
  auto config = dir.write("config.yaml", "a: 1\n");
  auto result = run_command({cli_path(), "validate", "--schema", schema, config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind(schema + ":1:10: type: invalid schema", 0), 0u) << result.err;
}

TEST(CliSchema, CheckAcceptsAGoodSchemaAndRejectsABadOne) {
  testing::TempDir dir;
  auto good = run_command({cli_path(), "schema", "check", dir.write("good.json", kSchema)});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  auto bad_path = dir.write("bad.yaml", "type: object\nproperties:\n  port:\n    minimum: high\n");
  auto bad = run_command({cli_path(), "schema", "check", bad_path});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err.rfind(bad_path + ":4:14: properties.port.minimum: invalid schema", 0), 0u) << bad.err;
  EXPECT_EQ(run_command({cli_path(), "schema", "check"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path(), "schema"}).exit_code, 2);
}

TEST(CliSchema, CheckValidatesAgainstTheDraft07MetaSchema) {
  testing::TempDir dir;
  // Both compile; the meta-schema wants a string title and unique required names.
  auto path = dir.write("schema.yaml", "title: 5\nproperties:\n  a: {type: string}\nrequired: [a, a]\n");
  auto result = run_command({cli_path(), "schema", "check", path});
  EXPECT_EQ(result.exit_code, 1);
  std::istringstream lines(result.err);
  std::string title, required, extra;
  std::getline(lines, title);
  std::getline(lines, required);
  EXPECT_EQ(title.rfind(path + ":1:8: title: invalid schema: ", 0), 0u) << result.err;
  EXPECT_EQ(required.rfind(path + ":4:11: required: invalid schema: ", 0), 0u) << result.err;
  EXPECT_FALSE(std::getline(lines, extra)) << result.err;
  auto explicit_draft = dir.write("draft7.json", R"({"$schema": "http://json-schema.org/draft-07/schema#", "title": 5})");
  EXPECT_EQ(run_command({cli_path(), "schema", "check", explicit_draft}).exit_code, 1);
}

TEST(CliSchema, CheckValidatesA2020SchemaAgainstThe2020MetaSchema) {
  testing::TempDir dir;
  auto path = dir.write("schema.json", R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": 5})");
  auto result = run_command({cli_path(), "schema", "check", path});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind(path + ":1:70: title: invalid schema: ", 0), 0u) << result.err;
  auto good = dir.write("good.json", R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "ok",
      "$defs": {"port": {"type": "integer"}}, "prefixItems": [{"$ref": "#/$defs/port"}]})");
  auto accepted = run_command({cli_path(), "schema", "check", good});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_EQ(accepted.out, "valid schema: " + good + "\n");
}

TEST(CliSchema, CheckReportsInvalidFieldRulesAndListsValidOnes) {
  testing::TempDir dir;
  auto bad = dir.write("bad.yaml", "properties:\n  a: {x-secret: 'yes'}\n  b: {x-reload: never}\n");
  auto refused = run_command({cli_path(), "schema", "check", bad});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, bad + ":2:17: properties.a.x-secret: invalid schema: \"x-secret\" must be true or false, got string "
                               "\"yes\"\n" + bad + ":3:17: properties.b.x-reload: invalid schema: \"x-reload\" must be "
                               "\"dynamic\" or \"restart\", got string \"never\"\n");
  auto good = dir.write("good.yaml", "properties:\n  server: {x-reload: restart}\n  token: {x-secret: true}\n");
  auto listed = run_command({cli_path(), "schema", "check", good});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out, "valid schema: " + good + "\nserver: restart  " + good + ":2:22\ntoken: secret  " + good + ":3:21\n");
  auto unreadable = run_command({cli_path(), "schema", "check", dir.file("absent.json")});
  EXPECT_EQ(unreadable.exit_code, 1);
}

TEST(CliSchema, AssertFormatsFlagMakesFormatAssertIn2020Schemas) {
  testing::TempDir dir;
  auto schema = dir.write("schema.json", R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
      "properties": {"addr": {"format": "ipv4"}}})");
  auto config = dir.write("config.yaml", "addr: 1.2.3\n");
  auto annotated = run_command({cli_path(), "validate", "--schema", schema, config});
  EXPECT_EQ(annotated.exit_code, 0) << annotated.err;  // 2020-12: "format" annotates by default
  auto asserted = run_command({cli_path(), "validate", "--schema", schema, "--schema-assert-formats", config});
  EXPECT_EQ(asserted.exit_code, 1);
  EXPECT_EQ(asserted.err.rfind(config + ":1:7: addr: \"1.2.3\" is not a valid ipv4", 0), 0u) << asserted.err;
  EXPECT_EQ(run_command({cli_path(), "validate", "--schema-assert-formats", config}).exit_code, 2);  // needs --schema
}

TEST(CliSchema, DialectFlagIsTheDialectOfASchemaWithoutSchemaKeyword) {
  testing::TempDir dir;
  auto schema = dir.write("schema.json", R"({"prefixItems": [{"type": "string"}]})");
  auto data = dir.write("data.json", "[1]");
  EXPECT_EQ(run_command({cli_path(), "validate", "--schema", schema, data}).exit_code, 0);  // draft-07: not a keyword
  auto as2020 = run_command({cli_path(), "validate", "--schema", schema, "--schema-dialect", "2020-12", data});
  EXPECT_EQ(as2020.exit_code, 1);
  EXPECT_NE(as2020.err.find("(type at #/prefixItems/0)"), std::string::npos) << as2020.err;
  EXPECT_EQ(run_command({cli_path(), "validate", "--schema", schema, "--schema-dialect", "draft-07", data}).exit_code, 0);
  auto unknown = run_command({cli_path(), "validate", "--schema", schema, "--schema-dialect", "draft-04", data});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--schema-dialect"), std::string::npos) << unknown.err;
}

TEST(CliSchema, OfficialMetaSchemasResolveWithoutSchemaRemote) {
  testing::TempDir dir;
  auto schema = dir.write("meta.json", R"({"$ref": "https://json-schema.org/draft/2020-12/schema"})");
  auto good = dir.write("good.json", R"({"type": "object", "properties": {"port": {"maximum": 65535}}})");
  auto bad = dir.write("bad.json", R"({"type": "object", "properties": {"port": {"maximum": "high"}}})");
  EXPECT_EQ(run_command({cli_path(), "validate", "--schema", schema, good}).exit_code, 0);
  auto refused = run_command({cli_path(), "validate", "--schema", schema, bad});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err.rfind(bad + ":1:55: properties.port.maximum: ", 0), 0u) << refused.err;
}

}  // namespace
}  // namespace hotreload
