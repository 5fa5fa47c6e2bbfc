// YAML, JSON and TOML are Unicode: a byte that is not UTF-8 is refused when the text is parsed,
// at its own line and column, rather than passed on to break every JSON writer downstream.
#include <gtest/gtest.h>

#include <string>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

std::string error_of(std::string_view text, Format format, std::string_view name) {
  Result<Document> parsed = parse(text, format, name);
  return parsed ? "ok" : parsed.error().to_string();
}

TEST(InvalidUtf8, IsRefusedInYamlAtTheBadByte) {
  // yaml-cpp passes these bytes through as a string value.
  Result<Document> parsed = parse("a: ok\nb: \xff\xfe\n", Format::yaml, "c.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::parse);
  EXPECT_EQ(parsed.error().to_string(), "c.yaml:2:4: invalid UTF-8 byte 0xFF");
}

TEST(InvalidUtf8, IsRefusedInJsonAtTheBadByte) {
  EXPECT_EQ(error_of("{\n  \"a\": \"x\xc3\x28\"\n}\n", Format::json, "c.json"), "c.json:2:10: invalid UTF-8 byte 0xC3");
}

TEST(InvalidUtf8, IsRefusedInTomlAtTheBadByte) {
  EXPECT_EQ(error_of("a = 1\nb = \"\xe2\x82\"\n", Format::toml, "c.toml"), "c.toml:2:6: invalid UTF-8 byte 0xE2");
}

TEST(InvalidUtf8, IsRefusedInAKeyAndAComment) {
  EXPECT_EQ(error_of("k\xff: 1\n", Format::yaml, "c.yaml"), "c.yaml:1:2: invalid UTF-8 byte 0xFF");
  EXPECT_EQ(error_of("a: 1  # caf\xe9\n", Format::yaml, "c.yaml"), "c.yaml:1:12: invalid UTF-8 byte 0xE9");
}

TEST(InvalidUtf8, OverlongFormsSurrogatesAndCodePointsAboveTheRangeAreRefused) {
  EXPECT_EQ(error_of("a: \xc0\xaf\n", Format::yaml, "c.yaml"), "c.yaml:1:4: invalid UTF-8 byte 0xC0");
  EXPECT_EQ(error_of("a: \xed\xa0\x80\n", Format::yaml, "c.yaml"), "c.yaml:1:4: invalid UTF-8 byte 0xED");
  EXPECT_EQ(error_of("a: \xf4\x90\x80\x80\n", Format::yaml, "c.yaml"), "c.yaml:1:4: invalid UTF-8 byte 0xF4");
  EXPECT_EQ(error_of("a: x\xe2\x82", Format::yaml, "c.yaml"), "c.yaml:1:5: invalid UTF-8 byte 0xE2");  // cut short
}

TEST(InvalidUtf8, ValidMultibyteTextStillLoads) {
  Result<Document> parsed = parse("caf\xc3\xa9: \"\xe2\x82\xac \xf0\x9f\x99\x82\"\n", Format::yaml, "c.yaml");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(*parsed->root.find_dotted("caf\xc3\xa9"), Value("\xe2\x82\xac \xf0\x9f\x99\x82"));
  EXPECT_EQ(error_of("\xef\xbb\xbf{\"a\": \"\xc3\xa9\"}", Format::json, "c.json"), "ok");  // with a BOM
}

}  // namespace
}  // namespace hotreload
