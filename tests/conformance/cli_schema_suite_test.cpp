// The official JSON-Schema-Test-Suite's draft7 and draft2020-12 cases through the CLI binary, as a user runs them:
// each group's schema and each case's data written to files, then
// `hotreload validate --schema SCHEMA DATA.json`, which must exit 0 for valid data and 1 for
// invalid. json_schema_suite_test.cpp runs every case in process; this one covers what lies
// between (reading any JSON value as the instance, layering, exit codes, --schema-remote).
//
// One process per case is slow under ASan: Debian's older draft7 suite (423 cases) took 123 s on the
// shared 2-core machine. So by default it runs one file per keyword family of each draft;
// HOTRELOAD_CLI_SUITE=all runs every required file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/json_schema_suite.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;

using testing::json_schema_suite_dir;

// Instances of every kind, numbers, strings, arrays, objects, combinators and remote $refs.
constexpr const char* kRepresentative[] = {"boolean_schema.json", "maximum.json", "minLength.json", "items.json",
                                           "required.json", "oneOf.json", "refRemote.json"};

bool run_every_file() {
  const char* choice = std::getenv("HOTRELOAD_CLI_SUITE");
  return choice != nullptr && std::string(choice) == "all";
}

nlohmann::json read_json(const fs::path& path) { return nlohmann::json::parse(testing::read_suite_text(path)); }

// Runs the cases of `files` through `hotreload validate`, each exiting 0 when valid and 1 when not,
// with the suite's remotes/ behind --schema-remote; `extra` goes before the data file.
void expect_cli_verdicts(const std::vector<fs::path>& files, const std::vector<std::string>& extra, int minimum_cases) {
  testing::TempDir dir;
  const std::string remotes = "http://localhost:1234/=" + (json_schema_suite_dir() / "remotes").string();
  int cases = 0;
  std::vector<std::string> failures;
  for (const fs::path& path : files) {
    for (const nlohmann::json& group : read_json(path)) {
      // dump() writes numbers back exactly (1.0 stays a float, 1 an integer).
      const std::string schema = dir.write("schema.json", group.at("schema").dump());
      for (const nlohmann::json& test : group.at("tests")) {
        const std::string data = dir.write("data.json", test.at("data").dump());
        const bool valid = test.at("valid").get<bool>();
        std::vector<std::string> command{testing::cli_path(), "validate", "-q", "--schema", schema, "--schema-remote", remotes};
        command.insert(command.end(), extra.begin(), extra.end());
        command.push_back(data);
        auto result = testing::run_command(command);
        ++cases;
        if (result.exit_code != (valid ? 0 : 1)) {
          failures.push_back(path.filename().string() + " / " + group.at("description").get<std::string>() + " / " +
                             test.at("description").get<std::string>() + ": exit " + std::to_string(result.exit_code) +
                             ", expected " + (valid ? "0" : "1") + "; stderr: " + result.err);
        }
      }
    }
  }
  EXPECT_GT(cases, minimum_cases);
  std::ostringstream listed;
  for (const std::string& failure : failures) listed << failure << '\n';
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << cases << " cases failed:\n" << listed.str();
}

// The files of `folder` named in `representative`, or all of them with HOTRELOAD_CLI_SUITE=all.
std::vector<fs::path> chosen_files(const fs::path& folder, const std::vector<std::string>& representative) {
  std::vector<fs::path> files;
  for (const fs::path& file : testing::json_schema_suite_files(folder)) {
    const std::string name = file.filename().string();
    if (run_every_file() || std::find(representative.begin(), representative.end(), name) != representative.end()) {
      files.push_back(file);
    }
  }
  return files;
}

TEST(CliJsonSchemaSuite, Draft7CasesExitZeroWhenValidAndOneWhenInvalid) {
  const fs::path tests = json_schema_suite_dir() / "tests" / "draft7";
  if (!fs::is_directory(tests)) GTEST_SKIP() << testing::json_schema_suite_missing(tests);
  const std::vector<std::string> representative(std::begin(kRepresentative), std::end(kRepresentative));
  std::vector<fs::path> files = chosen_files(tests, representative);
  if (!run_every_file()) {
    ASSERT_EQ(files.size(), representative.size()) << "a representative file is missing";
  }
  expect_cli_verdicts(files, {}, run_every_file() ? 800 : 70);  // the draft7 suite has 861 required cases
}

// 2020-12 through the CLI: embedded resources and anchors, remote documents, meta-schemas built
// in, vocabularies of a custom meta-schema. The suite's
// rule for a schema without "$schema" (the folder's dialect) is --schema-dialect.
TEST(CliJsonSchemaSuite, Draft2020CasesExitZeroWhenValidAndOneWhenInvalid) {
  const fs::path tests = json_schema_suite_dir() / "tests" / "draft2020-12";
  if (!fs::is_directory(tests)) GTEST_SKIP() << testing::json_schema_suite_missing(tests);
  const std::vector<std::string> representative{"anchor.json", "defs.json", "refRemote.json", "vocabulary.json"};
  std::vector<fs::path> files = chosen_files(tests, representative);
  if (!run_every_file()) {
    ASSERT_EQ(files.size(), representative.size()) << "a representative file is missing";
  }
  expect_cli_verdicts(files, {"--schema-dialect", "2020-12"}, run_every_file() ? 1100 : 50);  // the draft2020-12 suite has 1176 required cases
}

// --schema-assert-formats: the optional format cases pass under it.
TEST(CliJsonSchemaSuite, Draft2020FormatCasesAssertWithTheFlag) {
  const fs::path formats = json_schema_suite_dir() / "tests" / "draft2020-12" / "optional" / "format";
  if (!fs::is_directory(formats)) GTEST_SKIP() << testing::json_schema_suite_missing(formats);
  expect_cli_verdicts({formats / "ipv4.json", formats / "date-time.json"}, {"--schema-dialect", "2020-12", "--schema-assert-formats"}, 20);
}

}  // namespace
}  // namespace hotreload
