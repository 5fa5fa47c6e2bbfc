#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

Result<Document> parse_yaml(std::string_view text, const ParseOptions& options = {}) {
  return parse(text, Format::yaml, "c.yaml", options);
}

// The whole error line, or "ok" so that a wrong success shows up in the failure message.
std::string error_of(std::string_view text, const ParseOptions& options = {}) {
  Result<Document> parsed = parse_yaml(text, options);
  return parsed ? "ok" : parsed.error().to_string();
}

std::string position_of(const Document& doc, std::string_view dotted) {
  const Value* value = doc.root.find_dotted(dotted);
  return value ? doc.location_of(value->origin).to_string() : "missing " + std::string(dotted);
}

TEST(Yaml, NestedValuesHavePositions) {
  Result<Document> doc = parse_yaml(
      "server:\n"
      "  host: example.com\n"
      "  ports:\n"
      "    - 80\n"
      "    - {tls: true}\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(position_of(*doc, "server"), "c.yaml:2:3");
  EXPECT_EQ(position_of(*doc, "server.host"), "c.yaml:2:9");
  EXPECT_EQ(position_of(*doc, "server.ports"), "c.yaml:4:5");
  EXPECT_EQ(position_of(*doc, "server.ports[0]"), "c.yaml:4:7");
  EXPECT_EQ(position_of(*doc, "server.ports[1].tls"), "c.yaml:5:13");
  EXPECT_EQ(doc->root.origin, (Origin{0, 1, 1}));
}

TEST(Yaml, RecordsOneSourceNamedAfterTheText) {
  Result<Document> doc = parse_yaml("a: 1\n");
  ASSERT_TRUE(doc);
  ASSERT_EQ(doc->sources.size(), 1u);
  EXPECT_EQ(doc->sources[0].name, "c.yaml");
  EXPECT_EQ(doc->sources[0].layer, "c.yaml");
  EXPECT_EQ(doc->sources[0].format, Format::yaml);
}

TEST(Yaml, KeysKeepDocumentOrder) {
  Result<Document> doc = parse_yaml("zeta: 1\nalpha: 2\nmid: 3\n");
  ASSERT_TRUE(doc);
  std::string keys;
  for (const auto& [key, value] : doc->root.as_object()) keys += key + " ";
  EXPECT_EQ(keys, "zeta alpha mid ");
}

TEST(Yaml, PlainScalarsFollowTheCoreSchema) {
  Result<Document> doc = parse_yaml(
      "int: 42\nneg: -7\nhex: 0x1F\nfloat: 1.5\nexp: 1e3\ninf: .inf\nyes_word: yes\n"
      "bool: true\nnull_word: null\ntilde: ~\nempty:\ntext: hello world\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  const Value& root = doc->root;
  EXPECT_EQ(root.find_dotted("int")->as_int(), 42);
  EXPECT_EQ(root.find_dotted("neg")->as_int(), -7);
  EXPECT_EQ(root.find_dotted("hex")->as_int(), 31);
  EXPECT_TRUE(root.find_dotted("float")->is_double());
  EXPECT_DOUBLE_EQ(root.find_dotted("float")->as_double(), 1.5);
  EXPECT_DOUBLE_EQ(root.find_dotted("exp")->as_double(), 1000.0);
  EXPECT_TRUE(std::isinf(root.find_dotted("inf")->as_double()));
  EXPECT_EQ(root.find_dotted("yes_word")->as_string(), "yes");  // YAML 1.1's booleans stay strings
  EXPECT_EQ(root.find_dotted("bool")->as_bool(), true);
  EXPECT_TRUE(root.find_dotted("null_word")->is_null());
  EXPECT_TRUE(root.find_dotted("tilde")->is_null());
  EXPECT_TRUE(root.find_dotted("empty")->is_null());
  EXPECT_EQ(root.find_dotted("text")->as_string(), "hello world");
}

TEST(Yaml, QuotedScalarsAreStrings) {
  Result<Document> doc = parse_yaml("a: \"42\"\nb: 'true'\nc: \"\"\nd: \"null\"\n");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->root.find_dotted("a")->as_string(), "42");
  EXPECT_EQ(doc->root.find_dotted("b")->as_string(), "true");
  EXPECT_EQ(doc->root.find_dotted("c")->as_string(), "");
  EXPECT_EQ(doc->root.find_dotted("d")->as_string(), "null");
}

TEST(Yaml, ExplicitCoreTagsAreHonoured) {
  Result<Document> doc = parse_yaml(
      "str: !!str 123\nint: !!int \"42\"\nfloat: !!float 1\nbool: !!bool \"false\"\nnull: !!null \"\"\n"
      "quoted: ! 7\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root.find_dotted("str")->as_string(), "123");
  EXPECT_EQ(doc->root.find_dotted("int")->as_int(), 42);
  EXPECT_TRUE(doc->root.find_dotted("float")->is_double());
  EXPECT_EQ(doc->root.find_dotted("bool")->as_bool(), false);
  EXPECT_TRUE(doc->root.find_dotted("null")->is_null());
  EXPECT_EQ(doc->root.find_dotted("quoted")->as_string(), "7");
}

TEST(Yaml, ValueThatDoesNotFitItsTagIsAnError) {
  EXPECT_EQ(error_of("limits:\n  max: !!int abc\n"), "c.yaml:2:8: limits.max: \"abc\" is not a valid !!int");
  EXPECT_EQ(error_of("a: !!bool yes\n"), "c.yaml:1:4: a: \"yes\" is not a valid !!bool");
  EXPECT_EQ(parse_yaml("a: !!int abc\n").error().code, ErrorCode::parse);
}

TEST(Yaml, UnknownTagIsAnError) {
  EXPECT_EQ(error_of("a: !Ref other\n"), "c.yaml:1:4: a: unsupported YAML tag \"!Ref\"");
  EXPECT_EQ(error_of("a: !!binary aGk=\n"), "c.yaml:1:4: a: unsupported YAML tag \"!!binary\"");
}

TEST(Yaml, SyntaxErrorReportsLibraryMessageAndPosition) {
  Result<Document> doc = parse_yaml("a: \"\\q\"\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().to_string(), "c.yaml:1:7: invalid YAML: unknown escape character: q");
}

// An unclosed bracket or quote is reported where it opened, which is what the user must find;
// yaml-cpp alone reports where it gave up, often the end of the file.
TEST(Yaml, UnclosedFlowSequenceIsReportedWhereItOpens) {
  EXPECT_EQ(error_of("name: x\nport: [8080\nhost: a\n"),
            "c.yaml:2:7: invalid YAML: '[' is not closed (line 3, column 5: did not find expected ',' or ']')");
  EXPECT_EQ(error_of("a: [1, 2\nb: 3\n"),
            "c.yaml:1:4: invalid YAML: '[' is not closed (line 2, column 2: did not find expected ',' or ']')");
}

TEST(Yaml, UnclosedFlowMapIsReportedWhereItOpens) {
  EXPECT_EQ(error_of("a: {b: 1\nc: 2\n"),
            "c.yaml:1:4: invalid YAML: '{' is not closed (line 2, column 2: did not find expected ',' or '}')");
}

TEST(Yaml, UnclosedQuoteIsReportedWhereItOpens) {
  EXPECT_EQ(error_of("a: \"abc\nb: 1\n"),
            "c.yaml:1:4: invalid YAML: '\"' is not closed (line 3, column 1: found unexpected end of stream)");
  EXPECT_EQ(error_of("a:\n  - 'abc\nb: 1\n"),
            "c.yaml:2:5: invalid YAML: ''' is not closed (line 4, column 1: found unexpected end of stream)");
}

TEST(Yaml, TextEndingInsideNestedFlowsPointsAtTheInnermostOpening) {
  EXPECT_EQ(error_of("a: [1, [2,\n"),
            "c.yaml:1:8: invalid YAML: '[' is not closed (line 2, column 1: did not find expected node content)");
}

TEST(Yaml, UnclosedPositionCountsBytesLikeEveryOtherPosition) {
  Result<Document> closed = parse_yaml("caf\xc3\xa9: {a: 1}\n");
  ASSERT_TRUE(closed) << closed.error().to_string();
  EXPECT_EQ(position_of(*closed, "caf\xc3\xa9.a"), "c.yaml:1:12");
  EXPECT_EQ(error_of("caf\xc3\xa9: {a: 1\n"),
            "c.yaml:1:8: invalid YAML: '{' is not closed (line 2, column 1: did not find expected ',' or '}')");
}

TEST(Yaml, ErrorInsideAOneLineFlowKeepsItsOwnPosition) {
  EXPECT_EQ(error_of("a: [b: c: d]\n"), "c.yaml:1:9: invalid YAML: end of sequence flow not found");
}

TEST(Yaml, DuplicateKeyReportsBothPositions) {
  Result<Document> doc = parse_yaml(
      "server:\n"
      "  name: a\n"
      "  port: 80\n"
      "  name: b\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().path, "server.name");
  EXPECT_EQ(doc.error().to_string(), "c.yaml:4:3: server.name: duplicate key \"name\" (first at line 2)");
}

TEST(Yaml, DuplicateKeyInsideAListNamesTheIndex) {
  EXPECT_EQ(error_of("items:\n  - id: 1\n    id: 2\n"),
            "c.yaml:3:5: items[0].id: duplicate key \"id\" (first at line 2)");
}

TEST(Yaml, NonScalarKeyIsRefused) {
  EXPECT_EQ(error_of("? [1, 2]\n: value\n"), "c.yaml:1:3: map keys must be scalars");
  EXPECT_EQ(error_of("a:\n  ? {b: 1}\n  : value\n"), "c.yaml:2:5: a: map keys must be scalars");
}

TEST(Yaml, NonStringScalarKeysKeepTheirText) {
  Result<Document> doc = parse_yaml("1: one\ntrue: yes\n");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->root.as_object().find("1")->as_string(), "one");
  EXPECT_NE(doc->root.as_object().find("true"), nullptr);
}

std::string nested_flow(std::size_t depth) { return "a: " + std::string(depth, '[') + std::string(depth, ']') + "\n"; }

TEST(Yaml, NestingUpToTheLimitLoads) {
  // The root map is the first level.
  EXPECT_EQ(error_of(nested_flow(63)), "ok");
}

TEST(Yaml, NestingDeeperThanTheLimitIsRefusedAtTheFirstTooDeepNode) {
  Result<Document> doc = parse_yaml(nested_flow(64));
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::limit);
  EXPECT_EQ(doc.error().location.to_string(), "c.yaml:1:67");
  EXPECT_EQ(doc.error().message, "nesting deeper than 64 levels");
}

TEST(Yaml, DepthLimitIsConfigurable) {
  ParseOptions options;
  options.limits.max_depth = 2;
  EXPECT_EQ(error_of("a:\n  b: 1\n", options), "ok");
  EXPECT_EQ(error_of("a:\n  b:\n    c: 1\n", options), "c.yaml:3:5: a.b: nesting deeper than 2 levels");
}

TEST(Yaml, HugeNestingIsRefusedByOurLimitNotTheLibraryGuard) {
  std::string closed = std::string(100'000, '[') + std::string(100'000, ']');
  Result<Document> doc = parse_yaml(closed);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::limit);
  EXPECT_EQ(doc.error().location.to_string(), "c.yaml:1:65");

  // Unclosed, yaml-cpp reads the brackets as a map key; the depth limit still applies.
  Result<Document> open = parse_yaml(std::string(100'000, '['));
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().code, ErrorCode::limit);
  EXPECT_EQ(open.error().message, "nesting deeper than 64 levels");
}

TEST(Yaml, UnclosedFlowIsASyntaxErrorNotAKeyError) {
  EXPECT_EQ(error_of("[[["),
            "c.yaml:1:3: invalid YAML: '[' is not closed (line 1, column 4: did not find expected node content)");
}

TEST(Yaml, AliasThatMakesTheTreeTooDeepIsRefused) {
  ParseOptions options;
  options.limits.max_depth = 3;
  EXPECT_EQ(error_of("base: &b {x: {y: 1}}\n", options), "ok");
  EXPECT_EQ(error_of("base: &b {x: {y: 1}}\nuse: [*b]\n", options),
            "c.yaml:2:7: use[0]: nesting deeper than 3 levels");
}

std::string billion_laughs() {
  std::string text = "l0: &l0 lol\n";
  for (int level = 1; level <= 9; ++level) {
    std::string alias = "*l" + std::to_string(level - 1);
    text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ", " : "") + alias;
    text += "]\n";
  }
  return text;
}

// Expanding all 10^9 values would take minutes and gigabytes; the value budget stops it after
// 10^6 (about 135 ms here; measured, not asserted).
TEST(Yaml, BillionLaughsIsRefusedByTheValueBudget) {
  Result<Document> doc = parse_yaml(billion_laughs());
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::limit);
  EXPECT_EQ(doc.error().message, "document expands to more than 1000000 values (YAML aliases?)");
}

TEST(Yaml, NodeBudgetIsConfigurableAndNamesWhereItRanOut) {
  ParseOptions options;
  options.limits.max_nodes = 4;
  EXPECT_EQ(error_of("a: [1, 2]\n", options), "ok");  // the root, the list and two items
  EXPECT_EQ(error_of("a: [1, 2, 3]\n", options),
            "c.yaml:1:11: a[2]: document expands to more than 4 values (YAML aliases?)");
}

TEST(Yaml, AFewAliasesLoadAsCopies) {
  Result<Document> doc = parse_yaml(
      "defaults: &defaults {timeout: 5, retries: 3}\n"
      "name: &name api\n"
      "primary: *defaults\n"
      "secondary: *defaults\n"
      "label: *name\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root.find_dotted("primary.timeout")->as_int(), 5);
  EXPECT_EQ(doc->root.find_dotted("secondary.retries")->as_int(), 3);
  EXPECT_EQ(doc->root.find_dotted("label")->as_string(), "api");
  // The alias sits where it is written; what it copies keeps the anchor's positions.
  EXPECT_EQ(position_of(*doc, "primary"), "c.yaml:3:10");
  EXPECT_EQ(position_of(*doc, "primary.timeout"), "c.yaml:1:31");
}

TEST(Yaml, MergeKeyPutsMergedKeysFirstAndExplicitKeysWin) {
  Result<Document> doc = parse_yaml(
      "base: &base\n"
      "  host: localhost\n"
      "  port: 80\n"
      "prod:\n"
      "  name: prod\n"
      "  <<: *base\n"
      "  port: 443\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  std::string keys;
  for (const auto& [key, value] : doc->root.find_dotted("prod")->as_object()) keys += key + " ";
  EXPECT_EQ(keys, "host port name ");
  EXPECT_EQ(doc->root.find_dotted("prod.port")->as_int(), 443);
  EXPECT_EQ(doc->root.find_dotted("prod.host")->as_string(), "localhost");
  EXPECT_EQ(position_of(*doc, "prod.port"), "c.yaml:7:9");
}

TEST(Yaml, MergeListLetsTheEarlierMapWin) {
  Result<Document> doc = parse_yaml(
      "a: &a {x: 1, y: 1}\n"
      "b: &b {y: 2, z: 2}\n"
      "c:\n"
      "  <<: [*a, *b]\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root.find_dotted("c.x")->as_int(), 1);
  EXPECT_EQ(doc->root.find_dotted("c.y")->as_int(), 1);
  EXPECT_EQ(doc->root.find_dotted("c.z")->as_int(), 2);
}

TEST(Yaml, MergeOfAScalarIsRefused) {
  EXPECT_EQ(error_of("a:\n  <<: 5\n"), "c.yaml:2:7: a.<<: \"<<\" needs a map or a list of maps");
}

TEST(Yaml, MergeCountsAgainstTheNodeBudget) {
  ParseOptions options;
  options.limits.max_nodes = 8;
  // root, base and its two values: 4; each merge copies base again (3 more), plus its map.
  EXPECT_EQ(error_of("base: &b {x: 1, y: 2}\nm1: {<<: *b}\n", options), "ok");
  EXPECT_EQ(error_of("base: &b {x: 1, y: 2}\nm1: {<<: *b}\nm2: {<<: *b}\n", options),
            "c.yaml:3:5: m2: document expands to more than 8 values (YAML aliases?)");
}

TEST(Yaml, MultipleDocumentsAreRefused) {
  EXPECT_EQ(error_of("a: 1\n---\nb: 2\n"), "c.yaml:3:1: multiple YAML documents are not supported");
}

TEST(Yaml, EmptyDocumentsAroundTheContentAreIgnored) {
  Result<Document> doc = parse_yaml("---\na: 1\n---\n");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root.find_dotted("a")->as_int(), 1);
}

TEST(Yaml, CommentsOnlyIsEmpty) {
  Result<Document> doc = parse_yaml("# nothing here\n\n   # still nothing\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().to_string(), "c.yaml: file is empty");
  EXPECT_EQ(error_of("~\n"), "c.yaml: file is empty");
}

TEST(Yaml, EmptyIsAnEmptyMapWhenAllowed) {
  ParseOptions options;
  options.allow_empty = true;
  Result<Document> doc = parse_yaml("# nothing\n", options);
  ASSERT_TRUE(doc);
  EXPECT_TRUE(doc->root.is_object());
  EXPECT_TRUE(doc->root.as_object().empty());
}

TEST(Yaml, TopLevelMustBeAMap) {
  Result<Document> doc = parse_yaml("\n- 1\n- 2\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().to_string(), "c.yaml:2:1: top level must be a map, got array");
  EXPECT_EQ(error_of("just text\n"), "c.yaml:1:1: top level must be a map, got string");
}

TEST(Yaml, AnyTopLevelWhenAMapIsNotRequired) {
  ParseOptions options;
  options.require_object = false;
  Result<Document> doc = parse_yaml("- 1\n- two\n", options);
  ASSERT_TRUE(doc);
  ASSERT_TRUE(doc->root.is_array());
  EXPECT_EQ(doc->root.as_array()[1].as_string(), "two");
}

}  // namespace
}  // namespace hotreload
