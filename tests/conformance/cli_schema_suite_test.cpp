// The official JSON-Schema-Test-Suite's draft7 cases through the CLI binary, as a user runs them:
// each group's schema and each case's data written to files, then
// `hotreload validate --schema SCHEMA DATA.json`, which must exit 0 for valid data and 1 for
// invalid. json_schema_suite_test.cpp runs every case in process; this one covers what lies
// between (reading any JSON value as the instance, layering, exit codes, --schema-remote).
//
// One process per case is slow under ASan: all 423 cases took 123 s on the shared 2-core machine
// (18 s user, 30 s system). So by default it runs one file per keyword family (81 cases);
// HOTRELOAD_CLI_SUITE=all runs every draft7 file.
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

TEST(CliJsonSchemaSuite, Draft7CasesExitZeroWhenValidAndOneWhenInvalid) {
  const fs::path tests = json_schema_suite_dir() / "tests" / "draft7";
  if (!fs::is_directory(tests)) GTEST_SKIP() << testing::json_schema_suite_missing(tests);
  std::vector<fs::path> files;
  for (const fs::path& file : testing::json_schema_suite_files(tests)) {
    const std::string name = file.filename().string();
    if (run_every_file() || std::find(std::begin(kRepresentative), std::end(kRepresentative), name) != std::end(kRepresentative)) {
      files.push_back(file);
    }
  }
  if (!run_every_file()) {
    ASSERT_EQ(files.size(), std::size(kRepresentative)) << "a representative file is missing";
  }

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
        auto result = testing::run_command(
            {testing::cli_path(), "validate", "-q", "--schema", schema, "--schema-remote", remotes, data});
        ++cases;
        if (result.exit_code != (valid ? 0 : 1)) {
          failures.push_back(path.filename().string() + " / " + group.at("description").get<std::string>() + " / " +
                             test.at("description").get<std::string>() + ": exit " + std::to_string(result.exit_code) +
                             ", expected " + (valid ? "0" : "1") + "; stderr: " + result.err);
        }
      }
    }
  }
  EXPECT_GT(cases, run_every_file() ? 400 : 70);  // the draft7 suite has 423 required cases
  std::ostringstream listed;
  for (const std::string& failure : failures) listed << failure << '\n';
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << cases << " cases failed:\n" << listed.str();
}

}  // namespace
}  // namespace hotreload
