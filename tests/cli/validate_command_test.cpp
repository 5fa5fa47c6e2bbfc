// Drives `hotreload validate` exactly as the issue's contract spells it.
#include <gtest/gtest.h>

#include <sstream>

#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using testing::cli_path;
using testing::run_command;

TEST(CliValidate, ValidLayersExitZero) {
  testing::TempDir dir;
  auto base = dir.write("config.yaml", "database:\n  max_conns: 10\n  host: db\n");
  auto local = dir.write("config.local.json", R"({"database": {"max_conns": 20}})");
  auto result = run_command({cli_path(), "validate", base, local});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out, "valid: 2 files, 3 values\n");
}

TEST(CliValidate, PrintConfigShowsTheMergedResult) {
  testing::TempDir dir;
  auto base = dir.write("config.yaml", "database:\n  max_conns: 10\n  host: db\n");
  auto local = dir.write("config.toml", "[database]\nmax_conns = 20\n");
  auto result = run_command({cli_path(), "validate", "--print-config", base, local});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "{\n  \"database\": {\n    \"max_conns\": 20,\n    \"host\": \"db\"\n  }\n}\n");
}

TEST(CliValidate, AGlobArgumentIsADirectoryOfLayersInLexicalOrder) {
  testing::TempDir dir;
  dir.write("conf.d/20-b.yaml", "a: 2\nb: 2\n");
  dir.write("conf.d/10-a.yaml", "a: 1\n");
  dir.write("conf.d/notes.txt", "not config\n");
  auto result = run_command({cli_path(), "validate", "--print-config", dir.file("conf.d") + "/*.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "{\n  \"a\": 2,\n  \"b\": 2\n}\n");

  // The summary counts the files read, not the arguments.
  auto counted = run_command({cli_path(), "validate", dir.file("conf.d") + "/*.yaml"});
  EXPECT_EQ(counted.out, "valid: 2 files, 2 values\n");

  dir.write("conf.d/30-bad.yaml", "a: [\n");
  auto bad = run_command({cli_path(), "validate", dir.file("conf.d") + "/*.yaml"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(dir.file("conf.d/30-bad.yaml") + ":"), std::string::npos) << bad.err;
}

// The issue's report: this file was "valid" and then broke --print-config with nlohmann's
// type_error.316. Invalid UTF-8 is a syntax error at the byte.
TEST(CliValidate, InvalidUtf8IsASyntaxErrorAtTheByte) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: ok\nb: \xff\xfe\n");
  for (const char* print : {"--quiet", "--print-config"}) {
    auto result = run_command({cli_path(), "validate", print, file});
    EXPECT_EQ(result.exit_code, 1) << print;
    EXPECT_EQ(result.out, "") << print;
    EXPECT_EQ(result.err.rfind(file + ":2:4: invalid UTF-8 byte 0xFF", 0), 0u) << result.err;
  }
}

TEST(CliValidate, EnvironmentValueWithInvalidUtf8IsRefusedNamingTheVariable) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "name: ok\n");
  auto result = run_command({cli_path(), "validate", "--env-prefix", "APP", "--print-config", file},
                            {"APP_NAME=x\xff"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("env:APP_NAME: name: invalid UTF-8 in the value"), std::string::npos)
      << result.err;
}

TEST(CliValidate, UnclosedBracketIsReportedWhereItOpens) {
  testing::TempDir dir;
  auto file = dir.write("broken.yaml", "name: x\nhost: a\nport: [8080\nworkers: 4\n");
  auto result = run_command({cli_path(), "validate", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind(file + ":3:7: invalid YAML: '[' is not closed (line 4, column 8: ", 0), 0u)
      << result.err;
}

TEST(CliValidate, SyntaxErrorExitsOneWithPosition) {
  testing::TempDir dir;
  auto file = dir.write("config.json", "{\n  \"a\": 1,\n}\n");
  auto result = run_command({cli_path(), "validate", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err.rfind(file + ":3:1: invalid JSON: ", 0), 0u) << result.err;
}

TEST(CliValidate, ReportsErrorsOfEveryLayer) {
  testing::TempDir dir;
  auto first = dir.write("a.yaml", "a: [1\n");
  auto second = dir.write("b.yaml", "b: 1\nb: 2\n");
  auto result = run_command({cli_path(), "validate", first, second});
  EXPECT_EQ(result.exit_code, 1);
  std::istringstream lines(result.err);
  std::string line1, line2;
  std::getline(lines, line1);
  std::getline(lines, line2);
  EXPECT_EQ(line1.rfind(first + ":", 0), 0u) << result.err;
  EXPECT_EQ(line2, second + ":2:1: b: duplicate key \"b\" (first at line 1)") << result.err;
}

TEST(CliValidate, MissingFileIsAnError) {
  testing::TempDir dir;
  auto result = run_command({cli_path(), "validate", dir.file("absent.yaml")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, dir.file("absent.yaml") + ": cannot read: No such file or directory\n");
}

TEST(CliValidate, OptionalFileMayBeMissing) {
  testing::TempDir dir;
  auto base = dir.write("config.yaml", "a: 1\n");
  auto result = run_command({cli_path(), "validate", "--optional", dir.file("config.local.yaml"), base,
                             dir.file("config.local.yaml")});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "valid: 1 file, 1 value\n");
}

TEST(CliValidate, EnvPrefixOverlaysVariables) {
  testing::TempDir dir;
  auto base = dir.write("config.yaml", "database:\n  max_conns: 10\n");
  auto result = run_command({cli_path(), "validate", "--env-prefix", "APP", "--print-config", base},
                            {"APP_DATABASE__MAX_CONNS=200"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"max_conns\": 200"), std::string::npos) << result.out;
}

TEST(CliValidate, PrintSourcesNamesTheLayerThatSetEachKey) {
  testing::TempDir dir;
  auto base = dir.write("config.yaml", "database:\n  max_conns: 10\n  host: db\n");
  auto local = dir.write("config.local.yaml", "database:\n  host: local\n");
  auto result = run_command({cli_path(), "validate", "--env-prefix", "APP", "--print-sources", base, local},
                            {"APP_DATABASE__MAX_CONNS=200"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "database.max_conns  env:APP_DATABASE__MAX_CONNS\ndatabase.host  " + local + ":2:9\n");
}

TEST(CliValidate, UsageErrorsExitTwo) {
  EXPECT_EQ(run_command({cli_path(), "validate"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path(), "validate", "--no-such-flag", "x.yaml"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path(), "no-such-command"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path()}).exit_code, 2);
  auto bad_format = run_command({cli_path(), "validate", "--format", "ini", "x.conf"});
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_NE(bad_format.err.find("unknown format \"ini\""), std::string::npos) << bad_format.err;
}

TEST(CliValidate, ForcedFormatReadsAnyExtension) {
  testing::TempDir dir;
  auto file = dir.write("settings.conf", "a = 1\n");
  EXPECT_EQ(run_command({cli_path(), "validate", "--format", "toml", file}).exit_code, 0);
  auto unknown = run_command({cli_path(), "validate", file});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, file + ": cannot tell the format from the extension; use .yaml, .yml, .json or .toml\n");
}

TEST(CliValidate, FormatKeyvalueReadsATorrc) {
  testing::TempDir dir;
  auto torrc = dir.write("torrc", "# relay\nSocksPort 9050 # local only\nLog notice stdout\nLog debug file /tmp/x\n");
  auto result = run_command({cli_path(), "validate", "--print-config", "--format", "keyvalue", torrc});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "{\n  \"SocksPort\": 9050,\n  \"Log\": [\n    \"notice stdout\",\n    \"debug file /tmp/x\"\n  ]\n}\n");
}

// The issue's case: YAML defaults with a torrc over them, each layer in its own format.
TEST(CliValidate, FormatPrefixSetsTheFormatOfOneLayer) {
  testing::TempDir dir;
  auto defaults = dir.write("defaults.yaml", "SocksPort: 9150\nNickname: unnamed\n");
  auto torrc = dir.write("torrc", "SocksPort 9050\n");
  auto result = run_command({cli_path(), "validate", "--print-config", defaults, "keyvalue:" + torrc});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "{\n  \"SocksPort\": 9050,\n  \"Nickname\": \"unnamed\"\n}\n");

  auto sources = run_command({cli_path(), "validate", "--print-sources", defaults, "keyvalue:" + torrc});
  EXPECT_EQ(sources.out, "SocksPort  " + torrc + ":1:11\nNickname  " + defaults + ":2:11\n");

  // The prefix wins over --format for its layer; the others keep --format.
  auto json = dir.write("over.conf", "{\"Nickname\": \"relay\"}");
  auto mixed = run_command({cli_path(), "validate", "--print-config", "--format", "json", "yaml:" + defaults,
                            "keyvalue:" + torrc, json});
  EXPECT_EQ(mixed.exit_code, 0) << mixed.err;
  EXPECT_EQ(mixed.out, "{\n  \"SocksPort\": 9050,\n  \"Nickname\": \"relay\"\n}\n");
}

TEST(CliValidate, KeyvalueErrorsSayWhere) {
  testing::TempDir dir;
  auto torrc = dir.write("torrc", "SocksPort 9050\nRunAsDaemon\nExitPolicy reject *:* \\\n");
  auto result = run_command({cli_path(), "validate", "keyvalue:" + torrc});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, torrc + ":2:1: invalid keyvalue: key \"RunAsDaemon\" has no value\n");
  dir.write("torrc", "ExitPolicy reject *:* \\\n");
  auto continuation = run_command({cli_path(), "validate", "--format", "keyvalue", torrc});
  EXPECT_EQ(continuation.exit_code, 1);
  EXPECT_EQ(continuation.err,
            torrc + ":1:23: invalid keyvalue: bad continuation: the file ends after a trailing backslash\n");
}

// Only a registered format's name before ':' is a prefix: other colons are part of the path.
TEST(CliValidate, AColonThatIsNotAFormatPrefixIsPartOfThePath) {
  testing::TempDir dir;
  auto odd = dir.write("ini:config.yaml", "a: 1\n");
  auto result = run_command({cli_path(), "validate", odd});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto missing = run_command({cli_path(), "validate", "keyvalue:" + dir.file("absent")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err.rfind(dir.file("absent") + ": ", 0), 0u) << missing.err;  // the prefix is not in the path
}

}  // namespace
}  // namespace hotreload
