// The format registry (formats.hpp): a program registers its own format and every loader finds
// it by name and by extension; what registration refuses; the built-ins it starts with.
#include "hotreload/formats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/layers.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

// A toy format: `key=value` per line, every value a string; '=' missing is an error.
Result<Value> parse_lines(std::string_view text, std::string_view source_name, const ParseLimits&) {
  Value root{Object{}};
  root.origin = Origin{0, 1, 1};
  std::uint32_t line = 0;
  while (!text.empty()) {
    ++line;
    std::size_t end = text.find('\n');
    std::string_view row = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (row.empty()) continue;
    std::size_t equals = row.find('=');
    if (equals == std::string_view::npos) {
      return unexpected(Error{ErrorCode::parse, "no '='", SourceLocation{std::string(source_name), line, 1}, {}});
    }
    Value value{std::string(row.substr(equals + 1))};
    value.origin = Origin{0, line, static_cast<std::uint32_t>(equals + 2)};
    root.as_object().insert_or_assign(std::string(row.substr(0, equals)), std::move(value));
  }
  return root;
}

// Registered once per process: the registry is global and keeps what it is given.
Format lines_format() {
  static const Format format = [] {
    Result<Format> registered = register_format(
        FormatSpec{.name = "lines", .extensions = {"lines", "kv"}, .parser = parse_lines, .empty = EmptyText::empty_map});
    if (!registered) throw std::runtime_error(registered.error().to_string());
    return *registered;
  }();
  return format;
}

std::string registration_error(FormatSpec spec) {
  Result<Format> registered = register_format(std::move(spec));
  if (registered) return "registered " + std::string(to_string(*registered));
  EXPECT_EQ(registered.error().code, ErrorCode::usage);
  return registered.error().message;
}

TEST(Formats, BuiltInsAreRegisteredFirst) {
  std::vector<Format> formats = registered_formats();
  ASSERT_GE(formats.size(), 4u);
  EXPECT_EQ(formats[0], Format::yaml);
  EXPECT_EQ(formats[1], Format::json);
  EXPECT_EQ(formats[2], Format::toml);
  EXPECT_EQ(formats[3], Format::keyvalue);
  EXPECT_FALSE(Format::yaml == Format::json);
}

TEST(Formats, RegisteredFormatIsFoundByNameAndExtension) {
  const Format lines = lines_format();
  EXPECT_STREQ(to_string(lines), "lines");
  EXPECT_EQ(parse_format("lines"), lines);
  EXPECT_EQ(parse_format("LINES"), lines);
  EXPECT_EQ(parse_format("kv"), lines);
  EXPECT_EQ(format_from_path("/etc/app/settings.kv"), lines);
  EXPECT_EQ(format_from_path("app.lines"), lines);
  std::vector<Format> formats = registered_formats();
  EXPECT_NE(std::find(formats.begin(), formats.end(), lines), formats.end());
}

TEST(Formats, ParseUsesTheRegisteredParser) {
  Result<Document> doc = parse("host=db\nport=5432\n", lines_format(), "app.lines");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root.as_object().find("port")->as_string(), "5432");
  EXPECT_EQ(doc->location_of(doc->root.as_object().find("port")->origin).to_string(), "app.lines:2:6");
  EXPECT_EQ(doc->sources[0].format, lines_format());

  Result<Document> bad = parse("host=db\nport\n", lines_format(), "app.lines");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().to_string(), "app.lines:2:1: no '='");
}

// parse() still does what every format shares: size, UTF-8, emptiness by the format's rule.
TEST(Formats, SharedChecksApplyToARegisteredFormat) {
  EXPECT_EQ(parse("a=\xff\n", lines_format(), "x.lines").error().to_string(), "x.lines:1:3: invalid UTF-8 byte 0xFF");
  EXPECT_EQ(parse("\n\n", lines_format(), "x.lines").error().to_string(), "x.lines: file is empty");
  EXPECT_EQ(parse("a=1\n", lines_format(), "x.lines", {.limits = {.max_file_bytes = 2}}).error().code, ErrorCode::limit);
}

TEST(Formats, LoadLayersFindsARegisteredFormatByExtensionAndByName) {
  (void)lines_format();  // registered here too: ctest runs each test in a process of its own
  testing::TempDir dir;
  std::string defaults = dir.write("defaults.yaml", "host: localhost\nport: 80\n");
  std::string by_extension = dir.write("site.kv", "port=8080\n");
  std::string by_name = dir.write("override", "host=db\n");
  Result<Document, Errors> doc = load_layers({.files = {{.path = defaults},
                                                        {.path = by_extension},
                                                        {.path = by_name, .format = parse_format("lines")}}});
  ASSERT_TRUE(doc) << doc.error().front().to_string();
  EXPECT_EQ(doc->root.as_object().find("host")->as_string(), "db");
  EXPECT_EQ(doc->root.as_object().find("port")->as_string(), "8080");
  EXPECT_EQ(doc->location_of(doc->root.as_object().find("port")->origin).to_string(), by_extension + ":1:6");
}

TEST(Formats, ExceptionFromARegisteredParserBecomesAnInternalError) {
  static const Format throwing = *register_format(
      {.name = "throwing", .parser = [](std::string_view, std::string_view, const ParseLimits&) -> Result<Value> {
         throw std::runtime_error("parser bug");
       }});
  Result<Document> doc = parse("anything\n", throwing, "x.throwing");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::internal);
  EXPECT_EQ(doc.error().to_string(), "x.throwing: cannot parse: parser bug");
}

TEST(Formats, RegistrationRefusesATakenNameOrExtension) {
  lines_format();
  EXPECT_EQ(registration_error({.name = "yaml", .parser = parse_lines}),
            "\"yaml\" is already a name or extension of format yaml");
  EXPECT_EQ(registration_error({.name = "yml", .parser = parse_lines}),
            "\"yml\" is already a name or extension of format yaml");
  EXPECT_EQ(registration_error({.name = "ini", .extensions = {"toml"}, .parser = parse_lines}),
            "\"toml\" is already a name or extension of format toml");
  EXPECT_EQ(registration_error({.name = "ini", .extensions = {"kv"}, .parser = parse_lines}),
            "\"kv\" is already a name or extension of format lines");
  EXPECT_EQ(parse_format("ini"), std::nullopt);  // nothing half-registered
}

TEST(Formats, RegistrationRefusesMalformedNamesAndMissingParsers) {
  EXPECT_EQ(registration_error({.name = "", .parser = parse_lines}),
            "format name \"\" must be lower case letters, digits, '-' or '_'");
  EXPECT_EQ(registration_error({.name = "Ini", .parser = parse_lines}),
            "format name \"Ini\" must be lower case letters, digits, '-' or '_'");
  // ':' and '/' would make FORMAT:PATH layer arguments ambiguous.
  EXPECT_EQ(registration_error({.name = "a:b", .parser = parse_lines}),
            "format name \"a:b\" must be lower case letters, digits, '-' or '_'");
  EXPECT_EQ(registration_error({.name = "ini-lite", .extensions = {".ini"}, .parser = parse_lines}),
            "extension \".ini\" of format ini-lite must be lower case letters, digits, '-' or '_'");
  EXPECT_EQ(registration_error({.name = "ini-lite"}), "format ini-lite has no parser");
  EXPECT_EQ(parse_format("ini-lite"), std::nullopt);
}

}  // namespace
}  // namespace hotreload
