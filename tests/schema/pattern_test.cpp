// The ECMA-262 pattern wrapper: RE2 for linear-time matching, std::regex where RE2 cannot go.
#include "schema/pattern.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hotreload::schema_detail {
namespace {

std::shared_ptr<const Pattern> compiled(const std::string& source) {
  auto pattern = Pattern::compile(source);
  EXPECT_TRUE(pattern) << source << ": " << (pattern ? "" : pattern.error());
  return pattern ? *pattern : nullptr;
}

std::string compile_error(const std::string& source) {
  auto pattern = Pattern::compile(source);
  EXPECT_FALSE(pattern) << source << " compiled";
  return pattern ? "" : pattern.error();
}

TEST(SchemaPattern, SearchesAnywhereUnlessAnchored) {
  auto pattern = compiled("b+");
  EXPECT_TRUE(pattern->search("abbc"));
  EXPECT_FALSE(pattern->search("ac"));
  EXPECT_FALSE(pattern->backtracks());
  EXPECT_EQ(pattern->source(), "b+");
}

TEST(SchemaPattern, NestedQuantifiersRunOnRe2) {
  auto pattern = compiled("^(a+)+$");
  EXPECT_FALSE(pattern->backtracks());
  EXPECT_FALSE(pattern->search(std::string(40, 'a') + "!"));
  EXPECT_TRUE(pattern->search(std::string(40, 'a')));
}

TEST(SchemaPattern, BackreferenceFallsBackToStdRegex) {
  auto pattern = compiled("^(ab)\\1$");
  EXPECT_TRUE(pattern->backtracks());
  EXPECT_TRUE(pattern->search("abab"));
  EXPECT_FALSE(pattern->search("abac"));
}

TEST(SchemaPattern, LookaheadFallsBackToStdRegex) {
  auto pattern = compiled("^(?=.*\\d)[a-z0-9]+$");
  EXPECT_TRUE(pattern->backtracks());
  EXPECT_TRUE(pattern->search("abc1"));
  EXPECT_FALSE(pattern->search("abc"));
}

TEST(SchemaPattern, DotMatchesOneCodePointButNoLineTerminator) {
  auto pattern = compiled("^.$");
  EXPECT_TRUE(pattern->search("\xC3\xA9"));  // é is two bytes in UTF-8
  EXPECT_TRUE(pattern->search("\xF0\x9F\x90\xB2"));  // outside the BMP: four bytes
  EXPECT_FALSE(pattern->search("\n"));
  EXPECT_FALSE(pattern->search("\r"));
}

TEST(SchemaPattern, EcmaEscapesMeanWhatEcmaSays) {
  EXPECT_TRUE(compiled("^\\u00e9$")->search("\xC3\xA9"));
  EXPECT_TRUE(compiled("^\\u{1F432}$")->search("\xF0\x9F\x90\xB2"));
  EXPECT_TRUE(compiled("^\\uD83D\\uDC32$")->search("\xF0\x9F\x90\xB2"));  // a surrogate pair
  EXPECT_TRUE(compiled("^\\s$")->search("\xC2\xA0"));  // no-break space is ECMA-262 white space
  EXPECT_FALSE(compiled("^\\S$")->search("\xC2\xA0"));
  EXPECT_TRUE(compiled("^\\cJ$")->search("\n"));
  EXPECT_TRUE(compiled("^[\\b]$")->search("\b"));
  EXPECT_TRUE(compiled("^\\d+$")->search("0123456789"));
  EXPECT_FALSE(compiled("^\\d$")->search("\xD9\xA3"));  // ARABIC-INDIC DIGIT THREE: \d is ASCII
  EXPECT_TRUE(compiled("^[^]$")->search("\n"));
  EXPECT_FALSE(compiled("a[]")->search("a"));
  EXPECT_TRUE(compiled("^[[]$")->search("["));
  EXPECT_TRUE(compiled("^(?<year>\\d{4})$")->search("2026"));
}

TEST(SchemaPattern, InvalidPatternsSayWhy) {
  EXPECT_EQ(compile_error("\\a"), "the unknown escape \\a");
  EXPECT_EQ(compile_error("abc\\"), "a trailing backslash");
  EXPECT_EQ(compile_error("[abc"), "a character class without its closing ']'");
  EXPECT_EQ(compile_error("\\u12"), "\\u without four hex digits or {code point}");
  EXPECT_EQ(compile_error("\\uD800"), "a lone surrogate \\u escape");
  EXPECT_EQ(compile_error("\\x4"), "\\x without two hex digits");
  EXPECT_EQ(compile_error("\\c1"), "\\c without a control letter");
  EXPECT_EQ(compile_error("\\01"), "an octal escape");
  EXPECT_EQ(compile_error("[\\B]"), "\\B inside a character class");
  EXPECT_FALSE(compile_error("(").empty());     // RE2's message: missing )
  EXPECT_FALSE(compile_error(".*+").empty());   // ECMA-262: nothing to repeat
  EXPECT_FALSE(compile_error("(a)\\1(").empty());  // std::regex's message for the fallback
}

}  // namespace
}  // namespace hotreload::schema_detail
