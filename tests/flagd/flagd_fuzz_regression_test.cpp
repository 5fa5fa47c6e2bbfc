// Inputs the fuzzer (fuzz/flagd_fuzzer.cpp) found, kept as tests: messages that quote bytes from
// a flag file or a caller's context threw nlohmann's type_error 316 on invalid UTF-8, out of
// FlagdDefinitions::parse() and out of an evaluation. A flag file with such bytes is now refused
// by parse() at the byte; a caller's context may still carry them, and prints them as U+FFFD.
#include <gtest/gtest.h>

#include <string>

#include "hotreload/flagd.hpp"

namespace hotreload {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

std::string all_messages(std::string_view text, FlagdOptions options = {}) {
  Result<FlagdDefinitions, Errors> parsed = FlagdDefinitions::parse(text, "flags.yaml", Format::yaml, options);
  if (parsed) return "ok";
  return to_string(parsed.error());
}

TEST(Flagd, UnknownKeyWithInvalidUtf8IsAnErrorNotAnException) {
  std::string text = "flags:\n  f:\n    state: ENABLED\n    var\xff\xff: {a: 1}\n    variants: {a: 1}\n    defaultVariant: a\n";
  std::string messages;
  ASSERT_NO_THROW(messages = all_messages(text));
  EXPECT_EQ(messages, "flags.yaml:4:8: invalid UTF-8 byte 0xFF\n");
}

TEST(Flagd, SemVerOperatorWithInvalidUtf8IsAnErrorNotAnException) {
  std::string text = "flags:\n  f:\n    state: ENABLED\n    variants: {a: 1}\n    defaultVariant: a\n"
                     "    targeting: {sem_ver: [{var: v}, \"\xfe\", \"1.0.0\"]}\n";
  std::string messages;
  ASSERT_NO_THROW(messages = all_messages(text));
  EXPECT_EQ(messages, "flags.yaml:6:38: invalid UTF-8 byte 0xFE\n");
}

TEST(Flagd, TargetingResultWithInvalidUtf8IsAGeneralError) {
  FlagdStore store;
  auto loaded = store.load(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a",
                                                 "targeting": {"var": "targetingKey"}}}})",
                           "flags.json");
  ASSERT_TRUE(loaded) << to_string(loaded.error());
  Resolution<std::int64_t> resolution{};
  ASSERT_NO_THROW(resolution = store.view().evaluate_integer("f", 7, {.targeting_key = "user-\xff"}));
  EXPECT_EQ(resolution.value, 7);
  EXPECT_EQ(resolution.error, ResolutionError::general);
  EXPECT_EQ(resolution.error_message,
            "flag \"f\": targeting returned \"user-" + std::string(kReplacement) + "\", which is not one of its variants");
}

}  // namespace
}  // namespace hotreload
