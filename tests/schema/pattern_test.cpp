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

TEST(SchemaPattern, AnchoredLiteralMatchesOnlyAtTheStart) {
  // "^" and literal characters are answered by a prefix test; the verdicts must be RE2's.
  auto pattern = compiled("^/api");
  EXPECT_TRUE(pattern->search("/api/v1"));
  EXPECT_TRUE(pattern->search("/api"));
  EXPECT_FALSE(pattern->search("/ap"));
  EXPECT_FALSE(pattern->search("x/api"));
  EXPECT_FALSE(pattern->search("\n/api"));
  auto metacharacter = compiled("^a.c");
  EXPECT_TRUE(metacharacter->search("abc"));
  EXPECT_FALSE(metacharacter->search("a.d"));
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

// ECMA-262 (u flag) names Unicode properties by their long names and aliases too; RE2 only by the
// short general categories and script names.
TEST(SchemaPattern, UnicodePropertiesTakeTheirEcmaNames) {
  for (const char* letter : {"\\p{L}", "\\p{Letter}", "\\p{gc=Letter}", "\\p{General_Category=L}", "[\\p{Letter}]"}) {
    auto pattern = compiled(std::string("^") + letter + "+$");
    EXPECT_TRUE(pattern->search("\u00e9cole")) << letter;  // école
    EXPECT_FALSE(pattern->search("42")) << letter;
    EXPECT_FALSE(pattern->backtracks()) << letter;
  }
  auto digits = compiled("^\\p{digit}+$");  // the Unicode alias of Decimal_Number
  EXPECT_TRUE(digits->search("\u09ea\u09e8"));   // Bengali 42
  EXPECT_FALSE(digits->search("-%#"));
  EXPECT_TRUE(compiled("^\\p{Decimal_Number}$")->search("7"));
  EXPECT_TRUE(compiled("^\\p{Uppercase_Letter}$")->search("\u00c9"));
  EXPECT_FALSE(compiled("^\\p{Lowercase_Letter}$")->search("E"));
  EXPECT_TRUE(compiled("^\\P{Letter}$")->search("1"));
  EXPECT_FALSE(compiled("^\\P{Letter}$")->search("a"));
  EXPECT_TRUE(compiled("^\\p{Script=Greek}+$")->search("\u03b1\u03b2"));
  EXPECT_TRUE(compiled("^\\p{sc=Greek}$")->search("\u03a9"));
  EXPECT_FALSE(compiled("^\\p{sc=Greek}$")->search("w"));
  // Sets RE2 has no name for are spelled out.
  EXPECT_TRUE(compiled("^\\p{Cased_Letter}$")->search("a"));
  EXPECT_FALSE(compiled("^\\p{LC}$")->search("1"));
  EXPECT_TRUE(compiled("^\\P{LC}$")->search("1"));
  EXPECT_TRUE(compiled("^\\p{ASCII}+$")->search("plain"));
  EXPECT_FALSE(compiled("^\\p{ASCII}$")->search("\u00e9"));
  EXPECT_TRUE(compiled("^\\p{Any}$")->search("\u00e9"));
}

TEST(SchemaPattern, UnsupportedUnicodePropertiesAreErrorsNamingThem) {
  EXPECT_NE(compile_error("\\p{Alphabetic}").find("\\p{Alphabetic}"), std::string::npos);  // RE2 has no binary properties
  EXPECT_TRUE(compiled("^\\p{Greek}$")->search("\u03a9"));  // RE2's bare script name, accepted as before
  EXPECT_EQ(compile_error("\\p{Script_Extensions=Greek}"),
            "the Unicode property \\p{Script_Extensions=Greek}: supported are general categories (\\p{L}, "
            "\\p{Letter}, \\p{gc=Lu}) and scripts (\\p{Script=Greek})");
  EXPECT_EQ(compile_error("\\pL"), "\\p without {property}");
  EXPECT_EQ(compile_error("[\\P{Cased_Letter}]"), "\\P{Cased_Letter} inside a character class");
  EXPECT_FALSE(compile_error("\\p{Script=Nowhere}").empty());  // RE2 knows no such script
}

}  // namespace
}  // namespace hotreload::schema_detail
