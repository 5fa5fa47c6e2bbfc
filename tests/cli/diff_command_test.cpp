// Drives `hotreload diff` exactly as the issue's contract spells it: exit codes like diff(1).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using testing::cli_path;
using testing::run_command;

TEST(CliDiff, EqualFilesExitZeroAndPrintNothing) {
  testing::TempDir dir;
  auto a = dir.write("a.yaml", "x: 1\ny: [1, 2]\n");
  auto b = dir.write("b.json", R"({"y": [1, 2], "x": 1})");
  auto result = run_command({cli_path(), "diff", a, b});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
}

TEST(CliDiff, ChangesPrintOnePerLineAndExitOne) {
  testing::TempDir dir;
  auto a = dir.write("a.yaml", "database:\n  max_conns: 100\n  host: db\nold: true\n");
  auto b = dir.write("b.yaml", "database:\n  max_conns: 200\n  host: db\nnew: x\n");
  auto result = run_command({cli_path(), "diff", a, b});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out, "database.max_conns: 100 -> 200\nnew: (absent) -> \"x\"\nold: true -> (absent)\n");
}

TEST(CliDiff, JsonOutputIsAnArrayOfChanges) {
  testing::TempDir dir;
  auto a = dir.write("a.yaml", "a: 1\nb: 2\n");
  auto b = dir.write("b.yaml", "a: 5\nc: 3\n");
  auto result = run_command({cli_path(), "diff", "--json", a, b});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  auto parsed = nlohmann::json::parse(result.out);
  EXPECT_EQ(parsed, nlohmann::json::parse(R"([
    {"path": "a", "op": "modified", "old": 1, "new": 5},
    {"path": "c", "op": "added", "old": null, "new": 3},
    {"path": "b", "op": "removed", "old": 2, "new": null}])"));
}

TEST(CliDiff, JsonOutputOfEqualFilesIsAnEmptyArray) {
  testing::TempDir dir;
  auto a = dir.write("a.yaml", "a: 1\n");
  auto result = run_command({cli_path(), "diff", "--json", a, a});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(result.out), nlohmann::json::array());
}

TEST(CliDiff, SecretsAreRedacted) {
  testing::TempDir dir;
  auto a = dir.write("a.yaml", "db:\n  password: hunter2\n");
  auto b = dir.write("b.yaml", "db:\n  password: s3cr3t\n");
  auto result = run_command({cli_path(), "diff", "--secret", "db.password", a, b});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "db.password: <redacted> -> <redacted>\n");
}

TEST(CliDiff, RepeatableOptionTakesOneValueEachTime) {
  testing::TempDir dir;
  auto a = dir.write("a.yaml", "db:\n  password: hunter2\n  token: t1\n");
  auto b = dir.write("b.yaml", "db:\n  password: s3cr3t\n  token: t2\n");
  // The files after --secret must stay files, not become more patterns.
  auto result = run_command({cli_path(), "diff", "--secret", "db.password", "--secret", "db.token", a, b});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out, "db.password: <redacted> -> <redacted>\ndb.token: <redacted> -> <redacted>\n");
}

TEST(CliDiff, TroubleExitsTwo) {
  testing::TempDir dir;
  auto a = dir.write("a.yaml", "a: 1\n");
  auto broken = dir.write("b.yaml", "a: [1\n");
  auto missing = run_command({cli_path(), "diff", a, dir.file("absent.yaml")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, dir.file("absent.yaml") + ": cannot read: No such file or directory\n");
  auto invalid = run_command({cli_path(), "diff", a, broken});
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_EQ(invalid.err.rfind(broken + ":", 0), 0u) << invalid.err;
  EXPECT_EQ(run_command({cli_path(), "diff", a}).exit_code, 2);
}

// The issue's report: nlohmann's type_error.316 escaped as the whole output. The file with
// invalid UTF-8 is now refused like any syntax error, at the byte.
TEST(CliDiff, InvalidUtf8IsRefusedAtTheByte) {
  testing::TempDir dir;
  auto a = dir.write("a.yaml", "a: ok\n");
  auto b = dir.write("b.yaml", "a: \xff\xfe\n");
  for (bool json : {false, true}) {
    auto result = json ? run_command({cli_path(), "diff", "--json", a, b}) : run_command({cli_path(), "diff", a, b});
    EXPECT_EQ(result.exit_code, 2) << json;
    EXPECT_EQ(result.out, "") << json;
    EXPECT_EQ(result.err, b + ":1:4: invalid UTF-8 byte 0xFF\n");
  }
}

// A torrc compared with the YAML it replaces: each side in its own format, values typed alike.
TEST(CliDiff, FormatPrefixSetsTheFormatOfEachSide) {
  testing::TempDir dir;
  auto before = dir.write("before.yaml", "SocksPort: 9050\nNickname: relay\n");
  auto after = dir.write("torrc", "SocksPort 9050\nNickname relay2\n");
  auto result = run_command({cli_path(), "diff", before, "keyvalue:" + after});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out, "Nickname: \"relay\" -> \"relay2\"\n");
  auto forced = run_command({cli_path(), "diff", "--format", "keyvalue", after, after});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
}

}  // namespace
}  // namespace hotreload
