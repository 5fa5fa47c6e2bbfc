// schema_field_rules: x-reload and x-secret in a schema become FieldRules patterns.
#include "hotreload/schema_rules.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using Kind = SchemaFieldRule::Kind;

Document schema_of(std::string_view yaml) {
  auto doc = parse(yaml, Format::yaml, "schema.yaml", ParseOptions{.require_object = false});
  EXPECT_TRUE(doc) << doc.error().to_string();
  return doc ? std::move(*doc) : Document{};
}

// "pattern kind file:line:col" per rule, for one readable comparison.
std::vector<std::string> described(const std::vector<SchemaFieldRule>& rules) {
  std::vector<std::string> out;
  for (const SchemaFieldRule& rule : rules) {
    const char* kind = rule.kind == Kind::dynamic ? "dynamic" : rule.kind == Kind::restart ? "restart" : "secret";
    out.push_back(rule.pattern + " " + kind + " " + rule.location.to_string());
  }
  return out;
}

std::vector<std::string> rules_of(std::string_view yaml) {
  auto rules = schema_field_rules(schema_of(yaml));
  EXPECT_TRUE(rules) << to_string(rules.error());
  return rules ? described(*rules) : std::vector<std::string>{};
}

Errors errors_of(std::string_view yaml) {
  auto rules = schema_field_rules(schema_of(yaml));
  EXPECT_FALSE(rules) << "expected errors";
  return rules ? Errors{} : rules.error();
}

TEST(SchemaFieldRules, NestedPropertiesDeclareTheirPaths) {
  EXPECT_EQ(rules_of("type: object\n"
                     "properties:\n"
                     "  server:\n"
                     "    x-reload: restart\n"
                     "    properties:\n"
                     "      port: {type: integer}\n"
                     "  database:\n"
                     "    properties:\n"
                     "      password: {type: string, x-secret: true}\n"
                     "      pool: {x-reload: dynamic, x-secret: false}\n"
                     "  \"a.b\": {x-secret: true}\n"),
            (std::vector<std::string>{"server restart schema.yaml:4:15", "database.password secret schema.yaml:9:42",
                                      "database.pool dynamic schema.yaml:10:24", "[\"a.b\"] secret schema.yaml:11:21"}));
}

TEST(SchemaFieldRules, MapsAndArraysBecomeWildcardsAndIndexes) {
  EXPECT_EQ(rules_of("properties:\n"
                     "  labels: {additionalProperties: {x-secret: true}}\n"
                     "  tokens: {patternProperties: {'^t': {x-secret: true}}}\n"
                     "  servers: {items: {properties: {tls: {x-reload: restart}}}}\n"
                     "  pair: {items: [{x-reload: dynamic}], additionalItems: {x-reload: restart}}\n"
                     "  tuple: {prefixItems: [true, {x-secret: true}]}\n"
                     "  any: {contains: {x-secret: true}}\n"),
            (std::vector<std::string>{"labels.* secret schema.yaml:2:45", "tokens.* secret schema.yaml:3:49",
                                      "servers[*].tls restart schema.yaml:4:50", "pair[0] dynamic schema.yaml:5:29",
                                      "pair[*] restart schema.yaml:5:68", "tuple[1] secret schema.yaml:6:42",
                                      "any[*] secret schema.yaml:7:30"}));
}

TEST(SchemaFieldRules, BranchesAndConditionsDescribeTheSameValue) {
  EXPECT_EQ(rules_of("allOf: [{properties: {a: {x-secret: true}}}]\n"
                     "anyOf: [{properties: {b: {x-reload: restart}}}, {properties: {b: {x-reload: restart}}}]\n"
                     "oneOf: [{properties: {c: {x-secret: true}}}]\n"
                     "if: {properties: {d: {x-secret: true}}}\n"
                     "then: {properties: {e: {x-secret: true}}}\n"
                     "else: {properties: {f: {x-secret: true}}}\n"
                     "dependencies: {g: {properties: {h: {x-secret: true}}}, i: [j]}\n"
                     "not: {properties: {k: {x-secret: true}}}\n"
                     "propertyNames: {x-secret: true}\n"),
            (std::vector<std::string>{"d secret schema.yaml:4:33", "e secret schema.yaml:5:35", "f secret schema.yaml:6:35",
                                      "a secret schema.yaml:1:37", "b restart schema.yaml:2:37", "c secret schema.yaml:3:37",
                                      "h secret schema.yaml:7:47"}));
}

TEST(SchemaFieldRules, LocalRefsAreFollowedAndKeywordsBesideThemRead) {
  EXPECT_EQ(rules_of("definitions:\n"
                     "  credentials:\n"
                     "    properties:\n"
                     "      password: {x-secret: true}\n"
                     "  name: {type: string}\n"
                     "$defs:\n"
                     "  endpoint: {x-reload: restart}\n"
                     "properties:\n"
                     "  database: {$ref: '#/definitions/credentials'}\n"
                     "  cache: {$ref: '#/definitions/credentials'}\n"
                     "  upstream: {$ref: '#/$defs/endpoint'}\n"
                     "  api_key: {$ref: '#/definitions/name', x-secret: true}\n"),
            (std::vector<std::string>{"database.password secret schema.yaml:4:28", "cache.password secret schema.yaml:4:28",
                                      "upstream restart schema.yaml:7:24", "api_key secret schema.yaml:12:51"}));
}

// 2020-12: a $dynamicRef declares what its static target declares; in draft-07 it is not a
// keyword, so nothing is followed.
TEST(SchemaFieldRules, DynamicRefsAreFollowedToTheirStaticTargetIn2020) {
  constexpr std::string_view kSchema =
      "$defs:\n"
      "  credentials:\n"
      "    $dynamicAnchor: credentials\n"
      "    properties:\n"
      "      password: {x-secret: true}\n"
      "properties:\n"
      "  database: {$dynamicRef: '#credentials'}\n";
  EXPECT_EQ(rules_of("$schema: https://json-schema.org/draft/2020-12/schema\n" + std::string(kSchema)),
            (std::vector<std::string>{"database.password secret schema.yaml:6:28"}));
  EXPECT_EQ(rules_of(kSchema), std::vector<std::string>{});
}

TEST(SchemaFieldRules, ARecursiveRefIsExpandedFourLevelsDeep) {
  auto rules = rules_of("definitions:\n"
                        "  node:\n"
                        "    properties:\n"
                        "      token: {x-secret: true}\n"
                        "      children: {items: {$ref: '#/definitions/node'}}\n"
                        "$ref: '#/definitions/node'\n");
  EXPECT_EQ(rules, (std::vector<std::string>{"token secret schema.yaml:4:25", "children[*].token secret schema.yaml:4:25",
                                             "children[*].children[*].token secret schema.yaml:4:25",
                                             "children[*].children[*].children[*].token secret schema.yaml:4:25"}));
}

TEST(SchemaFieldRules, ARecursiveSchemaWithoutDeclarationsIsNotExpanded) {
  // The draft-07 meta-schema refers to itself everywhere; expanding it would take forever.
  EXPECT_EQ(rules_of("properties:\n"
                     "  schema: {$ref: 'http://json-schema.org/draft-07/schema#'}\n"
                     "  tree: {properties: {next: {$ref: '#/properties/tree'}}}\n"
                     "  key: {x-secret: true}\n"),
            (std::vector<std::string>{"key secret schema.yaml:4:19"}));
}

TEST(SchemaFieldRules, ADeclarationOnTheRootCoversEveryTopLevelKey) {
  EXPECT_EQ(rules_of("x-reload: restart\nproperties:\n  a: {x-reload: dynamic}\n"),
            (std::vector<std::string>{"* restart schema.yaml:1:11", "a dynamic schema.yaml:3:17"}));
  EXPECT_EQ(rules_of("true"), std::vector<std::string>{});
}

TEST(SchemaFieldRules, RefsIntoAnotherDocumentAreFollowedThroughTheResolver) {
  testing::TempDir dir;
  dir.write("common.json", "{\n  \"definitions\": {\"secret\": {\"type\": \"string\", \"x-secret\": true}}\n}\n");
  SchemaOptions options{.resolve_remote = map_remote_prefix("http://example.com/", dir.path().string())};
  auto rules = schema_field_rules(schema_of("$id: http://example.com/config.json\n"
                                            "properties:\n"
                                            "  password: {$ref: 'common.json#/definitions/secret'}\n"),
                                  options);
  ASSERT_TRUE(rules) << to_string(rules.error());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].pattern, "password");
  EXPECT_EQ((*rules)[0].location.to_string(), dir.file("common.json") + ":2:60");
  // Without a resolver the reference is not followed (Schema::compile reports it).
  auto unresolved = schema_field_rules(schema_of("properties:\n  password: {$ref: 'http://example.com/common.json'}\n"));
  ASSERT_TRUE(unresolved);
  EXPECT_TRUE(unresolved->empty());
}

TEST(SchemaFieldRules, InvalidValuesAreErrorsWithTheirPosition) {
  Errors errors = errors_of("properties:\n"
                            "  mode: {x-reload: sometimes}\n"
                            "  key: {x-secret: 'yes'}\n"
                            "  port: {x-reload: 1}\n");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].to_string(),
            "schema.yaml:2:20: properties.mode.x-reload: invalid schema: \"x-reload\" must be \"dynamic\" or \"restart\", "
            "got string \"sometimes\"");
  EXPECT_EQ(errors[0].code, ErrorCode::validation);
  EXPECT_EQ(errors[1].to_string(),
            "schema.yaml:3:19: properties.key.x-secret: invalid schema: \"x-secret\" must be true or false, got string \"yes\"");
  EXPECT_EQ(errors[2].to_string(),
            "schema.yaml:4:20: properties.port.x-reload: invalid schema: \"x-reload\" must be \"dynamic\" or \"restart\", "
            "got integer 1");
}

TEST(SchemaFieldRules, InvalidValuesAreFoundWhereverASubschemaMayStandAndReportedOnce) {
  Errors errors = errors_of("definitions:\n"
                            "  unused: {x-secret: 1}\n"
                            "  used: {x-reload: never}\n"
                            "properties:\n"
                            "  a: {$ref: '#/definitions/used'}\n"
                            "  b: {$ref: '#/definitions/used'}\n"
                            "  c: {not: {x-secret: 'no'}}\n"
                            "  d: {enum: [{x-secret: 'data, not a schema'}]}\n");
  ASSERT_EQ(errors.size(), 3u) << to_string(errors);
  // In the order of the file, whatever order the walk met them in.
  EXPECT_EQ(errors[0].path, "definitions.unused.x-secret");
  EXPECT_EQ(errors[1].path, "definitions.used.x-reload");
  EXPECT_EQ(errors[1].location.to_string(), "schema.yaml:3:20");
  EXPECT_EQ(errors[2].path, "properties.c.not.x-secret");
}

TEST(SchemaFieldRules, ASchemaThatExpandsWithoutEndIsRefused) {
  // Six levels of eight properties, each a $ref to the next level: 8^6 paths lead to the secret.
  std::string json = "{\"definitions\": {";
  for (int level = 0; level < 6; ++level) {
    json += "\"l" + std::to_string(level) + "\": {\"properties\": {";
    for (int key = 0; key < 8; ++key) {
      json += std::string(key ? ", " : "") + "\"k" + std::to_string(key) + "\": {\"$ref\": \"#/definitions/l" +
              std::to_string(level + 1) + "\"}";
    }
    json += "}}, ";
  }
  json += "\"l6\": {\"x-secret\": true}}, \"$ref\": \"#/definitions/l0\"}";
  auto doc = parse(json, Format::json, "schema.json");
  ASSERT_TRUE(doc) << doc.error().to_string();
  auto rules = schema_field_rules(*doc);
  ASSERT_FALSE(rules);
  ASSERT_EQ(rules.error().size(), 1u);
  EXPECT_NE(rules.error()[0].message.find("expand into more than 100000 subschemas"), std::string::npos)
      << rules.error()[0].message;
}

TEST(SchemaFieldRules, SchemaRulesBecomeFieldRules) {
  auto rules = schema_field_rules(schema_of("properties:\n"
                                            "  server: {x-reload: restart, properties: {log: {x-reload: dynamic}}}\n"
                                            "  pair: {items: [{x-reload: dynamic}], additionalItems: {x-reload: restart}}\n"
                                            "  labels: {additionalProperties: {x-secret: true}}\n"));
  ASSERT_TRUE(rules) << to_string(rules.error());
  FieldRules fields;
  add_schema_field_rules(fields, *rules);
  EXPECT_EQ(fields.policy_of("server.port"), ReloadPolicy::restart);
  EXPECT_EQ(fields.policy_of("server.log"), ReloadPolicy::dynamic);
  // pair[0] and pair[*] are equally long: the exact index wins.
  EXPECT_EQ(fields.policy_of("pair[0]"), ReloadPolicy::dynamic);
  EXPECT_EQ(fields.policy_of("pair[1]"), ReloadPolicy::restart);
  EXPECT_TRUE(fields.is_secret("labels.app"));
  EXPECT_FALSE(fields.is_secret("labels"));
  EXPECT_EQ(fields.policy_of("other"), ReloadPolicy::dynamic);
}

TEST(SchemaFieldRules, OnATieRestartWinsOverDynamic) {
  auto rules = schema_field_rules(schema_of("properties:\n"
                                            "  a:\n"
                                            "    anyOf: [{x-reload: restart}, {x-reload: dynamic}]\n"));
  ASSERT_TRUE(rules) << to_string(rules.error());
  ASSERT_EQ(rules->size(), 2u);
  FieldRules fields;
  add_schema_field_rules(fields, *rules);
  EXPECT_EQ(fields.policy_of("a"), ReloadPolicy::restart);
}

TEST(ConfigSchema, CompilesAndCollectsTheRules) {
  testing::TempDir dir;
  auto path = dir.write("schema.yaml", "properties:\n  key: {type: string, x-secret: true}\n");
  auto schema = ConfigSchema::load(path);
  ASSERT_TRUE(schema) << to_string(schema.error());
  ASSERT_EQ(schema->field_rules.size(), 1u);
  EXPECT_EQ(schema->field_rules[0].location.to_string(), path + ":2:33");
  auto instance = parse("key: 5\n", Format::yaml, "config.yaml");
  ASSERT_TRUE(instance);
  Errors invalid = schema->schema.validate(*instance);
  ASSERT_EQ(invalid.size(), 1u);
  EXPECT_EQ(invalid[0].to_string().rfind("config.yaml:1:6: key: ", 0), 0u) << invalid[0].to_string();
}

TEST(ConfigSchema, ReportsCompileErrorsAndInvalidDeclarationsTogether) {
  auto schema = ConfigSchema::compile(schema_of("properties:\n  a: {type: 5}\n  b: {x-secret: 'yes'}\n"));
  ASSERT_FALSE(schema);
  ASSERT_EQ(schema.error().size(), 2u) << to_string(schema.error());
  EXPECT_EQ(schema.error()[0].path, "properties.a.type");
  EXPECT_EQ(schema.error()[1].path, "properties.b.x-secret");
  testing::TempDir dir;
  auto missing = ConfigSchema::load(dir.file("absent.json"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().at(0).code, ErrorCode::io);
}

}  // namespace
}  // namespace hotreload
