#include "hotreload/schema.hpp"

#include <gtest/gtest.h>

#include <string>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

Schema compile_yaml(const std::string& text) {
  Result<Document> document = parse(text, Format::yaml, "schema.yaml", ParseOptions{.require_object = false});
  EXPECT_TRUE(document.has_value()) << document.error().to_string();
  Result<Schema, Errors> schema = Schema::compile(*document);
  EXPECT_TRUE(schema.has_value()) << to_string(schema.error());
  return std::move(schema).value();
}

Document instance_yaml(const std::string& text) {
  Result<Document> document = parse(text, Format::yaml, "config.yaml", ParseOptions{.require_object = false});
  EXPECT_TRUE(document.has_value()) << document.error().to_string();
  return std::move(document).value();
}

std::vector<std::string> messages(const Errors& errors) {
  std::vector<std::string> out;
  for (const Error& error : errors) out.push_back(error.to_string());
  return out;
}

const char* kServerSchema = R"(
type: object
required: [host, port]
properties:
  host: {type: string, pattern: "^[a-z.]+$"}
  port: {type: integer, minimum: 1, maximum: 65535}
  mode: {enum: [debug, release]}
additionalProperties: false
)";

TEST(Schema, ValidDocumentHasNoErrors) {
  Schema schema = compile_yaml(kServerSchema);
  Document config = instance_yaml("host: example.com\nport: 8080\nmode: debug\n");
  EXPECT_TRUE(schema.validate(config).empty());
  EXPECT_TRUE(schema.is_valid(config.root));
}

TEST(Schema, MaximumReportsPosition) {
  Schema schema = compile_yaml(kServerSchema);
  Document config = instance_yaml("host: example.com\nport: 70000\n");
  Errors errors = schema.validate(config);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, ErrorCode::validation);
  EXPECT_EQ(errors[0].path, "port");
  EXPECT_EQ(errors[0].location, (SourceLocation{"config.yaml", 2, 7}));
  EXPECT_EQ(errors[0].to_string(), "config.yaml:2:7: port: 70000 is greater than the maximum 65535 (maximum at #/properties/port)");
  EXPECT_FALSE(schema.is_valid(config.root));
}

TEST(Schema, NestedPathIsDotted) {
  Schema schema = compile_yaml("properties:\n  server:\n    properties:\n      port: {maximum: 65535}\n");
  Document config = instance_yaml("server:\n  host: a\n  port: 70000\n");
  EXPECT_EQ(messages(schema.validate(config)),
            std::vector<std::string>{"config.yaml:3:9: server.port: 70000 is greater than the maximum 65535 "
                                     "(maximum at #/properties/server/properties/port)"});
}

TEST(Schema, TypeReportsExpectedAndActual) {
  Schema schema = compile_yaml(kServerSchema);
  Document config = instance_yaml("host: example.com\nport: ten\n");
  EXPECT_EQ(messages(schema.validate(config)),
            std::vector<std::string>{"config.yaml:2:7: port: expected integer, got string \"ten\" (type at #/properties/port)"});
}

TEST(Schema, TypeListNamesEveryType) {
  Schema schema = compile_yaml("type: [string, 'null']\n");
  Document config = instance_yaml("a: 1\n");
  EXPECT_EQ(messages(schema.validate(config)),
            std::vector<std::string>{"config.yaml:1:1: expected one of null, string, got object {\"a\":1} (type at #)"});
}

TEST(Schema, RequiredNamesTheMissingProperty) {
  Schema schema = compile_yaml(kServerSchema);
  Document config = instance_yaml("port: 80\n");
  EXPECT_EQ(messages(schema.validate(config)),
            std::vector<std::string>{"config.yaml:1:1: missing required property \"host\" (required at #)"});
}

TEST(Schema, EnumListsAllowedValues) {
  Schema schema = compile_yaml(kServerSchema);
  Document config = instance_yaml("host: a\nport: 80\nmode: fast\n");
  EXPECT_EQ(messages(schema.validate(config)),
            std::vector<std::string>{"config.yaml:3:7: mode: \"fast\" is not one of [\"debug\",\"release\"] (enum at #/properties/mode)"});
}

TEST(Schema, PatternQuotesThePattern) {
  Schema schema = compile_yaml(kServerSchema);
  Document config = instance_yaml("host: Example\nport: 80\n");
  EXPECT_EQ(messages(schema.validate(config)),
            std::vector<std::string>{"config.yaml:1:7: host: \"Example\" does not match the pattern \"^[a-z.]+$\" (pattern at #/properties/host)"});
}

TEST(Schema, AdditionalPropertyIsNamed) {
  Schema schema = compile_yaml(kServerSchema);
  Document config = instance_yaml("host: a\nport: 80\nextra: 1\n");
  EXPECT_EQ(messages(schema.validate(config)),
            std::vector<std::string>{"config.yaml:3:8: extra: property \"extra\" is not allowed (additionalProperties at #)"});
}

TEST(Schema, ReportsAllErrorsInDocumentOrder) {
  Schema schema = compile_yaml(kServerSchema);
  Document config = instance_yaml("mode: fast\nextra: true\nport: 0\nhost: UPPER\n");
  EXPECT_EQ(messages(schema.validate(config)),
            (std::vector<std::string>{
                "config.yaml:1:7: mode: \"fast\" is not one of [\"debug\",\"release\"] (enum at #/properties/mode)",
                "config.yaml:2:8: extra: property \"extra\" is not allowed (additionalProperties at #)",
                "config.yaml:3:7: port: 0 is less than the minimum 1 (minimum at #/properties/port)",
                "config.yaml:4:7: host: \"UPPER\" does not match the pattern \"^[a-z.]+$\" (pattern at #/properties/host)",
            }));
}

TEST(Schema, ErrorNamesKeywordAndSchemaLocation) {
  Schema schema = compile_yaml("properties:\n  server:\n    properties:\n      port: {type: integer, maximum: 65535}\n");
  Document config = instance_yaml("# the service\nname: api\n\n\n\n\nserver:\n  port:      70000\n");
  Errors errors = schema.validate(config);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(),
            "config.yaml:8:14: server.port: 70000 is greater than the maximum 65535 (maximum at #/properties/server/properties/port)");
  EXPECT_EQ(errors[0].path, "server.port");
}

TEST(Schema, ThreeErrorsInDifferentPlacesComeInDocumentOrder) {
  // The walk meets "limits" (an array under a $ref) and the root's own "required" in another order
  // than the document has them.
  Schema schema = compile_yaml(R"(
definitions:
  positive: {minimum: 1}
required: [name]
properties:
  log_level: {enum: [debug, info]}
  a/b~c: {type: string}
  limits: {type: array, items: {$ref: '#/definitions/positive'}}
)");
  Document config = instance_yaml("log_level: loud\nlimits:\n  - 3\n  - -5\na/b~c: 1\n");
  EXPECT_EQ(messages(schema.validate(config)),
            (std::vector<std::string>{
                "config.yaml:1:1: missing required property \"name\" (required at #)",
                "config.yaml:1:12: log_level: \"loud\" is not one of [\"debug\",\"info\"] (enum at #/properties/log_level)",
                "config.yaml:4:5: limits[1]: -5 is less than the minimum 1 (minimum at #/definitions/positive)",
                "config.yaml:5:8: a/b~c: expected string, got integer 1 (type at #/properties/a~1b~0c)",
            }));
}

TEST(Schema, RemoteSchemaLocationNamesItsFile) {
  Result<Document> document = parse(R"({"properties": {"port": {"$ref": "http://example.com/port.json"}}})", Format::json, "schema.json");
  ASSERT_TRUE(document);
  SchemaOptions options{.resolve_remote = [](std::string_view uri) -> std::optional<Document> {
    if (uri != "http://example.com/port.json") return std::nullopt;
    Result<Document> remote = parse(R"({"maximum": 10})", Format::json, "port.json");
    return remote ? std::optional<Document>(std::move(*remote)) : std::nullopt;
  }};
  Result<Schema, Errors> schema = Schema::compile(*document, options);
  ASSERT_TRUE(schema) << to_string(schema.error());
  Errors errors = schema->validate(instance_yaml("port: 11\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "11 is greater than the maximum 10 (maximum at port.json#)");
}

TEST(Schema, ParentErrorsComeBeforeChildErrors) {
  Schema schema = compile_yaml("properties:\n  a: {type: string}\nanyOf: [{required: [x]}, {required: [y]}]\n");
  Document config = instance_yaml("a: 1\n");
  EXPECT_EQ(messages(schema.validate(config)),
            (std::vector<std::string>{
                "config.yaml:1:1: {\"a\":1} matches none of the schemas in \"anyOf\" (anyOf at #)",
                "config.yaml:1:4: a: expected string, got integer 1 (type at #/properties/a)",
            }));
}

TEST(Schema, IntegerValuedDoubleIsAnInteger) {
  Schema schema = compile_yaml("type: integer\nenum: [1, 2]\n");
  EXPECT_TRUE(schema.is_valid(Value(1.0)));
  EXPECT_FALSE(schema.is_valid(Value(1.5)));
}

TEST(Schema, LengthCountsCodePoints) {
  Schema schema = compile_yaml("maxLength: 2\n");
  EXPECT_TRUE(schema.is_valid(Value("\xc3\xa9\xc3\xa9")));  // two code points, four bytes
  EXPECT_FALSE(schema.is_valid(Value("abc")));
}

TEST(Schema, InvalidTypeKeywordIsRejectedWithPosition) {
  Result<Document> document = parse("properties:\n  port:\n    type: 5\n", Format::yaml, "schema.yaml");
  ASSERT_TRUE(document.has_value());
  Result<Schema, Errors> schema = Schema::compile(*document);
  ASSERT_FALSE(schema.has_value());
  EXPECT_EQ(messages(schema.error()),
            std::vector<std::string>{"schema.yaml:3:11: properties.port.type: invalid schema: \"type\" must be a type "
                                     "name or an array of type names, got integer 5"});
}

TEST(Schema, BadRegexIsRejectedWithPosition) {
  Result<Document> document = parse("pattern: \"(unclosed\"\n", Format::yaml, "schema.yaml");
  ASSERT_TRUE(document.has_value());
  Result<Schema, Errors> schema = Schema::compile(*document);
  ASSERT_FALSE(schema.has_value());
  ASSERT_EQ(schema.error().size(), 1u);
  EXPECT_EQ(schema.error()[0].location, (SourceLocation{"schema.yaml", 1, 10}));
  EXPECT_EQ(schema.error()[0].path, "pattern");
}

TEST(Schema, UnresolvableRefIsRejected) {
  Result<Document> document = parse("$ref: '#/definitions/missing'\n", Format::yaml, "schema.yaml");
  ASSERT_TRUE(document.has_value());
  Result<Schema, Errors> schema = Schema::compile(*document);
  ASSERT_FALSE(schema.has_value());
  EXPECT_EQ(messages(schema.error()),
            std::vector<std::string>{"schema.yaml:1:7: $ref: invalid schema: \"$ref\" \"#/definitions/missing\" does not "
                                     "resolve to a schema"});
}

TEST(Schema, RecursiveRefValidatesNestedValues) {
  Schema schema = compile_yaml(
      "definitions:\n  node:\n    type: object\n    properties:\n      child: {$ref: '#/definitions/node'}\n"
      "      v: {type: integer}\n$ref: '#/definitions/node'\n");
  Document config = instance_yaml("child:\n  child:\n    v: x\n");
  EXPECT_EQ(messages(schema.validate(config)),
            std::vector<std::string>{"config.yaml:3:8: child.child.v: expected integer, got string \"x\" "
                                     "(type at #/definitions/node/properties/v)"});
}

TEST(Schema, LoadReportsMissingFile) {
  Result<Schema, Errors> schema = Schema::load("/nonexistent/schema.json");
  ASSERT_FALSE(schema.has_value());
  EXPECT_EQ(schema.error().at(0).code, ErrorCode::io);
}

}  // namespace
}  // namespace hotreload
