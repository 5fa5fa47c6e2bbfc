// Inputs the fuzzer (fuzz/parse_fuzzer.cpp) found, kept as tests of what the parser must do.
#include <gtest/gtest.h>

#include <string>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

std::string error_of(std::string_view text) {
  Result<Document> parsed = parse(text, Format::yaml, "c.yaml", ParseOptions{.require_object = false});
  return parsed ? "ok" : parsed.error().to_string();
}

// yaml-cpp 0.7 reported an empty document for a stray "," forever without consuming it, so the
// parse never returned: a one-character config file hung the reloading thread.
TEST(Yaml, StrayCommaIsAnErrorNotAHang) {
  EXPECT_EQ(error_of(","), "c.yaml:1:1: invalid YAML: unexpected ','");
  EXPECT_EQ(error_of(",\x01"), "c.yaml:1:1: invalid YAML: unexpected ','");
}

TEST(Yaml, StrayCommaAfterTheContentIsAnErrorNotAHang) {
  EXPECT_EQ(error_of("\"1a\" ,"), "c.yaml:1:6: invalid YAML: unexpected ','");
  EXPECT_EQ(error_of("[1], 2"), "c.yaml:1:4: invalid YAML: unexpected ','");
  EXPECT_EQ(error_of("a: 1\n---\n,\n"), "c.yaml:3:1: invalid YAML: unexpected ','");
}

TEST(Yaml, EmptyDocumentsInARowAreStillIgnored) {
  EXPECT_EQ(error_of("---\n---\n...\n---\na: 1\n---\n"), "ok");
}

}  // namespace
}  // namespace hotreload
