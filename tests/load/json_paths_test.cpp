// JSON's two paths (src/load/parsers.hpp): the fast one (simdjson) must accept exactly what the
// reference (nlohmann) accepts, with the same tree and positions, or give up so that the
// reference says what is wrong. These are the edges where two JSON parsers most often differ;
// fuzz/json_paths_fuzzer.cpp searches for more.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "hotreload/document.hpp"
#include "load/parsers.hpp"
#include "support/render_tree.hpp"

namespace hotreload {
namespace {

using test::render;

const ParseLimits kLimits{};

std::string reference_of(std::string_view text) {
  Result<Value> parsed = detail::parse_json_reference(text, "c.json", kLimits);
  return parsed ? render(*parsed) : "error " + parsed.error().to_string();
}

std::string fast_of(std::string_view text) {
  std::optional<Value> parsed = detail::parse_json_fast(text, kLimits);
  return parsed ? render(*parsed) : "gave up";
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonPaths, ValidTextsGiveTheReferenceTree) {
  const std::vector<std::string> texts = {
      "{}", "[]", " 3 ", "\"s\"", "true", "false", "null", "-0", "-0.0", "0", "1E+2", "0.1",
      "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551615",
      "18446744073709551616", "-9223372036854775809", "123456789012345678901234567890", "4.9e-324",
      "2.2250738585072011e-308", "1.7976931348623157e308", "[1.5, -2, 3e2, 0.30000000000000004]",
      // simdjson 3.0.1 reads this one as 5.59e303; the fast path takes the value from from_chars.
      "0.79769313486231348623157e308", "[0.000000000000000000000000000000000000001e39, 123456789.123456789e-300]",
      "[1e-320, 2.4703282292062328e-324, 100000000000000000000000000000000000000000000000000e-50]",
      // simdjson 3.0.1 reads these as int64 values; they are doubles.
      "-18446744073709551616", "[-18446744073709551616, -99999999999999999999, 99999999999999999999]",
      // simdjson 3.0.1 refuses an integer document with more than a few blanks after it.
      "1" + std::string(60, '\t'), "-12\r\n" + std::string(40, ' '), "[1" + std::string(60, ' ') + "]",
      R"("\u0000")", R"("\ud83d\ude00")", R"("caf\u00e9 \"q\" \\ \/ \b\f\n\r\t")", "\"\xC3\xA9\xF0\x9F\x98\x80\"",
      R"({"a": {"b": [1, 2, {"c": null}]}, "d": "e"})", "{\r\n  \"a\": 1,\r\n  \"b\": [\r\n    true\r\n  ]\r\n}\r\n",
      "\xEF\xBB\xBF{\"a\": 1}", "\xEF\xBB\xBF\n [2]", R"({"": 1})", R"({"a\nb": 1, "a\\nb": 2})",
      R"({"a": 1, "\u0062": 2})", "\t\n {\"a\"\t:\n1 }\n\n", nested(64),
  };
  for (const std::string& text : texts) {
    std::string reference = reference_of(text);
    ASSERT_FALSE(reference.starts_with("error")) << text << "\n" << reference;
    EXPECT_EQ(fast_of(text), reference) << text;
  }
}

TEST(JsonPaths, WhatTheReferenceRefusesTheFastPathGivesUpOn) {
  const std::vector<std::string> texts = {
      R"({"a": 1,})", "[1,]", "[1 2]", R"({"a" 1})", R"({"a":})", "{,}", "[,1]", R"({"a": 1}})", "[1]]", "[[1]",
      R"({"a": 1} x)", "1 2", "[] []", "tru", "truex", "nul", "nulll", "nan", "NaN", "Infinity", "-Infinity", "-",
      "01", "-01", "1.", ".5", "1e", "1e+", "+1", "0x10", "1e400", "-1e400", "[1e309]", "\"\x01\"", "\"a\tb\"",
      "\"a\nb\"", "\"\x7F\"" /* DEL needs no escape: valid */, R"("\u12")", R"("\uZZZZ")", R"("\ud800")",
      R"("\udc00")", R"("\ud800\u0041")", R"("\ud800\\")", R"("\q")", "'a'", "{\"a\": 1 // c\n}", "/* c */ {}",
      R"({"a": 1, "a": 2})", R"({"a": 1, "\u0061": 2})", nested(65), "\xEF\xBB\xBF\xEF\xBB\xBF{}", "[", "{", "]",
      "}", "\"abc", R"({"a": "b")", "\xC2\xA0{}", "\f{}", "{}\f", std::string("[1,\0]", 5),
      std::string("\"a\0b\"", 5), "{\"a\":1,\"b\"}", "[\"a\":1]", "{1: 2}", "{null: 2}", "[-]", "[--1]", "[1-2]",
      "[1.2.3]", "[1e2e3]", "[00]", "[1_000]", "[TRUE]", "[True]", "[undefined]",
      // simdjson 3.0.1 takes the first of these for false; the fast path checks the token itself.
      "false0", "true1", "null0", "false-", "truee", "nullnull", "1true", "-0x", "2-", "[false0]", "{\"a\": true1}",
  };
  for (const std::string& text : texts) {
    std::string reference = reference_of(text);
    if (reference.starts_with("error")) {
      EXPECT_EQ(fast_of(text), "gave up") << text << "\n" << reference;
    } else {
      EXPECT_EQ(fast_of(text), reference) << text;  // the one valid text above
    }
  }
}

// strtod, under nlohmann, reads a number too small for a double as 0; from_chars calls it out of
// range, so the fast path leaves it to the reference.
TEST(JsonPaths, UnderflowIsLeftToTheReference) {
  EXPECT_EQ(fast_of("[1e-400]"), "gave up");
  EXPECT_EQ(reference_of("[1e-400]"), "[ double 0@1:2]@1:1");
  Result<Document> parsed = parse("{\"a\": 1e-400}", Format::json, "c.json");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed->root.find_dotted("a")->as_double(), 0.0);
}

// nlohmann reads a NUL byte as the end of the input, so it accepts "{}\0" and ignores what
// follows; the fast path gives up on it, which leaves the reference's answer as it was.
TEST(JsonPaths, TextAfterANulByteIsLeftToTheReference) {
  const std::string text = std::string("{\"a\": 1}") + '\0' + "{\"b\": 2}";
  EXPECT_EQ(fast_of(text), "gave up");
  EXPECT_EQ(reference_of(text), "{ a:integer 1@1:7}@1:1");
}

TEST(JsonPaths, GivingUpKeepsTheReferenceError) {
  // Each of these the fast path gives up on; parse() reports the reference's error.
  Result<Document> duplicate = parse("{\"a\": 1,\n \"a\": 2}", Format::json, "c.json");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().to_string(), "c.json:2:2: a: duplicate key \"a\" (first at line 1)");
  Result<Document> trailing = parse("{\"a\": 1} x", Format::json, "c.json");
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().to_string(),
            "c.json:1:10: invalid JSON: syntax error while parsing value - invalid literal; last read: '1} x'; "
            "expected end of input");
}

TEST(JsonPaths, DepthLimitIsTheSameOnBothPaths) {
  ParseLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(detail::parse_json_fast(nested(3), limits));
  EXPECT_FALSE(detail::parse_json_fast(nested(4), limits));
  EXPECT_FALSE(detail::parse_json_reference(nested(4), "c.json", limits));
  // Past the fast path's own recursion bound the reference, which keeps its own stack, reads it.
  limits.max_depth = 2000;
  EXPECT_FALSE(detail::parse_json_fast(nested(1500), limits));
  Result<Value> deep = detail::parse_json_reference(nested(1500), "c.json", limits);
  ASSERT_TRUE(deep);
  Result<Document> parsed = parse(nested(1500), Format::json, "c.json",
                                  ParseOptions{.limits = limits, .require_object = false});
  ASSERT_TRUE(parsed) << parsed.error().to_string();
}

TEST(JsonPaths, ParsingTwiceOnOneThreadGivesTheSameTree) {
  const std::string text = R"({"a": [1, "two", {"three": 3.5}], "b": null})";
  EXPECT_EQ(fast_of(text), fast_of(text));
  EXPECT_EQ(fast_of(text), reference_of(text));
}

}  // namespace
}  // namespace hotreload
