// Drives `hotreload flags eval` and `hotreload flags validate` as the issue's contract spells them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using testing::cli_path;
using testing::run_command;

constexpr std::string_view kFlags = R"({
  "metadata": {"team": "web"},
  "flags": {
    "new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
                     "targeting": {"if": [{"==": [{"var": "country"}, "de"]}, "on"]}},
    "greeting": {"state": "ENABLED", "variants": {"hi": "hello"}, "defaultVariant": "hi"},
    "kill": {"state": "DISABLED", "variants": {"on": true}, "defaultVariant": "on"}
  }
})";

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(CliFlags, EvalPrintsEveryFlagAsOneJsonLine) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kFlags);
  auto result = run_command({cli_path(), "flags", "eval", "--flags", file});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "{\"key\":\"new-checkout\",\"value\":false,\"variant\":\"off\",\"reason\":\"DEFAULT\",\"flagMetadata\":{\"team\":\"web\"}}\n"
            "{\"key\":\"greeting\",\"value\":\"hello\",\"variant\":\"hi\",\"reason\":\"STATIC\",\"flagMetadata\":{\"team\":\"web\"}}\n"
            "{\"key\":\"kill\",\"value\":false,\"variant\":null,\"reason\":\"DISABLED\",\"flagMetadata\":{\"team\":\"web\"}}\n");
}

TEST(CliFlags, EvalUsesTheContext) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kFlags);
  auto result = run_command({cli_path(), "flags", "eval", "--flags", file, "--flag", "new-checkout", "--context",
                             R"({"targetingKey": "u1", "country": "de"})"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["value"], true);
  EXPECT_EQ(lines[0]["variant"], "on");
  EXPECT_EQ(lines[0]["reason"], "TARGETING_MATCH");
  EXPECT_FALSE(lines[0].contains("errorCode"));
}

TEST(CliFlags, EvalErrorPrintsTheDefaultAndExitsZero) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kFlags);
  auto missing = run_command({cli_path(), "flags", "eval", "--flags", file, "--flag", "nope", "--type", "string",
                              "--default", "fallback"});
  EXPECT_EQ(missing.exit_code, 0) << missing.err;
  EXPECT_EQ(missing.out,
            "{\"key\":\"nope\",\"value\":\"fallback\",\"variant\":null,\"reason\":\"ERROR\",\"errorCode\":\"FLAG_NOT_FOUND\","
            "\"flagMetadata\":{\"team\":\"web\"}}\n");
  EXPECT_EQ(missing.err, "hotreload: FLAG_NOT_FOUND: flag \"nope\" not found\n");

  auto mismatch = run_command({cli_path(), "flags", "eval", "--flags", file, "--flag", "greeting", "--type", "integer",
                               "--default", "13"});
  EXPECT_EQ(mismatch.exit_code, 0) << mismatch.err;
  auto lines = json_lines(mismatch.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["value"], 13);
  EXPECT_EQ(lines[0]["errorCode"], "TYPE_MISMATCH");
}

TEST(CliFlags, EvalRefusesBadArguments) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kFlags);
  EXPECT_EQ(run_command({cli_path(), "flags", "eval", "--flags", file, "--type", "number"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path(), "flags", "eval", "--flags", file, "--type", "boolean", "--default", "yes"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path(), "flags", "eval", "--flags", file, "--context", "[1]"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path(), "flags", "eval"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path(), "flags", "eval", "--flags", dir.file("absent.json")}).exit_code, 2);
}

TEST(CliFlags, EvalOfAnInvalidFileExitsOne) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "b"}}})");
  auto result = run_command({cli_path(), "flags", "eval", "--flags", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, file + ":1:78: flags.f.defaultVariant: unknown variant \"b\" (variants: a)\n");
}

TEST(CliFlags, ValidateAcceptsGoodFiles) {
  testing::TempDir dir;
  auto json = dir.write("flags.json", kFlags);
  auto yaml = dir.write("flags.yaml", "flags:\n  f:\n    state: ENABLED\n    variants: {a: 1}\n");
  auto result = run_command({cli_path(), "flags", "validate", json, yaml});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "valid: " + json + " (3 flags)\nvalid: " + yaml + " (1 flag)\n");
  EXPECT_EQ(result.err, "");
}

TEST(CliFlags, ValidateReportsEveryErrorWithPositions) {
  testing::TempDir dir;
  auto good = dir.write("good.json", kFlags);
  auto bad = dir.write("bad.json", "{\"flags\": {\n  \"f\": {\"state\": \"ON\", \"variants\": {\"a\": 1},\n"
                                   "        \"targeting\": {\"equals\": [1, 1]}}}}\n");
  auto result = run_command({cli_path(), "flags", "validate", good, bad});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, bad + ":2:18: flags.f.state: expected \"ENABLED\" or \"DISABLED\", got string \"ON\"\n" + bad +
                            ":3:22: flags.f.targeting: unknown JSONLogic operator \"equals\"\n");
}

TEST(CliFlags, ValidateLenientTurnsRuleProblemsIntoWarnings) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "targeting": {"nope": 1}}}})");
  EXPECT_EQ(run_command({cli_path(), "flags", "validate", file}).exit_code, 1);
  auto result = run_command({cli_path(), "flags", "validate", "--lenient", "-q", file});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "warning: " + file + ":1:73: flags.f.targeting: unknown JSONLogic operator \"nope\"\n");
}

TEST(CliFlags, ValidateOfAMissingFileIsTrouble) {
  testing::TempDir dir;
  auto result = run_command({cli_path(), "flags", "validate", dir.file("absent.json")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("absent.json"), std::string::npos);
  EXPECT_EQ(run_command({cli_path(), "flags", "validate"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path(), "flags"}).exit_code, 2);
}

}  // namespace
}  // namespace hotreload
