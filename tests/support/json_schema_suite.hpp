// Where the official JSON-Schema-Test-Suite is and which of its files a test runs: shared by the
// in-process and the CLI conformance tests so both read the same cases.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace hotreload::testing {

// Debian's libtest-json-schema-acceptance-perl (Perl's Test::JSON::Schema::Acceptance) ships the
// upstream suite whole, draft2020-12 and remotes/ included; Debian's json-schema-test-suite package
// stops at draft7 and is an older copy, used only when the first is absent.
inline constexpr const char* kAcceptanceSuiteDir = "/usr/share/perl5/auto/share/dist/Test-JSON-Schema-Acceptance";
inline constexpr const char* kDebianSuiteDir = "/usr/share/json-schema-test-suite";

// $HOTRELOAD_JSON_SCHEMA_SUITE, else the first of the two above that exists.
inline std::filesystem::path json_schema_suite_dir() {
  if (const char* dir = std::getenv("HOTRELOAD_JSON_SCHEMA_SUITE")) return dir;
  if (std::filesystem::is_directory(std::filesystem::path(kAcceptanceSuiteDir) / "tests")) return kAcceptanceSuiteDir;
  return kDebianSuiteDir;
}

// What a test prints when it skips because `folder` of the suite is absent.
inline std::string json_schema_suite_missing(const std::filesystem::path& folder) {
  return "JSON-Schema-Test-Suite not found at " + folder.string() +
         " (scripts/test installs Debian's libtest-json-schema-acceptance-perl, which has it; or set"
         " HOTRELOAD_JSON_SCHEMA_SUITE to a checkout of the suite)";
}

// The .json files directly in `folder` (not its subfolders), sorted.
inline std::vector<std::filesystem::path> json_schema_suite_files(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::string read_suite_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace hotreload::testing
