// Runs the official JSON-Schema-Test-Suite (support/json_schema_suite.hpp says where it is) through
// Schema: every required draft7 and draft2020-12 case, and the optional format cases of the formats
// the validator asserts (with assertion asked for), must pass unless it is listed below with the
// reason it cannot yet.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/schema.hpp"
#include "support/json_schema_suite.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;

struct KnownFailure {
  const char* file;
  const char* group;
  const char* test;  // "" for every test of the group
  const char* reason;
};

// Keep docs/CONFORMANCE.md in step with this list.
// Empty: every draft7 required test and every asserted-format test passes. Entries look like
//   {"refRemote.json", "remote ref", "", "why this slice cannot pass it"} or
//   {"optional/format/uri.json", "validation of URIs", "an invalid URI", "why"}.
constexpr std::array<KnownFailure, 0> kKnownFailures{};

const KnownFailure* known_failure(const std::string& file, const std::string& group, const std::string& test) {
  for (const KnownFailure& known : kKnownFailures) {
    if (file == known.file && group == known.group && (std::string(known.test).empty() || test == known.test)) return &known;
  }
  return nullptr;
}

using testing::json_schema_suite_dir;
using testing::json_schema_suite_missing;

constexpr int kFileColumn = 34;  // fits "optional/format/date-time.json"

struct FileCount {
  std::string file;
  int passed = 0;
  int failed = 0;
  int known = 0;
};

// Runs every case of `files` (named in the table by their path below `base`), prints the table
// under `title` and fails for each case that fails without being a known failure. The suite's
// remote documents are served from remotes/, as the suite's own server would.
void run_suite_files(const fs::path& base, const std::vector<fs::path>& files, const std::string& title,
                     SchemaOptions options = {}) {
  options.resolve_remote = map_remote_prefix("http://localhost:1234/", (json_schema_suite_dir() / "remotes").string());
  std::vector<FileCount> counts;
  std::vector<std::string> unexpected_failures;
  for (const fs::path& path : files) {
    const std::string file = path.lexically_relative(base).string();
    Result<Document> suite = parse(testing::read_suite_text(path), Format::json, path.string(), ParseOptions{.require_object = false});
    ASSERT_TRUE(suite.has_value()) << suite.error().to_string();
    FileCount count{file};
    for (const Value& group : suite->root.as_array()) {
      const std::string group_name = group.as_object().find("description")->as_string();
      Document schema_document{*group.as_object().find("schema"), suite->sources};
      Result<Schema, Errors> schema = Schema::compile(schema_document, options);
      for (const Value& test : group.as_object().find("tests")->as_array()) {
        const std::string test_name = test.as_object().find("description")->as_string();
        const bool expected = test.as_object().find("valid")->as_bool();
        Document data{*test.as_object().find("data"), suite->sources};
        std::string problem;
        if (!schema) {
          problem = "schema does not compile: " + to_string(schema.error());
        } else if (schema->is_valid(data.root) != expected) {
          problem = std::string("is_valid() says ") + (expected ? "invalid" : "valid");
        } else if (schema->validate(data).empty() != expected) {
          problem = std::string("validate() says ") + (expected ? "invalid: " + to_string(schema->validate(data)) : "valid");
        }
        if (problem.empty()) {
          ++count.passed;
        } else if (known_failure(file, group_name, test_name) != nullptr) {
          ++count.known;
        } else {
          ++count.failed;
          unexpected_failures.push_back(file + " / " + group_name + " / " + test_name + ": " + problem);
        }
      }
    }
    counts.push_back(count);
  }

  int passed = 0, failed = 0, known = 0;
  std::cout << title << "\n"
            << std::left << std::setw(kFileColumn) << "file" << std::right << std::setw(8) << "passed" << std::setw(8) << "failed"
            << std::setw(8) << "known" << "\n";
  for (const FileCount& count : counts) {
    std::cout << std::left << std::setw(kFileColumn) << count.file << std::right << std::setw(8) << count.passed << std::setw(8)
              << count.failed << std::setw(8) << count.known << "\n";
    passed += count.passed;
    failed += count.failed;
    known += count.known;
  }
  std::cout << std::left << std::setw(kFileColumn) << "total" << std::right << std::setw(8) << passed << std::setw(8) << failed
            << std::setw(8) << known << "\n";
  ::testing::Test::RecordProperty("passed", passed);
  ::testing::Test::RecordProperty("failed", failed);
  ::testing::Test::RecordProperty("known_failures", known);
  for (const std::string& failure : unexpected_failures) ADD_FAILURE() << failure;
}

// The formats the validator asserts (src/schema/formats.cpp) that the suite has optional tests for.
std::vector<fs::path> asserted_format_files(const fs::path& formats) {
  std::vector<fs::path> files;
  for (const char* name : {"date-time", "email", "hostname", "ipv4", "ipv6", "uri", "regex"}) {
    fs::path file = formats / (std::string(name) + ".json");
    if (fs::is_regular_file(file)) files.push_back(file);
  }
  return files;
}

TEST(JsonSchemaSuite, Draft7RequiredTests) {
  const fs::path tests = json_schema_suite_dir() / "tests" / "draft7";
  if (!fs::is_directory(tests)) GTEST_SKIP() << json_schema_suite_missing(tests);
  run_suite_files(tests, testing::json_schema_suite_files(tests), "JSON-Schema-Test-Suite draft7 (required tests)");
}

// draft-07 lets a validator assert formats, and hotreload does by default: no option needed.
TEST(JsonSchemaSuite, Draft7OptionalFormatTests) {
  const fs::path tests = json_schema_suite_dir() / "tests" / "draft7";
  const fs::path formats = tests / "optional" / "format";
  if (!fs::is_directory(formats)) GTEST_SKIP() << json_schema_suite_missing(formats);
  std::vector<fs::path> files = asserted_format_files(formats);
  ASSERT_FALSE(files.empty()) << "no format test files in " << formats;
  run_suite_files(tests, files, "JSON-Schema-Test-Suite draft7 (optional/format, asserted formats)");
}

// The suite's rule: a schema without "$schema" is in the dialect of the folder it is in (the older
// copies of the suite leave "$schema" out of some 2020-12 schemas and remote documents).
const SchemaOptions k2020{.default_dialect = SchemaDialect::draft2020_12};

TEST(JsonSchemaSuite, Draft2020RequiredTests) {
  const fs::path tests = json_schema_suite_dir() / "tests" / "draft2020-12";
  if (!fs::is_directory(tests)) GTEST_SKIP() << json_schema_suite_missing(tests);
  run_suite_files(tests, testing::json_schema_suite_files(tests), "JSON-Schema-Test-Suite draft2020-12 (required tests)",
                  k2020);
}

// 2020-12 makes "format" an annotation by default; these cases need the opt-in.
TEST(JsonSchemaSuite, Draft2020OptionalFormatTestsWithAssertionOptIn) {
  const fs::path tests = json_schema_suite_dir() / "tests" / "draft2020-12";
  const fs::path formats = tests / "optional" / "format";
  if (!fs::is_directory(formats)) GTEST_SKIP() << json_schema_suite_missing(formats);
  std::vector<fs::path> files = asserted_format_files(formats);
  ASSERT_FALSE(files.empty()) << "no format test files in " << formats;
  SchemaOptions options = k2020;
  options.assert_formats = true;
  run_suite_files(tests, files, "JSON-Schema-Test-Suite draft2020-12 (optional/format, asserted formats)", options);
}

// optional/ecmascript-regex.json and non-bmp-regex.json: ECMA-262 pattern syntax and meaning
// (Unicode property escapes by their long names, \d and \w ASCII, ...) on RE2. One group checks
// the "regex" format, hence the opt-in.
TEST(JsonSchemaSuite, Draft2020OptionalRegexTests) {
  const fs::path tests = json_schema_suite_dir() / "tests" / "draft2020-12";
  const fs::path ecmascript = tests / "optional" / "ecmascript-regex.json";
  if (!fs::is_regular_file(ecmascript)) GTEST_SKIP() << json_schema_suite_missing(ecmascript);
  std::vector<fs::path> files{ecmascript};
  if (fs::path non_bmp = tests / "optional" / "non-bmp-regex.json"; fs::is_regular_file(non_bmp)) files.push_back(non_bmp);
  SchemaOptions options = k2020;
  options.assert_formats = true;
  run_suite_files(tests, files, "JSON-Schema-Test-Suite draft2020-12 (optional regex tests)", options);
}

// optional/format-assertion.json: a meta-schema that asks for the format-assertion vocabulary
// makes "format" assert without the opt-in.
TEST(JsonSchemaSuite, Draft2020OptionalFormatAssertionVocabularyTests) {
  const fs::path tests = json_schema_suite_dir() / "tests" / "draft2020-12";
  const fs::path file = tests / "optional" / "format-assertion.json";
  if (!fs::is_regular_file(file)) GTEST_SKIP() << json_schema_suite_missing(file);
  run_suite_files(tests, {file}, "JSON-Schema-Test-Suite draft2020-12 (optional/format-assertion.json)", k2020);
}

}  // namespace
}  // namespace hotreload
