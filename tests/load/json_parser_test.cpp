#include <gtest/gtest.h>

#include <string>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

Result<Document> parse_json(std::string_view text, const ParseOptions& options = {}) {
  return parse(text, Format::json, "c.json", options);
}

// The whole error line, or "ok" so that a wrong success shows up in the failure message.
std::string error_of(std::string_view text, const ParseOptions& options = {}) {
  Result<Document> parsed = parse_json(text, options);
  return parsed ? "ok" : parsed.error().to_string();
}

std::string position_of(const Document& doc, std::string_view dotted) {
  const Value* value = doc.root.find_dotted(dotted);
  return value ? doc.location_of(value->origin).to_string() : "missing " + std::string(dotted);
}

ParseOptions any_value() {
  ParseOptions options;
  options.require_object = false;
  return options;
}

TEST(Json, NestedValuesHavePositions) {
  Result<Document> doc = parse_json(
      "{\n"
      "  \"server\": {\n"
      "    \"host\": \"example.com\",\n"
      "    \"ports\": [80,\n"
      "              {\"tls\": true}]\n"
      "  }\n"
      "}\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(position_of(*doc, ""), "c.json:1:1");
  EXPECT_EQ(position_of(*doc, "server"), "c.json:2:13");
  EXPECT_EQ(position_of(*doc, "server.host"), "c.json:3:13");
  EXPECT_EQ(position_of(*doc, "server.ports"), "c.json:4:14");
  EXPECT_EQ(position_of(*doc, "server.ports[0]"), "c.json:4:15");
  EXPECT_EQ(position_of(*doc, "server.ports[1].tls"), "c.json:5:23");
}

TEST(Json, BracketsAndEscapesInsideStringsDoNotShiftPositions) {
  Result<Document> doc = parse_json(R"({"a": "[{\"}]", "b\"]": 2, "c": 3})");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root.find_dotted("a")->as_string(), "[{\"}]");
  EXPECT_EQ(doc->location_of(doc->root.as_object().find("b\"]")->origin).to_string(), "c.json:1:25");
  EXPECT_EQ(position_of(*doc, "c"), "c.json:1:33");
}

TEST(Json, ByteOrderMarkIsSkipped) {
  Result<Document> doc = parse_json("\xEF\xBB\xBF{\"a\": 1}");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(position_of(*doc, "a"), "c.json:1:7");
}

TEST(Json, KeysKeepDocumentOrder) {
  Result<Document> doc = parse_json(R"({"zeta": 1, "alpha": 2, "mid": 3})");
  ASSERT_TRUE(doc);
  std::string keys;
  for (const auto& [key, value] : doc->root.as_object()) keys += key + " ";
  EXPECT_EQ(keys, "zeta alpha mid ");
}

TEST(Json, ScalarsMapToValueKinds) {
  Result<Document> doc = parse_json(
      R"({"int": 42, "neg": -7, "big": 18446744073709551615, "float": 1.5, "exp": 1e3,)"
      R"( "whole_float": 2.0, "yes": true, "no": false, "nothing": null, "text": "caf\u00e9"})");
  ASSERT_TRUE(doc) << doc.error().to_string();
  const Value& root = doc->root;
  EXPECT_EQ(root.find_dotted("int")->as_int(), 42);
  EXPECT_EQ(root.find_dotted("neg")->as_int(), -7);
  EXPECT_TRUE(root.find_dotted("big")->is_double());  // beyond int64
  EXPECT_DOUBLE_EQ(root.find_dotted("big")->as_double(), 18446744073709551615.0);
  EXPECT_TRUE(root.find_dotted("float")->is_double());
  EXPECT_DOUBLE_EQ(root.find_dotted("exp")->as_double(), 1000.0);
  EXPECT_TRUE(root.find_dotted("whole_float")->is_double());
  EXPECT_EQ(root.find_dotted("yes")->as_bool(), true);
  EXPECT_EQ(root.find_dotted("no")->as_bool(), false);
  EXPECT_TRUE(root.find_dotted("nothing")->is_null());
  EXPECT_EQ(root.find_dotted("text")->as_string(), "caf\xC3\xA9");
}

TEST(Json, Int64RangeStaysInteger) {
  Result<Document> doc = parse_json(R"({"max": 9223372036854775807, "min": -9223372036854775808})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->root.find_dotted("max")->as_int(), INT64_MAX);
  EXPECT_EQ(doc->root.find_dotted("min")->as_int(), INT64_MIN);
}

TEST(Json, SyntaxErrorHasPositionAndLibraryMessage) {
  Result<Document> doc = parse_json("{\n  \"a\": 1,\n}\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().to_string(),
            "c.json:3:1: invalid JSON: syntax error while parsing object key - unexpected '}'; "
            "expected string literal");
  EXPECT_EQ(error_of("{\"a\": 1} x"),
            "c.json:1:10: invalid JSON: syntax error while parsing value - invalid literal; last read: '1} x'; "
            "expected end of input");
  EXPECT_EQ(error_of("[1 2]"), "c.json:1:4: invalid JSON: syntax error while parsing array - unexpected number "
                                "literal; expected ']'");
}

// An unclosed bracket, brace or quote is reported where it opened, which is what the user must
// find; nlohmann reports where it gave up, often the end of the file.
TEST(Json, UnclosedArrayIsReportedWhereItOpens) {
  EXPECT_EQ(error_of("[1,\n 2"), "c.json:1:1: invalid JSON: '[' is not closed (line 2, column 3: syntax error while "
                                 "parsing array - unexpected end of input; expected ']')");
  EXPECT_EQ(error_of("{\"a\": [1, 2\n, \"b\": 3}"),
            "c.json:1:7: invalid JSON: '[' is not closed (line 2, column 6: syntax error while parsing array - "
            "unexpected ':'; expected ']')");
}

TEST(Json, UnclosedObjectIsReportedWhereItOpens) {
  EXPECT_EQ(error_of("{\"a\": {\"b\": 1\n"), "c.json:1:7: invalid JSON: '{' is not closed (line 2, column 1: "
                                               "syntax error while parsing object - unexpected end of input; "
                                               "expected '}')");
}

TEST(Json, UnclosedStringIsReportedWhereItOpens) {
  EXPECT_EQ(error_of("{\"a\": \"abc"), "c.json:1:7: invalid JSON: '\"' is not closed (line 1, column 11: syntax "
                                       "error while parsing value - invalid string: missing closing quote; last "
                                       "read: '\"abc')");
  EXPECT_EQ(error_of("{\"a\": 1,\n \"b\": \"abc\n}"),
            "c.json:2:7: invalid JSON: '\"' is not closed (line 2, column 11: syntax error while parsing value - "
            "invalid string: control character U+000A (LF) must be escaped to \\u000A or \\n; last read: "
            "'\"abc<U+000A>')");
}

TEST(Json, NumberTooLargeForADoubleIsASyntaxError) {
  // nlohmann notices the overflow at the number's last digit.
  EXPECT_EQ(error_of(R"({"a": 1e400})"), "c.json:1:11: invalid JSON: number overflow parsing '1e400'");
}

TEST(Json, CommentsAreNotJson) {
  Result<Document> doc = parse_json("{\"a\": 1 // no\n}");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
}

TEST(Json, DuplicateKeyReportsBothPositions) {
  Result<Document> doc = parse_json(
      "{\n"
      "  \"server\": {\n"
      "    \"name\": \"a\",\n"
      "    \"port\": 80,\n"
      "    \"name\": \"b\"\n"
      "  }\n"
      "}\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().path, "server.name");
  EXPECT_EQ(doc.error().to_string(), "c.json:5:5: server.name: duplicate key \"name\" (first at line 3)");
}

TEST(Json, DuplicateKeyInsideAnArrayNamesTheIndex) {
  EXPECT_EQ(error_of("{\"items\": [{\"id\": 1},\n {\"id\": 2, \"id\": 3}]}"),
            "c.json:2:12: items[1].id: duplicate key \"id\" (first at line 2)");
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(Json, NestingUpToTheLimitLoads) { EXPECT_EQ(error_of(nested_arrays(64), any_value()), "ok"); }

TEST(Json, NestingDeeperThanTheLimitIsRefusedAtTheFirstTooDeepValue) {
  Result<Document> doc = parse_json("{\"a\": " + nested_arrays(64) + "}");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::limit);
  std::string path = "a";
  for (int i = 0; i < 63; ++i) path += "[0]";
  EXPECT_EQ(doc.error().to_string(), "c.json:1:70: " + path + ": nesting deeper than 64 levels");
}

TEST(Json, HugeUnclosedNestingIsRefusedByDepthNotSyntax) {
  std::string text(16u << 20, '[');
  Result<Document> doc = parse_json(text, any_value());
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::limit);
  EXPECT_EQ(doc.error().location.to_string(), "c.json:1:65");
}

TEST(Json, DepthLimitIsConfigurable) {
  ParseOptions options;
  options.limits.max_depth = 2;
  EXPECT_EQ(error_of(R"({"a": {"b": 1}})", options), "ok");
  EXPECT_EQ(error_of(R"({"a": {"b": [1]}})", options), "c.json:1:13: a.b: nesting deeper than 2 levels");
}

TEST(Json, AnyValueAtTheTopWhenAMapIsNotRequired) {
  Result<Document> array = parse_json("[1, \"two\"]", any_value());
  ASSERT_TRUE(array);
  EXPECT_EQ(array->root.as_array()[1].as_string(), "two");
  Result<Document> number = parse_json(" 3 ", any_value());
  ASSERT_TRUE(number);
  EXPECT_EQ(number->root.as_int(), 3);
  EXPECT_EQ(number->root.origin, (Origin{0, 1, 2}));
  Result<Document> null = parse_json("null", any_value());
  ASSERT_TRUE(null);
  EXPECT_TRUE(null->root.is_null());
}

TEST(Json, TopLevelMustBeAMap) {
  EXPECT_EQ(error_of("\n  [1, 2]"), "c.json:2:3: top level must be a map, got array");
  EXPECT_EQ(error_of("\"text\""), "c.json:1:1: top level must be a map, got string");
}

TEST(Json, BlankTextIsEmpty) {
  Result<Document> doc = parse_json(" \n\t\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().to_string(), "c.json: file is empty");
  ParseOptions options;
  options.allow_empty = true;
  Result<Document> allowed = parse_json("", options);
  ASSERT_TRUE(allowed);
  EXPECT_TRUE(allowed->root.is_object());
}

TEST(Json, EmptyObjectIsNotAnEmptyFile) {
  Result<Document> doc = parse_json("{}");
  ASSERT_TRUE(doc);
  EXPECT_TRUE(doc->root.as_object().empty());
}

}  // namespace
}  // namespace hotreload
