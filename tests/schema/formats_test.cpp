// "format" assertions: each asserted format accepts and refuses what its RFC says, formats can be
// turned off, and unknown formats stay annotations.
#include <gtest/gtest.h>

#include <string>

#include "hotreload/document.hpp"
#include "hotreload/schema.hpp"

namespace hotreload {
namespace {

Schema format_schema(const std::string& format, const SchemaOptions& options = {}) {
  Result<Document> document = parse(R"({"format": ")" + format + R"("})", Format::json, "schema.json");
  EXPECT_TRUE(document) << document.error().to_string();
  Result<Schema, Errors> schema = Schema::compile(*document, options);
  EXPECT_TRUE(schema) << to_string(schema.error());
  return std::move(schema).value();
}

bool accepts(const std::string& format, const std::string& text) { return format_schema(format).is_valid(Value(text)); }

TEST(SchemaFormat, Duration) {
  for (const char* good : {"500ms", "5s", "1m30s", "1h", "PT5S", "P1DT2H", "1.5s"}) EXPECT_TRUE(accepts("duration", good)) << good;
  for (const char* bad : {"5", "", "five seconds", "1x", "P", "PT"}) EXPECT_FALSE(accepts("duration", bad)) << bad;
}

TEST(SchemaFormat, DateTime) {
  for (const char* good : {"2026-12-01T15:04:05Z", "2024-02-29T00:00:00.5+01:00", "1998-12-31T23:59:60Z",
                           "1998-12-31T15:59:60-08:00", "2026-12-01t15:04:05z"}) {
    EXPECT_TRUE(accepts("date-time", good)) << good;
  }
  for (const char* bad : {"2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T15:04:05",
                          "2026-12-01 15:04:05Z", "2026-12-01T15:04:60Z", "2026-12-01T15:04:05+24:00", "2026-12-01T15:04:05.Z"}) {
    EXPECT_FALSE(accepts("date-time", bad)) << bad;
  }
}

TEST(SchemaFormat, Hostname) {
  for (const char* good : {"example.com", "a", "xn--4gbwdl.xn--wgbh1c", "my-host.example.com."}) EXPECT_TRUE(accepts("hostname", good)) << good;
  for (const char* bad : {"", "-a.com", "a-.com", "a..com", "under_score.com"}) EXPECT_FALSE(accepts("hostname", bad)) << bad;
  EXPECT_TRUE(accepts("hostname", std::string(63, 'a') + ".com"));
  EXPECT_FALSE(accepts("hostname", std::string(64, 'a') + ".com"));  // a label has at most 63 characters
}

TEST(SchemaFormat, Ipv4AndIpv6) {
  EXPECT_TRUE(accepts("ipv4", "192.168.0.1"));
  for (const char* bad : {"256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "0x7f000001", " 1.2.3.4"}) EXPECT_FALSE(accepts("ipv4", bad)) << bad;
  EXPECT_FALSE(accepts("ipv4", std::string("1.2.3.4\0junk", 12)));
  for (const char* good : {"::1", "2001:db8::7", "::ffff:192.168.0.1", "1:2:3:4:5:6:7:8"}) EXPECT_TRUE(accepts("ipv6", good)) << good;
  for (const char* bad : {"12345::", "1:2:3:4:5:6:7:8:9", "::laptop", "fe80::1%eth0", ":::"}) EXPECT_FALSE(accepts("ipv6", bad)) << bad;
}

TEST(SchemaFormat, Email) {
  for (const char* good : {"joe.bloggs@example.com", "a+tag@mail.example.org", "\"quoted name\"@example.com", "x@[192.168.0.1]",
                           "x@[IPv6:::1]"}) {
    EXPECT_TRUE(accepts("email", good)) << good;
  }
  for (const char* bad : {"2962", "@example.com", "joe@", ".joe@example.com", "jo..e@example.com", "joe@-example.com", "a b@c.com"}) {
    EXPECT_FALSE(accepts("email", bad)) << bad;
  }
}

TEST(SchemaFormat, Uri) {
  for (const char* good : {"https://example.com/a?b=c#d", "urn:isbn:0451450523", "mailto:a@b.c", "ldap://[2001:db8::7]/c=GB",
                           "http://user:pw@host:8080/", "file:///etc/hosts"}) {
    EXPECT_TRUE(accepts("uri", good)) << good;
  }
  for (const char* bad : {"/relative", "//host/x", "abc", "http://exa mple.com", "1http://x", "http://x/%zz",
                          "http://[not-v6]/", "http://host:port/"}) {
    EXPECT_FALSE(accepts("uri", bad)) << bad;
  }
}

TEST(SchemaFormat, RegexUsesThePatternRules) {
  EXPECT_TRUE(accepts("regex", "^[a-z]+(\\d{2})?$"));
  EXPECT_TRUE(accepts("regex", "(a)\\1"));  // valid ECMA-262, checked by the std::regex fallback
  EXPECT_FALSE(accepts("regex", "^(abc]"));
  EXPECT_FALSE(accepts("regex", "\\a"));  // RE2 knows \a, ECMA-262 does not
}

TEST(SchemaFormat, MessageNamesTheFormat) {
  Result<Document> config = parse("timeout: soon\n", Format::yaml, "config.yaml");
  ASSERT_TRUE(config);
  Result<Document> document = parse("properties:\n  timeout: {format: duration}\n", Format::yaml, "schema.yaml");
  ASSERT_TRUE(document);
  Result<Schema, Errors> schema = Schema::compile(*document);
  ASSERT_TRUE(schema);
  Errors errors = schema->validate(*config);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "timeout");
  EXPECT_EQ(errors[0].location, (SourceLocation{"config.yaml", 1, 10}));
  EXPECT_EQ(errors[0].message.rfind("\"soon\" is not a valid duration", 0), 0u) << errors[0].message;
}

TEST(SchemaFormat, AssertFormatsFalseMakesFormatsAnnotations) {
  EXPECT_TRUE(format_schema("date-time", SchemaOptions{.assert_formats = false}).is_valid(Value("yesterday")));
  EXPECT_FALSE(format_schema("date-time").is_valid(Value("yesterday")));
}

TEST(SchemaFormat, UnknownFormatsAndNonStringsPass) {
  EXPECT_TRUE(accepts("color", "not a colour at all"));
  EXPECT_TRUE(format_schema("ipv4").is_valid(Value(42)));
}

TEST(SchemaFormat, FormatMustBeAString) {
  Result<Document> document = parse(R"({"format": 7})", Format::json, "schema.json");
  ASSERT_TRUE(document);
  Result<Schema, Errors> schema = Schema::compile(*document);
  ASSERT_FALSE(schema);
  EXPECT_EQ(schema.error()[0].path, "format");
}

// 2020-12 Validation 7.2.1: without the format-assertion vocabulary "format" only annotates,
// unless the user asks for assertion.
TEST(SchemaFormat, IsAnAnnotationIn2020UnlessAssertionIsAskedFor) {
  Result<Document> document =
      parse(R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "format": "ipv4"})", Format::json, "schema.json");
  ASSERT_TRUE(document);
  Result<Schema, Errors> annotating = Schema::compile(*document);
  ASSERT_TRUE(annotating);
  EXPECT_TRUE(annotating->is_valid(Value("1.2.3")));
  Result<Schema, Errors> asserting = Schema::compile(*document, SchemaOptions{.assert_formats = true});
  ASSERT_TRUE(asserting);
  EXPECT_FALSE(asserting->is_valid(Value("1.2.3")));
  EXPECT_TRUE(asserting->is_valid(Value("1.2.3.4")));
  Result<Document> config = parse(R"("1.2.3")", Format::json, "config.json", ParseOptions{.require_object = false});
  ASSERT_TRUE(config);
  Errors errors = asserting->validate(*config);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message.rfind("\"1.2.3\" is not a valid ipv4", 0), 0u) << errors[0].message;
}

// draft-07 leaves assertion to the validator; hotreload has always asserted, and still does.
TEST(SchemaFormat, AssertsInDraft07ByDefault) {
  EXPECT_FALSE(format_schema("ipv4").is_valid(Value("1.2.3")));
  EXPECT_FALSE(format_schema("ipv4", SchemaOptions{.assert_formats = true}).is_valid(Value("1.2.3")));
  EXPECT_TRUE(format_schema("ipv4", SchemaOptions{.assert_formats = false}).is_valid(Value("1.2.3")));
}

}  // namespace
}  // namespace hotreload
