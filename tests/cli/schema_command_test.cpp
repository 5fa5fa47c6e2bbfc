// `hotreload validate --schema` and `hotreload schema check`, driven as a user would.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hotreload
