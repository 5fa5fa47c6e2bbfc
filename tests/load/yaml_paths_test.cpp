// YAML's two paths (src/load/parsers.hpp): the fast one (libyaml) must accept exactly what the
// reference (yaml-cpp) accepts, with the same tree and positions, or give up so that the
// reference says what is wrong. These are the forms configs use and the edges where the two
// parsers differ; fuzz/yaml_paths_fuzzer.cpp searches for more.
#include <gtest/gtest.h>

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

std::string reference_of(std::string_view text, const ParseLimits& limits = kLimits) {
  Result<Value> parsed = detail::parse_yaml_reference(text, "c.yaml", limits);
  return parsed ? render(*parsed) : "error " + parsed.error().to_string();
}

std::string fast_of(std::string_view text, const ParseLimits& limits = kLimits) {
  std::optional<Value> parsed = detail::parse_yaml_fast(text, limits);
  return parsed ? render(*parsed) : "gave up";
}

TEST(YamlPaths, ConfigFormsGiveTheReferenceTree) {
  const std::vector<std::string> texts = {
      "a: 1\n", "a: 1", "server:\n  host: example.com\n  ports:\n    - 80\n    - {tls: true}\n",
      "list:\n- a\n- b\nnext: 1\n", "- 1\n- two\n- [3, {four: 4}]\n", "a: [1, [2, [3]], {b: {c: d}}]\n",
      "int: 42\nneg: -7\nhex: 0x1F\noct: 0o17\nfloat: 1.5\nexp: 1e3\ninf: .inf\nnan: .nan\nyes: yes\n",
      "t: true\nf: False\nn: null\nN: NULL\ntilde: ~\nquoted: \"null\"\nsingle: 'it''s'\n",
      "escapes: \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\x41 \\/\"\n", "url: http://example.com/a?b=c#frag\n",
      "key with spaces: value with spaces # a comment\n# comment\n\n", "\"quoted key\": 1\n'single': 2\n",
      "1: one\ntrue: yes\n~: tilde\n", "script: |\n  echo a\n  echo b\nfolded: >\n  one\n  two\n\nlast: x\n",
      "strip: |-\n  b\nindented: |2\n    c\n", "---\na: 1\n", "---\na: 1\n...\n",
      "---\na: 1\n---\n", "# only\n---\n---\nb: 2\n", "caf\xC3\xA9: {a: 1, \xC3\xA9t\xC3\xA9: \"\xE2\x82\xAC\"}\n",
      "\xF0\x9F\x98\x80: [\xC3\xA9, b]\n", "defaults: &defaults {timeout: 5, retries: 3}\nprimary: *defaults\n",
      "base: &base\n  host: localhost\n  port: 80\nprod:\n  name: prod\n  <<: *base\n  port: 443\n",
      "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n", "name: &n api\nlabel: *n\n",
      "seq: &s\n  - 1\n  - 2\ncopy: *s\n", "empty:\ntext: x\n", "a:\n  b:\n  c: 1\n", "last:\n",
      "- \n- a\n-\n", "a:\n  -\n  - b\n", "a: # comment\nb: 1\n", "a: &x\nb: *x\n", "a: []\nb: {}\n",
      "a: [1,2,3]\n", "a: {b: 1,c: 2}\n", "a: [b: 1, c]\n", "- a: 1\n  b: 2\n- c: 3\n",
  };
  for (const std::string& text : texts) {
    std::string reference = reference_of(text);
    ASSERT_FALSE(reference.starts_with("error")) << text << "\n" << reference;
    EXPECT_EQ(fast_of(text), reference) << text;
  }
}

TEST(YamlPaths, WhatTheReferenceRefusesTheFastPathGivesUpOn) {
  const std::vector<std::string> texts = {
      "a: 1\na: 2\n", "a: [1, 2\n", "a: {b: 1\n", "a: \"abc\n", "a: \"\\q\"\n", "[[[", ",", "a: 1\n---\nb: 2\n",
      "a: !Ref x\n", "a: !!binary aGk=\n", "a: !!int abc\n", "? [1, 2]\n: v\n", "a: *nowhere\n", "a:\n  <<: 5\n",
      "a: &x [*x]\n", "a: b: c\n", "  a: 1\nb: 2\n", "a: 1\n  b: 2\n", "{a: 1}}",
      "a: [b: c: d]\n",
  };
  for (const std::string& text : texts) {
    std::string reference = reference_of(text);
    ASSERT_TRUE(reference.starts_with("error")) << text << "\n" << reference;
    EXPECT_EQ(fast_of(text), "gave up") << text << "\n" << reference;
  }
}

// Texts both parsers accept but read differently, or that the fast path cannot position as the
// reference does: each was found by fuzz/yaml_paths_fuzzer.cpp (or is a neighbour of one), and the
// fast path leaves it to the reference.
TEST(YamlPaths, WhereThePathsDifferTheFastPathGivesUp) {
  const std::vector<std::string> texts = {
      // yaml-cpp 0.7 folds the empty lines of a quoted scalar to one line feed; libyaml keeps them.
      "ite: '12\n\n\n\n'\n", "a: \"x\n  y\"\n", "a: x\n  y\n",
      // One scalar "w - H" to libyaml; to yaml-cpp a scalar, then a sequence as a second document.
      "&o1- w\n- H",
      // A block scalar running to the end of a text without a final line feed.
      "- >\n  # 4\n\n  # 4\n  ", "a: |\n  x",
      // libyaml reads "?" before a flow key as an indicator; yaml-cpp refuses it.
      "a: {x: 1,?y: 1}\n",
      // At the end of a text without a final line feed, yaml-cpp places a missing value by the
      // indentation of the collection it ends.
      "-\n-  -  #2\n#2", "a: ",
      // libyaml takes a node in the column of its '-' as the entry; yaml-cpp ends the sequence.
      "-\n>", "-\n|\n",
      // Lines and characters: a lone CR, a tab, NEL, LS, a BOM.
      "a: 1\rb: 2\r", "a: 1\r\nb: 2\r", "a:\t1\n", "a: \"x\xC2\x85y\"\n", "a: x\xE2\x80\xA8y\n", "\xEF\xBB\xBF" "a: 1\n",
      // yaml-cpp writes these escapes as single bytes that are not UTF-8.
      "a: \"x\\Ny\"\n", "a: \"x\\_y\"\n",
      // Tags and directives are all left to the reference.
      "a: !!str 1\n", "a: ! 1\n", "a: !!map {}\n", "%YAML 1.2\n---\na: 1\n", "%TAG !e! tag:e.com:\n---\na: 1\n",
      // An empty key, and empty values inside flow collections.
      "? \n: v\n", ": v\n", "{a, b: 1}\n", "[a: ]\n",
      // libyaml takes any ':' after a flow key for the value indicator; yaml-cpp refuses this.
      ":+30d:it:  &d -88888.88888811\nr: [*d :d *d]\n", "a: {b :c}\n",
      // Keep chomping with a trailing line of spaces: "a\nba\nak\n\n" to libyaml, one line feed
      // less to yaml-cpp; every '+' header goes to the reference.
      ">+\n a\n \n ba\n\n ak\n \n", "a: &x |+\n  b\n", "a: |2+ # c\n  b\n",
      // "-\n>" again, with an anchor on the sequence: its column comes from its first '-'.
      "&0\n-\n>\n", "a: &s\n  # c\n  -\n  >\n",
  };
  for (const std::string& text : texts) {
    EXPECT_EQ(fast_of(text), "gave up") << text << "\n" << reference_of(text);
  }
}

// The reference's answers to the fuzz findings above, so a change to either path shows here.
TEST(YamlPaths, FuzzFindingsKeepTheReferenceAnswers) {
  EXPECT_EQ(reference_of("ite: '12\n\n\n\n'\n"), "{ ite:string \"12\\n\"@1:6}@1:1");
  EXPECT_EQ(reference_of("a: "), "{ a:null null@1:1}@1:1");
  EXPECT_EQ(reference_of("-\n-  -  #2\n#2"), "[ null null@2:1 [ null null@3:3]@2:4]@1:1");
  EXPECT_EQ(reference_of("a: {x: 1,?y: 1}\n"), "error c.yaml:1:10: invalid YAML: unknown token");
  EXPECT_EQ(reference_of("-\n>"), "error c.yaml:2:1: multiple YAML documents are not supported");
  EXPECT_EQ(reference_of("&o1- w\n- H"), "error c.yaml:2:1: multiple YAML documents are not supported");
  EXPECT_EQ(reference_of("- >\n  # 4\n\n  # 4\n  "), "[ string \"# 4\\n# 4 \"@1:3]@1:1");
  EXPECT_EQ(reference_of(":+30d:it:  &d -88888.88888811\nr: [*d :d *d]\n"),
            "error c.yaml:2:8: invalid YAML: end of sequence flow not found");
  EXPECT_EQ(reference_of(">+\n a\n \n ba\n\n ak\n \n"), "string \"a\\nba\\nak\\n\"@1:1");
}

TEST(YamlPaths, CrlfLineBreaksTakeTheFastPathWithTheReferencePositions) {
  // Files saved on Windows: every line ends with CR LF. Both parsers count a line per CR LF.
  const std::vector<std::string> texts = {
      "server:\r\n  host: example.com # comment\r\n  ports:\r\n    - 80\r\n    - {tls: true}\r\n\r\nnext: 1\r\n",
      "a: [1, 2]\r\nempty:\r\nlast: \"q\"\r\n", "script: |\r\n  echo a\r\n  echo b\r\nb: 1\r\n",
      "{\"a\":1, \"b\": [true, null]}\r\n",
  };
  for (const std::string& text : texts) {
    std::string reference = reference_of(text);
    ASSERT_FALSE(reference.starts_with("error")) << text << "\n" << reference;
    EXPECT_EQ(fast_of(text), reference) << text;
  }
  // The same config with LF line breaks: the same tree at the same lines and columns.
  EXPECT_EQ(fast_of("a:\r\n  b: 1\r\n  c: [x, y]\r\n"), fast_of("a:\n  b: 1\n  c: [x, y]\n"));
}

TEST(YamlPaths, AMissingValuePointsWhereTheReferenceDoes) {
  // yaml-cpp places a value that is not written at the next token after its ':' or '-'.
  EXPECT_EQ(fast_of("empty:\n\n  # c\ntext: x\n"), "{ empty:null null@4:1 text:string \"x\"@4:7}@1:1");
  EXPECT_EQ(fast_of("empty:\n"), reference_of("empty:\n"));
  EXPECT_EQ(fast_of("empty:\n"), "{ empty:null null@2:1}@1:1");
}

TEST(YamlPaths, PositionsCountBytes) {
  EXPECT_EQ(fast_of("caf\xC3\xA9: {a: 1}\n"), "{ caf\xC3\xA9:{ a:integer 1@1:12}@1:8}@1:1");
  EXPECT_EQ(fast_of("caf\xC3\xA9: {a: 1}\n"), reference_of("caf\xC3\xA9: {a: 1}\n"));
}

TEST(YamlPaths, LimitsAreTheSameOnBothPaths) {
  ParseLimits limits;
  limits.max_depth = 3;
  EXPECT_NE(fast_of("a: [[1]]\n", limits), "gave up");
  EXPECT_EQ(fast_of("a: [[[1]]]\n", limits), "gave up");
  EXPECT_TRUE(reference_of("a: [[[1]]]\n", limits).starts_with("error"));
  limits = ParseLimits{};
  limits.max_nodes = 4;
  EXPECT_NE(fast_of("a: [1, 2]\n", limits), "gave up");
  EXPECT_EQ(fast_of("a: [1, 2, 3]\n", limits), "gave up");
  // Past yaml-cpp's own recursion guard the reference answers differently; the fast path stops
  // well before it.
  limits = ParseLimits{};
  limits.max_depth = 2000;
  std::string deep = std::string(300, '[') + std::string(300, ']');
  EXPECT_EQ(fast_of(deep, limits), "gave up");
}

TEST(YamlPaths, GivingUpKeepsTheReferenceError) {
  Result<Document> duplicate = parse("server:\n  name: a\n  name: b\n", Format::yaml, "c.yaml");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().to_string(), "c.yaml:3:3: server.name: duplicate key \"name\" (first at line 2)");
  Result<Document> unclosed = parse("a: [1, 2\nb: 3\n", Format::yaml, "c.yaml");
  ASSERT_FALSE(unclosed);
  EXPECT_EQ(unclosed.error().to_string(),
            "c.yaml:1:4: invalid YAML: '[' is not closed (line 2, column 2: did not find expected ',' or ']')");
}

}  // namespace
}  // namespace hotreload
