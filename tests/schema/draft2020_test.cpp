// Draft 2020-12: choosing the dialect, and each keyword it adds or changes, valid and invalid,
// written from the specification (Debian's JSON-Schema-Test-Suite has no 2020-12 folder).
#include <gtest/gtest.h>

#include <string>

#include "hotreload/document.hpp"
#include "hotreload/schema.hpp"

namespace hotreload {
namespace {

constexpr const char* k2020 = R"("$schema": "https://json-schema.org/draft/2020-12/schema", )";

Document json(std::string_view text, const char* name) {
  Result<Document> document = parse(text, Format::json, name, ParseOptions{.require_object = false});
  EXPECT_TRUE(document) << document.error().to_string();
  return document ? std::move(*document) : Document{};
}

Result<Schema, Errors> compile(std::string_view text, const SchemaOptions& options = {}) {
  return Schema::compile(json(text, "schema.json"), options);
}

// A 2020-12 schema: `body` is the object's members after "$schema".
std::string schema2020(std::string_view body) { return "{" + std::string(k2020) + std::string(body) + "}"; }

// The verdict, checked to be the same from validate() and is_valid().
bool accepts(const Schema& schema, std::string_view instance) {
  Document document = json(instance, "instance.json");
  const bool valid = schema.is_valid(document.root);
  Errors errors = schema.validate(document);
  EXPECT_EQ(valid, errors.empty()) << instance << ": " << to_string(errors);
  return valid;
}

Schema compiled(std::string_view text, const SchemaOptions& options = {}) {
  Result<Schema, Errors> schema = compile(text, options);
  EXPECT_TRUE(schema) << to_string(schema.error());
  return std::move(schema).value();
}

TEST(SchemaDraft2020, DialectComesFromSchemaKeyword) {
  const std::string body = R"("prefixItems": [{"type": "string"}])";
  EXPECT_TRUE(accepts(compiled("{" + body + "}"), "[1]"));  // draft-07 by default: not a keyword
  EXPECT_FALSE(accepts(compiled(schema2020(body)), "[1]"));
  EXPECT_TRUE(accepts(compiled(R"({"$schema": "http://json-schema.org/draft-07/schema#", )" + body + "}"), "[1]"));
}

TEST(SchemaDraft2020, OptionsChooseTheDefaultDialect) {
  SchemaOptions options{.default_dialect = SchemaDialect::draft2020_12};
  Schema schema = compiled(R"({"prefixItems": [{"type": "string"}]})", options);
  EXPECT_FALSE(accepts(schema, "[1]"));
  EXPECT_TRUE(accepts(schema, R"(["a", 1])"));
  // "$schema" still wins over the default.
  EXPECT_TRUE(accepts(compiled(R"({"$schema": "http://json-schema.org/draft-07/schema", "prefixItems": [{"type": "string"}]})",
                               options),
                      "[1]"));
}

TEST(SchemaDraft2020, UnknownSchemaUriIsACompileErrorNamingIt) {
  Result<Schema, Errors> schema = compile(R"({"$schema": "http://json-schema.org/draft-04/schema#"})");
  ASSERT_FALSE(schema);
  ASSERT_EQ(schema.error().size(), 1u);
  EXPECT_EQ(schema.error()[0].location, (SourceLocation{"schema.json", 1, 13}));
  EXPECT_NE(schema.error()[0].message.find("unknown \"$schema\" \"http://json-schema.org/draft-04/schema#\""), std::string::npos)
      << schema.error()[0].message;
  EXPECT_FALSE(compile(R"({"$schema": 7})"));
}

TEST(SchemaDraft2020, PrefixItemsThenItems) {
  Schema schema = compiled(schema2020(R"("prefixItems": [{"type": "string"}, {"type": "integer"}], "items": {"type": "boolean"})"));
  EXPECT_TRUE(accepts(schema, R"(["a", 1, true, false])"));
  EXPECT_TRUE(accepts(schema, R"(["a"])"));
  EXPECT_FALSE(accepts(schema, R"([1])"));
  EXPECT_FALSE(accepts(schema, R"(["a", 1, "not a boolean"])"));
  Schema closed = compiled(schema2020(R"("prefixItems": [{}], "items": false)"));
  EXPECT_TRUE(accepts(closed, "[1]"));
  EXPECT_FALSE(accepts(closed, "[1, 2]"));
}

TEST(SchemaDraft2020, ItemsAloneAppliesToEveryItem) {
  Schema schema = compiled(schema2020(R"("items": {"type": "integer"})"));
  EXPECT_TRUE(accepts(schema, "[1, 2]"));
  EXPECT_FALSE(accepts(schema, R"([1, "x"])"));
}

TEST(SchemaDraft2020, ItemsAsAnArrayIsACompileError) {
  Result<Schema, Errors> schema = compile(schema2020(R"("items": [{}])"));
  ASSERT_FALSE(schema);
  EXPECT_EQ(schema.error()[0].path, "items");
  EXPECT_FALSE(compile(schema2020(R"("prefixItems": [])")));
}

TEST(SchemaDraft2020, ContainsWithMinAndMaxContains) {
  Schema schema = compiled(schema2020(R"("contains": {"const": 1}, "minContains": 2, "maxContains": 3)"));
  EXPECT_TRUE(accepts(schema, "[1, 1, 2]"));
  EXPECT_TRUE(accepts(schema, "[1, 1, 1]"));
  EXPECT_FALSE(accepts(schema, "[1, 2]"));
  EXPECT_FALSE(accepts(schema, "[1, 1, 1, 1]"));
  Schema optional = compiled(schema2020(R"("contains": {"const": 1}, "minContains": 0)"));
  EXPECT_TRUE(accepts(optional, "[]"));
  EXPECT_TRUE(accepts(optional, "[2]"));
  Schema plain = compiled(schema2020(R"("contains": {"const": 1})"));
  EXPECT_FALSE(accepts(plain, "[2]"));
  // Without "contains", the two bounds mean nothing.
  EXPECT_TRUE(accepts(compiled(schema2020(R"("minContains": 5)")), "[]"));
}

TEST(SchemaDraft2020, ContainsCountsAreInTheMessage) {
  Schema schema = compiled(schema2020(R"("contains": {"const": 1}, "maxContains": 1)"));
  Errors errors = schema.validate(json("[1, 1]", "config.json"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("2 items match the \"contains\" schema, more than the maximum 1"), std::string::npos)
      << errors[0].message;
}

TEST(SchemaDraft2020, DefsAndRef) {
  Schema schema = compiled(schema2020(R"("$defs": {"port": {"type": "integer", "maximum": 65535}}, "properties": {"p": {"$ref": "#/$defs/port"}})"));
  EXPECT_TRUE(accepts(schema, R"({"p": 80})"));
  EXPECT_FALSE(accepts(schema, R"({"p": 70000})"));
}

TEST(SchemaDraft2020, AnchorNamesASubschema) {
  Schema schema = compiled(schema2020(R"("$defs": {"p": {"$anchor": "positive", "exclusiveMinimum": 0}}, "items": {"$ref": "#positive"})"));
  EXPECT_TRUE(accepts(schema, "[1, 2]"));
  EXPECT_FALSE(accepts(schema, "[1, 0]"));
  EXPECT_FALSE(compile(schema2020(R"("$ref": "#missing")")));
}

TEST(SchemaDraft2020, RefAppliesBesideItsSiblings) {
  const std::string body = R"("$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "maxLength": 3)";
  Schema schema = compiled(schema2020(body));
  EXPECT_TRUE(accepts(schema, R"("abc")"));
  EXPECT_FALSE(accepts(schema, R"("abcd")"));  // the sibling counts
  EXPECT_FALSE(accepts(schema, "1"));          // and so does the $ref
  // draft-07: the $ref replaces its siblings.
  EXPECT_TRUE(accepts(compiled(R"({"definitions": {"s": {"type": "string"}}, "$ref": "#/definitions/s", "maxLength": 3})"),
                      R"("abcd")"));
}

TEST(SchemaDraft2020, DependentRequired) {
  Schema schema = compiled(schema2020(R"("dependentRequired": {"tls": ["cert", "key"]})"));
  EXPECT_TRUE(accepts(schema, R"({"tls": true, "cert": "c", "key": "k"})"));
  EXPECT_TRUE(accepts(schema, R"({"cert": "c"})"));
  EXPECT_FALSE(accepts(schema, R"({"tls": true, "cert": "c"})"));
  EXPECT_FALSE(compile(schema2020(R"("dependentRequired": {"tls": "cert"})")));
}

TEST(SchemaDraft2020, DependentSchemas) {
  Schema schema = compiled(schema2020(R"("dependentSchemas": {"tls": {"required": ["cert"]}})"));
  EXPECT_TRUE(accepts(schema, R"({"tls": true, "cert": "c"})"));
  EXPECT_TRUE(accepts(schema, R"({})"));
  EXPECT_FALSE(accepts(schema, R"({"tls": true})"));
  // draft-07's "dependencies" is not a 2020-12 keyword.
  EXPECT_TRUE(accepts(compiled(schema2020(R"("dependencies": {"tls": ["cert"]})")), R"({"tls": true})"));
}

// A generic tree whose children are "$dynamicRef": "#node", and an extension that declares its own
// "node" and closes the objects: the children are checked by the extension, not by the tree.
constexpr const char* kTree = R"({"$id": "tree", "$dynamicAnchor": "node", "type": "object",
    "properties": {"data": true, "children": {"type": "array", "items": {"$dynamicRef": "#node"}}}})";

TEST(SchemaDraft2020, DynamicRefLetsAnExtensionOverrideATree) {
  Schema strict = compiled(schema2020(R"("$id": "http://example.com/strict-tree", "$dynamicAnchor": "node",
      "$ref": "tree", "unevaluatedProperties": false, "$defs": {"tree": )" + std::string(kTree) + "}"));
  EXPECT_TRUE(accepts(strict, R"({"data": 1, "children": [{"data": 2, "children": []}]})"));
  EXPECT_FALSE(accepts(strict, R"({"daat": 1})"));
  // Only the extension forbids the typo, and only through the $dynamicRef does it reach the child.
  EXPECT_FALSE(accepts(strict, R"({"children": [{"daat": 2}]})"));
  EXPECT_FALSE(accepts(strict, R"({"children": [{"children": [{"daat": 3}]}]})"));
  Errors errors = strict.validate(json(R"({"children": [{"daat": 2}]})", "config.json"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "children[0].daat");
  EXPECT_EQ(errors[0].message, "property \"daat\" is not allowed (unevaluatedProperties at #)");

  // The tree alone, its own outermost "node", accepts the typo.
  Schema tree = compiled(schema2020(R"("$id": "http://example.com/generic", "$ref": "tree", "$defs": {"tree": )" +
                                    std::string(kTree) + "}"));
  EXPECT_TRUE(accepts(tree, R"({"children": [{"daat": 2}]})"));
  EXPECT_FALSE(accepts(tree, R"({"children": [5]})"));
}

// The outer resource declares a dynamic "node" that only objects pass; `inner` is what the
// $dynamicRef in the inner resource names.
std::string outer_node_and_inner(std::string_view inner) {
  return schema2020(R"("$id": "http://example.com/root", "$dynamicAnchor": "node", "type": "object",
      "properties": {"x": {"$ref": "inner"}}, "$defs": {"inner": )" + std::string(inner) + "}");
}

TEST(SchemaDraft2020, DynamicRefToAMatchingDynamicAnchorLooksAtTheDynamicScope) {
  Schema schema = compiled(outer_node_and_inner(
      R"({"$id": "inner", "$dynamicRef": "#node", "$defs": {"n": {"$dynamicAnchor": "node", "type": "integer"}}})"));
  EXPECT_FALSE(accepts(schema, R"({"x": 5})"));  // the root's "node" applies: 5 is no object
  EXPECT_TRUE(accepts(schema, R"({"x": {"x": {}}})"));
}

TEST(SchemaDraft2020, DynamicRefToATargetWithoutDynamicAnchorIsARef) {
  Schema schema = compiled(outer_node_and_inner(
      R"({"$id": "inner", "$dynamicRef": "#node", "$defs": {"n": {"$anchor": "node", "type": "integer"}}})"));
  EXPECT_TRUE(accepts(schema, R"({"x": 5})"));
  EXPECT_FALSE(accepts(schema, R"({"x": {}})"));
  // A $dynamicAnchor of another name does not make it dynamic either.
  Schema other = compiled(outer_node_and_inner(
      R"({"$id": "inner", "$dynamicRef": "#node", "$defs": {"n": {"$anchor": "node", "$dynamicAnchor": "leaf", "type": "integer"}}})"));
  EXPECT_TRUE(accepts(other, R"({"x": 5})"));
}

TEST(SchemaDraft2020, DynamicRefToAJsonPointerIsARef) {
  Schema schema = compiled(outer_node_and_inner(
      R"({"$id": "inner", "$dynamicRef": "#/$defs/n", "$defs": {"n": {"$dynamicAnchor": "node", "type": "integer"}}})"));
  EXPECT_TRUE(accepts(schema, R"({"x": 5})"));
  EXPECT_FALSE(accepts(schema, R"({"x": {}})"));
}

TEST(SchemaDraft2020, DynamicRefTakesTheOutermostDynamicAnchor) {
  const std::string c = R"({"$id": "c", "properties": {"v": {"$dynamicRef": "#node"}},
      "$defs": {"node": {"$dynamicAnchor": "node", "type": "boolean"}}})";
  const std::string b = R"({"$id": "b", "$ref": "c", "$defs": {"node": {"$dynamicAnchor": "node", "type": "integer"}, "c": )" + c + "}}";
  Schema from_a = compiled(schema2020(R"("$id": "http://example.com/a", "$ref": "b",
      "$defs": {"node": {"$dynamicAnchor": "node", "type": "string"}, "b": )" + b + "}"));
  EXPECT_TRUE(accepts(from_a, R"({"v": "s"})"));
  EXPECT_FALSE(accepts(from_a, R"({"v": 1})"));
  EXPECT_FALSE(accepts(from_a, R"({"v": true})"));
  Errors errors = from_a.validate(json(R"({"v": 1})", "config.json"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected string, got integer 1 (type at #/$defs/node)");

  // Without "a", "b" is the outermost resource that declares "node".
  Schema from_b = compiled(schema2020(R"("$id": "http://example.com/a", "$ref": "b", "$defs": {"b": )" + b + "}"));
  EXPECT_TRUE(accepts(from_b, R"({"v": 1})"));
  EXPECT_FALSE(accepts(from_b, R"({"v": "s"})"));

  // A resource is in the dynamic scope once evaluation is anywhere inside it, not only at its root.
  Schema through_pointers = compiled(schema2020(R"("$id": "http://example.com/m", "$ref": "p#/$defs/go", "$defs": {
      "p": {"$id": "p", "$defs": {"go": {"$ref": "q#/$defs/check"}, "node": {"$dynamicAnchor": "node", "multipleOf": 2}}},
      "q": {"$id": "q", "$defs": {"check": {"$dynamicRef": "#node"}, "node": {"$dynamicAnchor": "node", "multipleOf": 3}}}})"));
  EXPECT_TRUE(accepts(through_pointers, "4"));
  EXPECT_FALSE(accepts(through_pointers, "3"));
}

TEST(SchemaDraft2020, DynamicRefIntoARemoteDocument) {
  const std::string tree = "{" + std::string(k2020) + std::string(kTree).substr(1);
  SchemaOptions options{.resolve_remote = [&tree](std::string_view uri) -> std::optional<Document> {
    if (uri != "http://example.com/tree") return std::nullopt;
    return json(tree, "tree.json");
  }};
  Schema strict = compiled(schema2020(R"("$id": "http://example.com/strict-tree", "$dynamicAnchor": "node",
      "$ref": "tree", "unevaluatedProperties": false)"), options);
  EXPECT_TRUE(accepts(strict, R"({"children": [{"data": 2}]})"));
  EXPECT_FALSE(accepts(strict, R"({"children": [{"daat": 2}]})"));
  Errors errors = strict.validate(json(R"({"children": [5]})", "config.json"));
  ASSERT_EQ(errors.size(), 1u);
  // The remote tree checks the child (the strict tree has no "type" of its own).
  EXPECT_EQ(errors[0].message, "expected object, got integer 5 (type at tree.json#)");
}

TEST(SchemaDraft2020, DynamicRefBesideItsSiblingsCountsForUnevaluatedProperties) {
  Schema schema = compiled(schema2020(R"("$defs": {"a": {"properties": {"a": {"type": "integer"}}}},
      "$dynamicRef": "#/$defs/a", "properties": {"b": {}}, "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"a": 1, "b": 2})"));
  EXPECT_FALSE(accepts(schema, R"({"a": "x"})"));  // the $dynamicRef applies
  EXPECT_FALSE(accepts(schema, R"({"c": 1})"));
  Schema items = compiled(schema2020(R"("$defs": {"two": {"$dynamicAnchor": "two", "prefixItems": [{}, {}]}},
      "$dynamicRef": "#two", "unevaluatedItems": false)"));
  EXPECT_TRUE(accepts(items, "[1, 2]"));
  EXPECT_FALSE(accepts(items, "[1, 2, 3]"));
}

TEST(SchemaDraft2020, SelfRecursiveDynamicRefIsCutOff) {
  Schema loop = compiled(schema2020(R"("$dynamicAnchor": "n", "$dynamicRef": "#n")"));
  EXPECT_FALSE(accepts(loop, "1"));
  Errors errors = loop.validate(json("1", "config.json"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "the schema recurses too deeply for this value ($dynamicRef at #)");

  // Finite, but deeper than the limit: an error, not a stack overflow.
  Schema nested = compiled(schema2020(R"("$dynamicAnchor": "n", "properties": {"c": {"$dynamicRef": "#n"}})"));
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += R"({"c": )";
  deep += "{}" + std::string(1000, '}');
  Result<Document> document = parse(deep, Format::json, "deep.json", ParseOptions{.limits = {.max_depth = 2000}});
  ASSERT_TRUE(document) << document.error().to_string();
  EXPECT_FALSE(nested.is_valid(document->root));
  errors = nested.validate(*document);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("recurses too deeply for this value ($dynamicRef at "), std::string::npos) << errors[0].message;
  EXPECT_TRUE(accepts(nested, R"({"c": {"c": {}}})"));
}

TEST(SchemaDraft2020, DynamicRefCompileErrorsNameIt) {
  Result<Schema, Errors> missing = compile(schema2020(R"("$dynamicRef": "#missing")"));
  ASSERT_FALSE(missing);
  ASSERT_EQ(missing.error().size(), 1u);
  EXPECT_EQ(missing.error()[0].path, "$dynamicRef");
  EXPECT_NE(missing.error()[0].message.find("invalid schema: \"$dynamicRef\" \"#missing\" does not resolve to a schema"),
            std::string::npos)
      << missing.error()[0].message;
  Result<Schema, Errors> number = compile(schema2020(R"("$dynamicRef": 5)"));
  ASSERT_FALSE(number);
  EXPECT_NE(number.error()[0].message.find("\"$dynamicRef\" must be a string, got integer 5"), std::string::npos)
      << number.error()[0].message;
}

TEST(SchemaDraft2020, DynamicRefIsNoDraft07Keyword) {
  Schema schema = compiled(R"({"$dynamicRef": "#missing", "type": "integer"})");
  EXPECT_TRUE(accepts(schema, "1"));
  EXPECT_FALSE(accepts(schema, R"("a")"));
}

TEST(SchemaDraft2020, UnevaluatedPropertiesSeesPropertiesAndPatterns) {
  Schema schema = compiled(schema2020(R"("properties": {"a": {}}, "patternProperties": {"^x-": {}}, "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"a": 1, "x-b": 2})"));
  EXPECT_FALSE(accepts(schema, R"({"a": 1, "b": 2})"));
  Errors errors = schema.validate(json(R"({"a": 1, "b": 2})", "config.json"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "b");
  EXPECT_NE(errors[0].message.find("property \"b\" is not allowed"), std::string::npos) << errors[0].message;
}

TEST(SchemaDraft2020, UnevaluatedPropertiesWithASchemaChecksTheRest) {
  Schema schema = compiled(schema2020(R"("properties": {"a": {}}, "unevaluatedProperties": {"type": "string"})"));
  EXPECT_TRUE(accepts(schema, R"({"a": 1, "b": "x"})"));
  EXPECT_FALSE(accepts(schema, R"({"a": 1, "b": 2})"));
}

TEST(SchemaDraft2020, AdditionalPropertiesEvaluatesEverythingElse) {
  Schema schema = compiled(schema2020(R"("additionalProperties": {"type": "integer"}, "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"a": 1, "b": 2})"));
}

TEST(SchemaDraft2020, UnevaluatedPropertiesSeesThroughAllOf) {
  Schema schema = compiled(schema2020(
      R"("allOf": [{"properties": {"a": {}}}, {"allOf": [{"properties": {"b": {}}}]}], "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"a": 1, "b": 2})"));
  EXPECT_FALSE(accepts(schema, R"({"a": 1, "c": 3})"));
}

TEST(SchemaDraft2020, UnevaluatedPropertiesCountsOnlyMatchingAnyOfBranches) {
  Schema schema = compiled(schema2020(
      R"("anyOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"b": true}}], "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"a": "x", "b": 1})"));
  // The first branch fails (a is no string), so its "a" counts as unevaluated.
  EXPECT_FALSE(accepts(schema, R"({"a": 1, "b": 1})"));
}

TEST(SchemaDraft2020, UnevaluatedPropertiesCountsOneOfBranchThatMatched) {
  Schema schema = compiled(schema2020(
      R"("oneOf": [{"properties": {"a": {}}, "required": ["a"]}, {"properties": {"b": {}}, "required": ["b"]}], "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"b": 1})"));
  EXPECT_FALSE(accepts(schema, R"({"b": 1, "c": 1})"));
}

TEST(SchemaDraft2020, UnevaluatedPropertiesFollowsIfThenElse) {
  Schema schema = compiled(schema2020(R"(
      "if": {"properties": {"kind": {"const": "tcp"}}, "required": ["kind"]},
      "then": {"properties": {"port": {}}},
      "else": {"properties": {"path": {}}},
      "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"kind": "tcp", "port": 1})"));
  EXPECT_FALSE(accepts(schema, R"({"kind": "tcp", "path": "/x"})"));
  // "if" failed: its "kind" is not evaluated, and only "else" counts.
  EXPECT_TRUE(accepts(schema, R"({"path": "/x"})"));
  EXPECT_FALSE(accepts(schema, R"({"kind": "unix", "path": "/x"})"));
}

TEST(SchemaDraft2020, UnevaluatedPropertiesFollowsRef) {
  Schema schema = compiled(schema2020(R"("$defs": {"base": {"properties": {"a": {}}}}, "$ref": "#/$defs/base", "properties": {"b": {}}, "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"a": 1, "b": 2})"));
  EXPECT_FALSE(accepts(schema, R"({"a": 1, "c": 2})"));
}

TEST(SchemaDraft2020, UnevaluatedPropertiesFollowsDependentSchemas) {
  Schema schema = compiled(schema2020(R"("dependentSchemas": {"tls": {"properties": {"cert": {}}}}, "properties": {"tls": {}}, "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"tls": true, "cert": "c"})"));
  EXPECT_FALSE(accepts(schema, R"({"cert": "c"})"));
}

TEST(SchemaDraft2020, NestedUnevaluatedPropertiesEvaluatesForTheParent) {
  // The inner unevaluatedProperties accepts everything its schema left, so the outer sees them as evaluated.
  Schema schema = compiled(schema2020(R"("allOf": [{"properties": {"a": {}}, "unevaluatedProperties": true}], "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"a": 1, "z": 2})"));
  // Inner false: the inner schema itself rejects the extra property.
  Schema inner = compiled(schema2020(R"("properties": {"o": {"properties": {"a": {}}, "unevaluatedProperties": false}})"));
  EXPECT_TRUE(accepts(inner, R"({"o": {"a": 1}, "z": 1})"));
  EXPECT_FALSE(accepts(inner, R"({"o": {"a": 1, "z": 1}})"));
}

TEST(SchemaDraft2020, UnevaluatedPropertiesCannotSeeIntoSiblingSubschemas) {
  // The second allOf entry judges only by its own keywords: "foo" is evaluated by its sibling.
  Schema schema = compiled(schema2020(R"("allOf": [{"properties": {"foo": true}}, {"unevaluatedProperties": false}])"));
  EXPECT_FALSE(accepts(schema, R"({"foo": 1})"));
  EXPECT_TRUE(accepts(schema, R"({})"));
}

TEST(SchemaDraft2020, UnevaluatedItemsSeesContainsInSeveralSubschemas) {
  Schema schema = compiled(schema2020(
      R"("allOf": [{"contains": {"multipleOf": 2}}, {"contains": {"multipleOf": 3}}], "unevaluatedItems": {"multipleOf": 5})"));
  EXPECT_TRUE(accepts(schema, "[2, 3, 4, 5, 6]"));
  EXPECT_FALSE(accepts(schema, "[2, 3, 4, 7, 8]"));
}

TEST(SchemaDraft2020, TrueSubschemaEvaluatesNothing) {
  Schema schema = compiled(schema2020(R"("allOf": [true], "unevaluatedProperties": false)"));
  EXPECT_FALSE(accepts(schema, R"({"a": 1})"));
}

TEST(SchemaDraft2020, UnevaluatedPropertiesIgnoresNot) {
  Schema schema = compiled(schema2020(R"("not": {"not": {"properties": {"a": {}}}}, "unevaluatedProperties": false)"));
  EXPECT_FALSE(accepts(schema, R"({"a": 1})"));
  EXPECT_TRUE(accepts(schema, R"({})"));
}

TEST(SchemaDraft2020, UnevaluatedItemsSeesPrefixItemsAndItems) {
  Schema schema = compiled(schema2020(R"("prefixItems": [{}, {}], "unevaluatedItems": false)"));
  EXPECT_TRUE(accepts(schema, "[1, 2]"));
  EXPECT_FALSE(accepts(schema, "[1, 2, 3]"));
  Errors errors = schema.validate(json("[1, 2, 3]", "config.json"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "[2]");
  EXPECT_TRUE(accepts(compiled(schema2020(R"("items": {}, "unevaluatedItems": false)")), "[1, 2, 3]"));
}

TEST(SchemaDraft2020, UnevaluatedItemsWithASchemaChecksTheRest) {
  Schema schema = compiled(schema2020(R"("prefixItems": [{"type": "string"}], "unevaluatedItems": {"type": "integer"})"));
  EXPECT_TRUE(accepts(schema, R"(["a", 1, 2])"));
  EXPECT_FALSE(accepts(schema, R"(["a", 1, "b"])"));
}

TEST(SchemaDraft2020, UnevaluatedItemsSeesContains) {
  Schema schema = compiled(schema2020(R"("contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"})"));
  EXPECT_TRUE(accepts(schema, R"(["a", 1, "b"])"));
  EXPECT_FALSE(accepts(schema, R"(["a", true])"));
}

TEST(SchemaDraft2020, UnevaluatedItemsSeesThroughAllOfAnyOfIfAndRef) {
  Schema all_of = compiled(schema2020(R"("allOf": [{"prefixItems": [{}, {}]}], "unevaluatedItems": false)"));
  EXPECT_TRUE(accepts(all_of, "[1, 2]"));
  EXPECT_FALSE(accepts(all_of, "[1, 2, 3]"));

  Schema any_of = compiled(schema2020(
      R"("anyOf": [{"prefixItems": [{"const": "long"}, {}, {}]}, {"prefixItems": [{}]}], "unevaluatedItems": false)"));
  EXPECT_TRUE(accepts(any_of, R"(["long", 2, 3])"));
  EXPECT_FALSE(accepts(any_of, R"(["short", 2, 3])"));

  Schema conditional = compiled(schema2020(
      R"("if": {"prefixItems": [{"const": "pair"}]}, "then": {"prefixItems": [{}, {}]}, "unevaluatedItems": false)"));
  EXPECT_TRUE(accepts(conditional, R"(["pair", 2])"));
  EXPECT_FALSE(accepts(conditional, R"(["pair", 2, 3])"));
  EXPECT_FALSE(accepts(conditional, R"(["single"])"));

  Schema ref = compiled(schema2020(R"("$defs": {"two": {"prefixItems": [{}, {}]}}, "$ref": "#/$defs/two", "unevaluatedItems": false)"));
  EXPECT_TRUE(accepts(ref, "[1, 2]"));
  EXPECT_FALSE(accepts(ref, "[1, 2, 3]"));
}

TEST(SchemaDraft2020, NestedUnevaluatedItems) {
  Schema schema = compiled(schema2020(R"("items": {"prefixItems": [{}], "unevaluatedItems": false})"));
  EXPECT_TRUE(accepts(schema, "[[1], [2]]"));
  Errors errors = schema.validate(json("[[1], [2, 3]]", "config.json"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "[1][1]");
}

TEST(SchemaDraft2020, RecursiveRefWithUnevaluatedPropertiesEnds) {
  Schema schema = compiled(schema2020(R"("properties": {"child": {"$ref": "#"}, "v": {}}, "unevaluatedProperties": false)"));
  EXPECT_TRUE(accepts(schema, R"({"v": 1, "child": {"v": 2, "child": {}}})"));
  EXPECT_FALSE(accepts(schema, R"({"child": {"child": {"x": 1}}})"));
}

// 2020-12 Core 8.2.1 and 9.2: a subschema with its own "$id" is a resource; a relative reference
// inside it resolves against that "$id", not the document's.
TEST(SchemaDraft2020, RelativeRefInsideAnEmbeddedResourceResolvesAgainstItsId) {
  Schema schema = compiled(schema2020(R"("$id": "http://example.com/root.json",
      "$ref": "nested/a.json",
      "$defs": {
        "a": {"$id": "nested/a.json", "$ref": "b.json"},
        "b": {"$id": "nested/b.json", "$ref": "#/$defs/inner", "$defs": {"inner": {"type": "integer"}}},
        "decoy": {"$id": "b.json", "type": "string"}
      })"));
  EXPECT_TRUE(accepts(schema, "1"));
  EXPECT_FALSE(accepts(schema, R"("a")"));
}

TEST(SchemaDraft2020, AbsolutePathRefResolvesAgainstTheHost) {
  Schema schema = compiled(schema2020(R"("$id": "http://example.com/ref/absref.json",
      "$defs": {"a": {"$id": "http://example.com/ref/absref/foobar.json", "type": "number"},
                "b": {"$id": "http://example.com/absref/foobar.json", "type": "string"}},
      "$ref": "/absref/foobar.json")"));
  EXPECT_TRUE(accepts(schema, R"("a")"));
  EXPECT_FALSE(accepts(schema, "1"));
}

TEST(SchemaDraft2020, UrnIdIsAnEmbeddedResourceWithItsOwnPointers) {
  Schema schema = compiled(schema2020(R"("$ref": "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed",
      "$defs": {"x": {"$id": "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed",
                      "$defs": {"y": {"type": "string"}}, "$ref": "#/$defs/y"}})"));
  EXPECT_TRUE(accepts(schema, R"("a")"));
  EXPECT_FALSE(accepts(schema, "1"));
}

SchemaOptions serving(std::string uri, std::string text) {
  return SchemaOptions{.resolve_remote = [uri = std::move(uri), text = std::move(text)](std::string_view wanted) -> std::optional<Document> {
    if (wanted != uri) return std::nullopt;
    return json(text, "remote.json");
  }};
}

TEST(SchemaDraft2020, AnchorInARemoteDocumentLoadsTheDocument) {
  SchemaOptions options = serving("http://example.com/anchors.json", std::string("{") + k2020 + R"(
      "$defs": {"A": {"$anchor": "port", "type": "integer", "maximum": 65535}}})");
  Schema schema = compiled(schema2020(R"("$ref": "http://example.com/anchors.json#port")"), options);
  EXPECT_TRUE(accepts(schema, "8080"));
  EXPECT_FALSE(accepts(schema, "70000"));
  Result<Schema, Errors> missing = compile(schema2020(R"("$ref": "http://example.com/anchors.json#nothing")"), options);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error()[0].message.find("\"$ref\" \"http://example.com/anchors.json#nothing\" does not resolve to a schema"),
            std::string::npos)
      << missing.error()[0].message;
}

TEST(SchemaDraft2020, NestedAbsoluteIdInARemoteDocumentResolves) {
  // The remote document has no "$schema": it is read in the dialect of the schema that refers to it.
  SchemaOptions options = serving("http://example.com/outer.json", R"({"$defs": {"bar": {"$id": "http://example.com/inner.json",
      "type": "string"}}, "$ref": "http://example.com/inner.json"})");
  Schema schema = compiled(schema2020(R"("$ref": "http://example.com/outer.json")"), options);
  EXPECT_TRUE(accepts(schema, R"("a")"));
  EXPECT_FALSE(accepts(schema, "1"));
  // From a draft-07 schema the same document is draft-07, which has no "$defs": the "$id" in
  // there names nothing, and the reference to it does not resolve.
  EXPECT_FALSE(compile(R"({"$ref": "http://example.com/outer.json"})", options));
}

}  // namespace
}  // namespace hotreload
