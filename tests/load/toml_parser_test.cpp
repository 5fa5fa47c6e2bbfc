#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

Result<Document> parse_toml(std::string_view text, const ParseOptions& options = {}) {
  return parse(text, Format::toml, "c.toml", options);
}

// The whole error line, or "ok" so that a wrong success shows up in the failure message.
std::string error_of(std::string_view text, const ParseOptions& options = {}) {
  Result<Document> parsed = parse_toml(text, options);
  return parsed ? "ok" : parsed.error().to_string();
}

std::string position_of(const Document& doc, std::string_view dotted) {
  const Value* value = doc.root.find_dotted(dotted);
  return value ? doc.location_of(value->origin).to_string() : "missing " + std::string(dotted);
}

TEST(Toml, NestedValuesHavePositions) {
  Result<Document> doc = parse_toml(
      "title = \"demo\"\n"
      "[server]\n"
      "host = \"example.com\"\n"
      "ports = [80, { tls = true }]\n"
      "[[backends]]\n"
      "url = \"a\"\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(position_of(*doc, ""), "c.toml:1:1");
  EXPECT_EQ(position_of(*doc, "title"), "c.toml:1:9");
  EXPECT_EQ(position_of(*doc, "server"), "c.toml:2:1");
  EXPECT_EQ(position_of(*doc, "server.host"), "c.toml:3:8");
  EXPECT_EQ(position_of(*doc, "server.ports"), "c.toml:4:9");
  EXPECT_EQ(position_of(*doc, "server.ports[0]"), "c.toml:4:10");
  EXPECT_EQ(position_of(*doc, "server.ports[1].tls"), "c.toml:4:22");
  EXPECT_EQ(position_of(*doc, "backends[0].url"), "c.toml:6:7");
}

TEST(Toml, KeysKeepDocumentOrder) {
  Result<Document> doc = parse_toml("zeta = 1\nalpha = 2\n[mid]\nz = 1\na = 2\n");
  ASSERT_TRUE(doc);
  std::string keys;
  for (const auto& [key, value] : doc->root.as_object()) keys += key + " ";
  for (const auto& [key, value] : doc->root.find_dotted("mid")->as_object()) keys += key + " ";
  EXPECT_EQ(keys, "zeta alpha mid z a ");
}

TEST(Toml, ScalarsMapToValueKinds) {
  Result<Document> doc = parse_toml(
      "int = 42\nhex = 0xff\nfloat = 1.5\ninf = inf\nyes = true\ntext = 'literal'\n"
      "offset_dt = 1979-05-27T07:32:00Z\nlocal_dt = 1979-05-27T07:32:00\n"
      "date = 1979-05-27\ntime = 07:32:00\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  const Value& root = doc->root;
  EXPECT_EQ(root.find_dotted("int")->as_int(), 42);
  EXPECT_EQ(root.find_dotted("hex")->as_int(), 255);
  EXPECT_TRUE(root.find_dotted("float")->is_double());
  EXPECT_DOUBLE_EQ(root.find_dotted("float")->as_double(), 1.5);
  EXPECT_TRUE(std::isinf(root.find_dotted("inf")->as_double()));
  EXPECT_EQ(root.find_dotted("yes")->as_bool(), true);
  EXPECT_EQ(root.find_dotted("text")->as_string(), "literal");
  EXPECT_EQ(root.find_dotted("offset_dt")->as_string(), "1979-05-27T07:32:00Z");
  EXPECT_EQ(root.find_dotted("local_dt")->as_string(), "1979-05-27T07:32:00");
  EXPECT_EQ(root.find_dotted("date")->as_string(), "1979-05-27");
  EXPECT_EQ(root.find_dotted("time")->as_string(), "07:32:00");
}

TEST(Toml, ArrayOfTablesIsAnArrayOfMaps) {
  Result<Document> doc = parse_toml("[[servers]]\nname = \"a\"\n[[servers]]\nname = \"b\"\n");
  ASSERT_TRUE(doc);
  ASSERT_TRUE(doc->root.find_dotted("servers")->is_array());
  EXPECT_EQ(doc->root.find_dotted("servers[1].name")->as_string(), "b");
}

TEST(Toml, SyntaxErrorHasPositionAndLibraryMessage) {
  Result<Document> doc = parse_toml("a = 1\nb = \n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().to_string(),
            "c.toml:2:5: invalid TOML: Error while parsing key-value pair: expected value, saw '\\n'");
}

// An unclosed bracket or quote is reported where it opened, which is what the user must find;
// toml++ reports where it gave up, often the next key or the end of the file.
TEST(Toml, UnclosedArrayIsReportedWhereItOpens) {
  EXPECT_EQ(error_of("a = [1,\nb = 2\n"), "c.toml:1:5: invalid TOML: '[' is not closed (line 2, column 1: Error while "
                                          "parsing value: could not determine value type)");
  EXPECT_EQ(error_of("a = [[1, 2], [3\n"), "c.toml:1:14: invalid TOML: '[' is not closed (line 1, column 17: Error "
                                           "while parsing array: encountered end-of-file)");
}

TEST(Toml, UnclosedStringIsReportedWhereItOpens) {
  EXPECT_EQ(error_of("a = \"abc\nb = 1\n"),
            "c.toml:1:5: invalid TOML: '\"' is not closed (line 1, column 9: Error while parsing string: unescaped "
            "control characters other than TAB (U+0009) are explicitly prohibited)");
  EXPECT_EQ(error_of("a = '''abc\nb = 1\n"), "c.toml:1:5: invalid TOML: ''' is not closed (line 2, column 7: Error "
                                             "while parsing literal string: encountered end-of-file)");
}

TEST(Toml, ErrorInsideAClosedConstructKeepsItsOwnPosition) {
  EXPECT_EQ(error_of("a = [\n  1,\n  x,\n]\n"),
            "c.toml:3:3: invalid TOML: Error while parsing value: could not determine value type");
  EXPECT_EQ(error_of("a = \"\\q\"\n"),
            "c.toml:1:7: invalid TOML: Error while parsing string: unknown escape sequence '\\q'");
  EXPECT_EQ(error_of("# [ not a bracket\na = 'also [ not'\nb = \n"),
            "c.toml:3:5: invalid TOML: Error while parsing key-value pair: expected value, saw '\\n'");
}

TEST(Toml, DuplicateKeyIsRefusedByTheParser) {
  Result<Document> doc = parse_toml("name = 1\nport = 2\nname = 3\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().to_string(),
            "c.toml:3:8: invalid TOML: Error while parsing key-value pair: cannot redefine existing integer 'name'");
}

TEST(Toml, NestingUpToTheLimitLoads) {
  // The root table is the first level.
  EXPECT_EQ(error_of("a = " + std::string(63, '[') + std::string(63, ']') + "\n"), "ok");
}

TEST(Toml, NestedArraysDeeperThanTheLimitAreRefused) {
  Result<Document> doc = parse_toml("a = " + std::string(64, '[') + std::string(64, ']') + "\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::limit);
  EXPECT_EQ(doc.error().location.to_string(), "c.toml:1:68");
  EXPECT_EQ(doc.error().message, "nesting deeper than 64 levels");
}

TEST(Toml, DottedKeysDeeperThanTheLimitAreRefused) {
  ParseOptions options;
  options.limits.max_depth = 3;
  EXPECT_EQ(error_of("a.b.c = 1\n", options), "ok");
  EXPECT_EQ(error_of("x = 1\n[a.b.c]\nd = 1\n", options), "c.toml:2:1: a.b.c: nesting deeper than 3 levels");
}

TEST(Toml, CommentsOnlyIsEmpty) {
  EXPECT_EQ(error_of("# just a comment\n\n"), "c.toml: file is empty");
  ParseOptions options;
  options.allow_empty = true;
  Result<Document> doc = parse_toml("# just a comment\n", options);
  ASSERT_TRUE(doc);
  EXPECT_TRUE(doc->root.as_object().empty());
}

TEST(Toml, RecordsItsFormatInTheSource) {
  Result<Document> doc = parse_toml("a = 1\n");
  ASSERT_TRUE(doc);
  ASSERT_EQ(doc->sources.size(), 1u);
  EXPECT_EQ(doc->sources[0].format, Format::toml);
}

}  // namespace
}  // namespace hotreload
