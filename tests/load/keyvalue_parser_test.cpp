// The keyvalue format (torrc / sshd_config): each rule of src/load/keyvalue_parser.cpp, the
// positions it records and every error it reports.
#include <gtest/gtest.h>

#include <string>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

Result<Document> parse_torrc(std::string_view text, const ParseOptions& options = {}) {
  return parse(text, Format::keyvalue, "torrc", options);
}

// The whole error line, or "ok" so that a wrong success shows up in the failure message.
std::string error_of(std::string_view text, const ParseOptions& options = {}) {
  Result<Document> parsed = parse_torrc(text, options);
  return parsed ? "ok" : parsed.error().to_string();
}

std::string position_of(const Document& doc, const Value& value) { return doc.location_of(value.origin).to_string(); }

const Value& at(const Document& doc, std::string_view key) {
  static const Value missing;
  const Value* value = doc.root.as_object().find(key);
  return value != nullptr ? *value : missing;
}

TEST(KeyValue, KeyIsTheFirstWordAndValueTheRestOfTheLineTrimmed) {
  Result<Document> doc = parse_torrc("Nickname   relay one  \n\tContactInfo admin at example dot com\t\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(at(*doc, "Nickname"), Value("relay one"));
  EXPECT_EQ(at(*doc, "ContactInfo"), Value("admin at example dot com"));
  EXPECT_EQ(doc->root.as_object().size(), 2u);
}

TEST(KeyValue, ValuesAreTypedLikeEnvironmentValues) {
  Result<Document> doc = parse_torrc("SocksPort 9050\nBandwidthRate 1.5\nSafeLogging true\nLog notice stdout\n"
                                     "ControlPort 0x2329\nPassword \"9050\"\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_TRUE(at(*doc, "SocksPort").is_int());
  EXPECT_EQ(at(*doc, "SocksPort"), Value(9050));
  EXPECT_EQ(at(*doc, "BandwidthRate"), Value(1.5));
  EXPECT_EQ(at(*doc, "SafeLogging"), Value(true));
  EXPECT_EQ(at(*doc, "Log"), Value("notice stdout"));
  EXPECT_EQ(at(*doc, "ControlPort"), Value(9001));
  // Quotes are not interpreted: the value is its text.
  EXPECT_EQ(at(*doc, "Password"), Value("\"9050\""));
}

TEST(KeyValue, KeysAreTakenLiterallyAsTopLevelKeys) {
  Result<Document> doc = parse_torrc("server.port 80\nsocksport 1\nSocksPort 2\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  // A dot is part of the key, not a path; case matters.
  EXPECT_EQ(at(*doc, "server.port"), Value(80));
  EXPECT_EQ(at(*doc, "socksport"), Value(1));
  EXPECT_EQ(at(*doc, "SocksPort"), Value(2));
}

TEST(KeyValue, CommentsAndBlankLinesAreIgnored) {
  Result<Document> doc = parse_torrc("# Tor config\n\n   # indented comment\nSocksPort 9050 # local only\n"
                                     "SocksPolicy accept 192.168.0.0/16\t# tab before\r\n\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(at(*doc, "SocksPort"), Value(9050));
  EXPECT_EQ(at(*doc, "SocksPolicy"), Value("accept 192.168.0.0/16"));
  EXPECT_EQ(doc->root.as_object().size(), 2u);
}

TEST(KeyValue, HashInsideAWordIsText) {
  Result<Document> doc = parse_torrc("Nickname pass#word\nContactInfo https://example.org/#contact\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(at(*doc, "Nickname"), Value("pass#word"));
  EXPECT_EQ(at(*doc, "ContactInfo"), Value("https://example.org/#contact"));
}

TEST(KeyValue, RepeatedKeyBecomesAnArrayInFileOrder) {
  Result<Document> doc = parse_torrc("Log notice file /var/log/tor\nSocksPort 9050\nLog debug stdout\nLog err syslog\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  const Value& log = at(*doc, "Log");
  ASSERT_TRUE(log.is_array());
  ASSERT_EQ(log.as_array().size(), 3u);
  EXPECT_EQ(log.as_array()[0], Value("notice file /var/log/tor"));
  EXPECT_EQ(log.as_array()[1], Value("debug stdout"));
  EXPECT_EQ(log.as_array()[2], Value("err syslog"));
  // Each element keeps its own line; the array is where the key was first given.
  EXPECT_EQ(position_of(*doc, log), "torrc:1:5");
  EXPECT_EQ(position_of(*doc, log.as_array()[1]), "torrc:3:5");
  EXPECT_EQ(position_of(*doc, log.as_array()[2]), "torrc:4:5");
  // Keys keep the position of their first line.
  EXPECT_EQ(doc->root.as_object().begin()->first, "Log");
}

TEST(KeyValue, EveryValueKeepsTheColumnOfItsFirstCharacter) {
  Result<Document> doc = parse_torrc("SocksPort 9050\n\n  ORPort\t\t443\nDataDirectory /var/lib/tor\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(position_of(*doc, at(*doc, "SocksPort")), "torrc:1:11");
  EXPECT_EQ(position_of(*doc, at(*doc, "ORPort")), "torrc:3:11");
  EXPECT_EQ(position_of(*doc, at(*doc, "DataDirectory")), "torrc:4:15");
  EXPECT_EQ(doc->sources[0].format, Format::keyvalue);
}

TEST(KeyValue, TrailingBackslashJoinsTheNextLineWithOneSpace) {
  Result<Document> doc = parse_torrc("ExitPolicy accept *:80, \\\n     accept *:443,\\\n\treject *:*\nSocksPort 9050\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(at(*doc, "ExitPolicy"), Value("accept *:80, accept *:443, reject *:*"));
  EXPECT_EQ(position_of(*doc, at(*doc, "ExitPolicy")), "torrc:1:12");
  EXPECT_EQ(position_of(*doc, at(*doc, "SocksPort")), "torrc:4:11");
}

TEST(KeyValue, ValueMayStartOnTheContinuationLine) {
  Result<Document> doc = parse_torrc("SocksPort \\\n    9050\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(at(*doc, "SocksPort"), Value(9050));
  EXPECT_EQ(position_of(*doc, at(*doc, "SocksPort")), "torrc:2:5");
}

TEST(KeyValue, BackslashInACommentContinuesNothing) {
  Result<Document> doc = parse_torrc("SocksPort 9050 # see below \\\nORPort 443\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(at(*doc, "SocksPort"), Value(9050));
  EXPECT_EQ(at(*doc, "ORPort"), Value(443));
}

TEST(KeyValue, CommentOnlyTextIsEmpty) {
  EXPECT_EQ(error_of("# nothing set yet\n\n"), "torrc: file is empty");
  Result<Document> allowed = parse_torrc("# nothing set yet\n", ParseOptions{.allow_empty = true});
  ASSERT_TRUE(allowed) << allowed.error().to_string();
  EXPECT_TRUE(allowed->root.is_object());
  EXPECT_TRUE(allowed->root.as_object().empty());
}

TEST(KeyValue, KeyWithoutValueIsAnErrorAtTheKey) {
  EXPECT_EQ(error_of("SocksPort 9050\n  RunAsDaemon\n"), "torrc:2:3: invalid keyvalue: key \"RunAsDaemon\" has no value");
  EXPECT_EQ(error_of("RunAsDaemon   # later\n"), "torrc:1:1: invalid keyvalue: key \"RunAsDaemon\" has no value");
  EXPECT_EQ(parse_torrc("RunAsDaemon\n").error().code, ErrorCode::parse);
}

TEST(KeyValue, ContinuationAtTheEndOfTheFileIsAnErrorAtTheBackslash) {
  EXPECT_EQ(error_of("SocksPort 9050\nExitPolicy reject *:* \\\n"),
            "torrc:2:23: invalid keyvalue: bad continuation: the file ends after a trailing backslash");
  EXPECT_EQ(error_of("ExitPolicy reject *:* \\"),
            "torrc:1:23: invalid keyvalue: bad continuation: the file ends after a trailing backslash");
}

TEST(KeyValue, ContinuationOntoABlankOrCommentLineIsAnError) {
  EXPECT_EQ(error_of("ExitPolicy accept *:80, \\\n\nreject *:*\n"),
            "torrc:1:25: invalid keyvalue: bad continuation: the line after a trailing backslash is blank or a comment");
  EXPECT_EQ(error_of("ExitPolicy accept *:80, \\\n  # reject *:25\n"),
            "torrc:1:25: invalid keyvalue: bad continuation: the line after a trailing backslash is blank or a comment");
}

TEST(KeyValue, ContinuedLineWithoutAKeyIsAnError) {
  EXPECT_EQ(error_of("SocksPort 9050\n   \\\nvalue\n"), "torrc:2:4: invalid keyvalue: a continued line has no key");
}

TEST(KeyValue, InvalidUtf8IsRefusedAtTheByte) {
  EXPECT_EQ(error_of("Nickname ok\nContactInfo caf\xe9\n"), "torrc:2:16: invalid UTF-8 byte 0xE9");
}

TEST(KeyValue, MaxNodesCountsEveryValueAndArray) {
  const ParseOptions three{.limits = {.max_nodes = 3}};
  EXPECT_EQ(error_of("A 1\nB 2\n", three), "ok");  // the map and two values
  EXPECT_EQ(error_of("A 1\nB 2\nC 3\n", three), "torrc:3:3: more than 3 values");
  // A repeated key adds its array and the new value.
  EXPECT_EQ(error_of("A 1\nA 2\n", three), "torrc:2:3: more than 3 values");
  EXPECT_EQ(parse_torrc("A 1\nB 2\nC 3\n", three).error().code, ErrorCode::limit);
}

TEST(KeyValue, RepeatedKeyNeedsTwoLevelsOfDepth) {
  const ParseOptions flat{.limits = {.max_depth = 1}};
  EXPECT_EQ(error_of("A 1\nB 2\n", flat), "ok");
  EXPECT_EQ(error_of("A 1\nA 2\n", flat), "torrc:2:3: nesting deeper than 1 levels");
}

TEST(KeyValue, IsNamedByItsNameButClaimsNoExtension) {
  EXPECT_EQ(parse_format("keyvalue"), Format::keyvalue);
  EXPECT_EQ(parse_format("KeyValue"), Format::keyvalue);
  EXPECT_STREQ(to_string(Format::keyvalue), "keyvalue");
  EXPECT_EQ(format_from_path("/etc/tor/torrc"), std::nullopt);
  EXPECT_EQ(format_from_path("/etc/ssh/sshd.conf"), std::nullopt);
}

}  // namespace
}  // namespace hotreload
