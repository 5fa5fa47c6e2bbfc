// Inputs the fuzzer (fuzz/schema_fuzzer.cpp) found, kept as tests.
#include <gtest/gtest.h>

#include <string>

#include "hotreload/document.hpp"
#include "hotreload/schema.hpp"

namespace hotreload {
namespace {

Errors validate_json(std::string_view schema_text, std::string_view instance_text) {
  Result<Document> schema_document = parse(schema_text, Format::json, "schema.json", {.require_object = false});
  EXPECT_TRUE(schema_document) << schema_document.error().to_string();
  Result<Schema, Errors> schema = Schema::compile(*schema_document);
  EXPECT_TRUE(schema) << to_string(schema.error());
  Result<Document> instance = parse(instance_text, Format::json, "instance.json", {.require_object = false});
  EXPECT_TRUE(instance) << instance.error().to_string();
  return schema ? schema->validate(*instance) : Errors{};
}

// A float count past size_t was cast to size_t, which is undefined (UBSan stopped here).
TEST(Schema, HugeFloatCountsMeanNoUpperLimit) {
  EXPECT_TRUE(validate_json(R"({"maxLength": 1.11111e44, "maxItems": 1e300, "maxProperties": 2e19})",
                            R"("any string")")
                  .empty());
  EXPECT_TRUE(validate_json(R"({"maxItems": 1e300})", "[1, 2, 3]").empty());
}

TEST(Schema, HugeFloatMinimumCountsRefuseEverything) {
  Errors errors = validate_json(R"({"minLength": 1e30})", R"("short")");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, ErrorCode::validation);
}

// std::regex backtracked: nested quantifiers took exponential time in the length of the value
// (33 characters took over 10 s). Patterns now run on RE2, in linear time.
TEST(Schema, NestedQuantifierPatternAnswersWithoutBacktracking) {
  const std::string value = "\"" + std::string(40, 'a') + "!\"";
  Errors errors = validate_json(R"({"pattern": "^(a+)+$"})", value);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("does not match the pattern"), std::string::npos) << errors[0].message;
  EXPECT_TRUE(validate_json(R"({"pattern": "^(a+)+$"})", "\"" + std::string(40, 'a') + "\"").empty());
}

TEST(Schema, NestedQuantifierPatternPropertiesAnswerWithoutBacktracking) {
  const std::string key = std::string(40, 'f') + "x";
  Errors errors = validate_json(R"({"patternProperties": {"^(f+)+$": {}}, "additionalProperties": false})",
                                "{\"" + key + "\": 1}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, key);
}

// The fuzzer's ".*+": std::regex accepted it (and backtracked); ECMA-262 has nothing to repeat.
TEST(Schema, DoubleQuantifierIsAnInvalidPattern) {
  Result<Document> schema_document = parse(R"({"patternProperties": {"f.*+o": {}}})", Format::json, "schema.json");
  ASSERT_TRUE(schema_document);
  Result<Schema, Errors> schema = Schema::compile(*schema_document);
  ASSERT_FALSE(schema);
  EXPECT_NE(schema.error()[0].message.find("is not a valid regular expression"), std::string::npos);
}

// A backreference is beyond RE2; such a pattern still works, on std::regex.
TEST(Schema, BackreferencePatternStillValidates) {
  EXPECT_TRUE(validate_json(R"({"pattern": "^(ab)\\1$"})", R"("abab")").empty());
  EXPECT_EQ(validate_json(R"({"pattern": "^(ab)\\1$"})", R"("abac")").size(), 1u);
}

// A backreference number no group has went on to std::regex, whose parser overflowed a long on
// "\\8888...8" (UBSan stopped here). Such a number is now an invalid pattern, as with ECMA-262's
// u flag; a backreference to a group that exists still works.
TEST(Schema, BackreferenceToAGroupThatDoesNotExistIsAnInvalidPattern) {
  for (const std::string& pattern :
       {std::string("^(a)\\\\2$"), "___\\\\" + std::string(80, '8') + "x*$", std::string("(?:a)\\\\1")}) {
    Result<Document> schema_document = parse(R"({"pattern": ")" + pattern + R"("})", Format::json, "schema.json");
    ASSERT_TRUE(schema_document) << pattern;
    Result<Schema, Errors> schema = Schema::compile(*schema_document);
    ASSERT_FALSE(schema) << pattern;
    EXPECT_NE(schema.error()[0].message.find("names a group the pattern does not have"), std::string::npos)
        << schema.error()[0].message;
  }
  EXPECT_TRUE(validate_json(R"({"pattern": "^(a)(b)\\2$"})", R"("abb")").empty());
}

// The same overflow through a repeat count: "(?=a)x{3333...}" went to std::regex (lookahead).
// Counts above RE2's 1000 are refused on both paths; a brace that starts no quantifier is a
// literal, as before.
TEST(Schema, RepeatCountAboveTheLimitIsAnInvalidPattern) {
  for (const std::string& pattern : {"(?=a)x{" + std::string(40, '3') + "}", std::string("a{2,1001}"),
                                     std::string("(?!b)a{5,99999}")}) {
    Result<Document> schema_document = parse(R"({"pattern": ")" + pattern + R"("})", Format::json, "schema.json");
    ASSERT_TRUE(schema_document) << pattern;
    Result<Schema, Errors> schema = Schema::compile(*schema_document);
    ASSERT_FALSE(schema) << pattern;
    EXPECT_NE(schema.error()[0].message.find("a repeat count above 1000"), std::string::npos)
        << schema.error()[0].message;
  }
  EXPECT_TRUE(validate_json(R"({"pattern": "^a{2,1000}$"})", R"("aaa")").empty());
  EXPECT_TRUE(validate_json(R"({"pattern": "^x{99999$"})", R"("x{99999")").empty());
}

}  // namespace
}  // namespace hotreload
