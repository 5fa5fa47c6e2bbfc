// The official meta-schemas are built in, and a custom meta-schema's "$vocabulary" decides which
// 2020-12 vocabularies apply (2020-12 Core 8.1.2): written from the specification.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "hotreload/document.hpp"
#include "hotreload/schema.hpp"

namespace hotreload {
namespace {

Document json(std::string_view text, const char* name) {
  Result<Document> document = parse(text, Format::json, name, ParseOptions{.require_object = false});
  EXPECT_TRUE(document) << document.error().to_string();
  return document ? std::move(*document) : Document{};
}

Result<Schema, Errors> compile(std::string_view text, const SchemaOptions& options = {}) {
  return Schema::compile(json(text, "schema.json"), options);
}

Schema compiled(std::string_view text, const SchemaOptions& options = {}) {
  Result<Schema, Errors> schema = compile(text, options);
  EXPECT_TRUE(schema) << to_string(schema.error());
  return std::move(schema).value();
}

bool accepts(const Schema& schema, std::string_view instance) {
  Document document = json(instance, "instance.json");
  const bool valid = schema.is_valid(document.root);
  EXPECT_EQ(valid, schema.validate(document).empty()) << instance;
  return valid;
}

// Serves documents by URI, as a resolver on a web server would.
SchemaOptions serving(std::map<std::string, std::string> documents) {
  return SchemaOptions{.resolve_remote = [documents = std::move(documents)](std::string_view uri) -> std::optional<Document> {
    auto it = documents.find(std::string(uri));
    if (it == documents.end()) return std::nullopt;
    return json(it->second, "meta.json");
  }};
}

// A custom 2020-12 meta-schema that declares `vocabularies` (members of "$vocabulary").
std::string custom_metaschema(const std::string& id, const std::string& vocabularies) {
  return R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": ")" + id + R"(",
             "$vocabulary": {)" + vocabularies + R"(}})";
}

constexpr const char* kCore = R"("https://json-schema.org/draft/2020-12/vocab/core": true)";

TEST(SchemaMetaSchema, Draft2020MetaSchemaResolvesWithoutAResolver) {
  Schema meta = compiled(R"({"$ref": "https://json-schema.org/draft/2020-12/schema"})");
  EXPECT_TRUE(accepts(meta, R"({"type": "string", "minLength": 1, "prefixItems": [true], "$defs": {"a": {"maximum": 3}}})"));
  EXPECT_TRUE(accepts(meta, "true"));
  EXPECT_FALSE(accepts(meta, R"({"type": 5})"));
  EXPECT_FALSE(accepts(meta, R"({"minLength": -1})"));
  EXPECT_FALSE(accepts(meta, "42"));
  // Subschemas are checked through the vocabulary meta-schemas' "$dynamicRef": "#meta".
  EXPECT_FALSE(accepts(meta, R"({"$defs": {"a": {"maximum": "three"}}})"));
  EXPECT_FALSE(accepts(meta, R"({"properties": {"a": {"required": "yes"}}})"));
  EXPECT_FALSE(accepts(meta, R"({"$anchor": "not an anchor"})"));
}

TEST(SchemaMetaSchema, VocabularyMetaSchemasResolveWithoutAResolver) {
  Schema validation = compiled(R"({"$ref": "https://json-schema.org/draft/2020-12/meta/validation"})");
  EXPECT_FALSE(accepts(validation, R"({"maxLength": -1})"));
  EXPECT_TRUE(accepts(validation, R"({"properties": 5})"));  // an applicator keyword: not this vocabulary's
  Schema applicator = compiled(R"({"$ref": "https://json-schema.org/draft/2020-12/meta/applicator"})");
  EXPECT_FALSE(accepts(applicator, R"({"properties": 5})"));
  for (const char* name : {"core", "unevaluated", "meta-data", "format-annotation", "format-assertion", "content"}) {
    Schema meta = compiled(R"({"$ref": "https://json-schema.org/draft/2020-12/meta/)" + std::string(name) + "\"}");
    EXPECT_TRUE(accepts(meta, "{}")) << name;
    EXPECT_FALSE(accepts(meta, "[]")) << name;
  }
}

TEST(SchemaMetaSchema, Draft07MetaSchemaResolvesWithoutAResolver) {
  Schema meta = compiled(R"({"$ref": "http://json-schema.org/draft-07/schema#"})");
  EXPECT_TRUE(accepts(meta, R"({"items": [{"type": "string"}]})"));
  EXPECT_FALSE(accepts(meta, R"({"items": [{"type": 5}]})"));
}

TEST(SchemaMetaSchema, ADocumentOfAnotherDialectKeepsItsOwn) {
  // A draft-07 schema may $ref the 2020-12 meta-schema: each document is read in its own dialect.
  Schema meta = compiled(R"({"$schema": "http://json-schema.org/draft-07/schema#",
                             "$ref": "https://json-schema.org/draft/2020-12/schema"})");
  EXPECT_FALSE(accepts(meta, R"({"prefixItems": [5]})"));
}

TEST(SchemaMetaSchema, CustomMetaSchemaWithoutValidationVocabularyIgnoresItsKeywords) {
  SchemaOptions options = serving({{"http://example.com/no-validation",
                                    custom_metaschema("http://example.com/no-validation",
                                                      std::string(kCore) + R"(, "https://json-schema.org/draft/2020-12/vocab/applicator": true)")}});
  Schema schema = compiled(R"({"$schema": "http://example.com/no-validation",
                               "properties": {"forbidden": false, "port": {"type": "integer", "minimum": 10}}})", options);
  EXPECT_FALSE(accepts(schema, R"({"forbidden": 1})"));  // applicator: on
  EXPECT_TRUE(accepts(schema, R"({"port": 1})"));        // validation: off
  EXPECT_TRUE(accepts(schema, R"({"port": "ten"})"));
}

TEST(SchemaMetaSchema, CustomMetaSchemaWithoutApplicatorVocabularyIgnoresItsKeywords) {
  SchemaOptions options = serving({{"http://example.com/flat",
                                    custom_metaschema("http://example.com/flat",
                                                      std::string(kCore) + R"(, "https://json-schema.org/draft/2020-12/vocab/validation": true)")}});
  Schema schema = compiled(R"({"$schema": "http://example.com/flat", "type": "object",
                               "properties": {"a": false}, "allOf": [false], "unevaluatedProperties": false})", options);
  EXPECT_TRUE(accepts(schema, R"({"a": 1})"));
  EXPECT_FALSE(accepts(schema, "[]"));
}

TEST(SchemaMetaSchema, UnknownOptionalVocabularyIsIgnored) {
  SchemaOptions options = serving({{"http://example.com/optional",
                                    custom_metaschema("http://example.com/optional",
                                                      std::string(kCore) + R"(, "https://json-schema.org/draft/2020-12/vocab/validation": true,
                                                         "http://example.com/vocab/custom": false)")}});
  Schema schema = compiled(R"({"$schema": "http://example.com/optional", "type": "number"})", options);
  EXPECT_TRUE(accepts(schema, "20"));
  EXPECT_FALSE(accepts(schema, R"("twenty")"));
}

TEST(SchemaMetaSchema, UnknownRequiredVocabularyIsACompileErrorNamingIt) {
  SchemaOptions options = serving({{"http://example.com/required",
                                    custom_metaschema("http://example.com/required",
                                                      std::string(kCore) + R"(, "http://example.com/vocab/custom": true)")}});
  Result<Schema, Errors> schema = compile(R"({"$schema": "http://example.com/required", "type": "number"})", options);
  ASSERT_FALSE(schema);
  ASSERT_EQ(schema.error().size(), 1u);
  EXPECT_EQ(schema.error()[0].location, (SourceLocation{"schema.json", 1, 13}));
  EXPECT_EQ(schema.error()[0].path, "$schema");
  EXPECT_EQ(schema.error()[0].message,
            "invalid schema: \"$schema\" \"http://example.com/required\" requires the vocabulary "
            "\"http://example.com/vocab/custom\", which hotreload does not know");
}

TEST(SchemaMetaSchema, MetaSchemaThatDoesNotResolveIsACompileErrorNamingIt) {
  Result<Schema, Errors> schema = compile(R"({"$schema": "http://example.com/nowhere"})");
  ASSERT_FALSE(schema);
  ASSERT_EQ(schema.error().size(), 1u);
  EXPECT_EQ(schema.error()[0].message.rfind("invalid schema: unknown \"$schema\" \"http://example.com/nowhere\": supported are", 0), 0u)
      << schema.error()[0].message;
}

TEST(SchemaMetaSchema, MetaSchemaWithABrokenSchemaOfItsOwnIsACompileError) {
  SchemaOptions options = serving({{"http://example.com/meta", R"({"$schema": "http://example.com/nowhere", "$id": "http://example.com/meta"})"}});
  Result<Schema, Errors> schema = compile(R"({"$schema": "http://example.com/meta"})", options);
  ASSERT_FALSE(schema);
  const std::string expected =
      "invalid schema: \"$schema\" \"http://example.com/meta\": its meta-schema's unknown \"$schema\" \"http://example.com/nowhere\": ";
  EXPECT_EQ(schema.error()[0].message.rfind(expected, 0), 0u) << schema.error()[0].message;
}

TEST(SchemaMetaSchema, MetaSchemaThatDescribesItselfIsA2020Dialect) {
  SchemaOptions options = serving({{"http://example.com/self", R"({"$schema": "http://example.com/self", "$id": "http://example.com/self",
      "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                      "https://json-schema.org/draft/2020-12/vocab/applicator": true}})"}});
  Schema schema = compiled(R"({"$schema": "http://example.com/self", "prefixItems": [false], "maxItems": 0})", options);
  EXPECT_FALSE(accepts(schema, "[1]"));     // prefixItems: a 2020-12 applicator
  EXPECT_TRUE(accepts(schema, "[]"));
}

TEST(SchemaMetaSchema, FormatAssertionVocabularyMakesFormatAssert) {
  const std::string vocabularies = std::string(kCore) + R"(, "https://json-schema.org/draft/2020-12/vocab/format-assertion": false)";
  SchemaOptions options = serving({{"http://example.com/formats", custom_metaschema("http://example.com/formats", vocabularies)}});
  Schema schema = compiled(R"({"$schema": "http://example.com/formats", "format": "ipv4"})", options);
  EXPECT_TRUE(accepts(schema, R"("127.0.0.1")"));
  EXPECT_FALSE(accepts(schema, R"("not-an-ipv4")"));
  options.assert_formats = false;  // the option still wins
  EXPECT_TRUE(accepts(compiled(R"({"$schema": "http://example.com/formats", "format": "ipv4"})", options), R"("not-an-ipv4")"));
}

}  // namespace
}  // namespace hotreload
