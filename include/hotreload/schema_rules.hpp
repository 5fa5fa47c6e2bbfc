// Field rules declared in a JSON Schema: the vendor keywords `x-reload` and `x-secret` put the
// reload policy and the secrecy of a field next to its type, where the seeds put Go struct tags:
//
//   properties:
//     server:   {type: object, x-reload: restart}        # server.* needs a restart
//     password: {type: string, x-secret: true}           # redacted in diffs, events, errors
//     workers:  {type: integer, x-reload: dynamic}
//
// x-reload is "dynamic" or "restart"; x-secret is true or false (false declares nothing).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/fields.hpp"
#include "hotreload/result.hpp"
#include "hotreload/schema.hpp"

namespace hotreload {

// One declaration found in a schema, as the FieldRules pattern of the instance keys it covers.
struct SchemaFieldRule {
  enum class Kind { dynamic, restart, secret };
  std::string pattern{};        // "database.password", "servers[*].tls", "labels.*"
  Kind kind = Kind::dynamic;
  SourceLocation location{};    // the keyword's value in the schema file
};

// Walks the subschemas that describe instance values and collects their declarations:
// `properties` adds a key; `additionalProperties`, `patternProperties` and
// `unevaluatedProperties` add `*`; `items` adds `[*]` (or `[N]` for a draft-07 tuple),
// `prefixItems` adds `[N]`, `additionalItems`, `unevaluatedItems` and `contains` add `[*]`;
// `allOf`/`anyOf`/`oneOf`, `if`/`then`/`else`, `dependencies`/`dependentSchemas` and `$ref`
// (to this document or, through options.resolve_remote, another) describe the same value.
// `not` and `propertyNames` describe no value and declare nothing. A declaration on the root
// becomes `*` (every top-level key): FieldRules has no pattern for the root itself.
//
// The keywords are read beside a `$ref` too, although draft-07 ignores a $ref's siblings: they
// are not validation keywords, and `{$ref: "#/definitions/token", x-secret: true}` must not
// silently lose the secret. A key named `*` is a wildcard in FieldRules, so a property literally
// named "*" declares for every key. A $ref that recurses (a tree of nodes) is followed 4 levels
// deep: FieldRules patterns cannot express "at any depth".
//
// Errors (every one, with the schema's file:line:col and the keyword's path in the schema): a
// value other than "dynamic"/"restart" or true/false, anywhere a subschema may stand (also in
// `definitions` no $ref uses); a recursive schema that expands into too many subschemas.
// A $ref that does not resolve is left to Schema::compile to report.
Result<std::vector<SchemaFieldRule>, Errors> schema_field_rules(const Document& schema_document,
                                                                const SchemaOptions& options = {});

// Adds the declarations to `rules`. The more specific (longer) pattern wins as always; FieldRules
// gives a tie of equal length to the later rule, so a pattern with fewer wildcards is added later
// (`items: [{x-reload: dynamic}]` beats `additionalItems: {x-reload: restart}` at `[0]`), and
// among those restart after dynamic (two branches that disagree: the safe side wins).
void add_schema_field_rules(FieldRules& rules, const std::vector<SchemaFieldRule>& declared);

// A schema for a reload pipeline (ReloadOptions::schema): the compiled validator and the field
// rules its x-reload / x-secret keywords declare.
struct ConfigSchema {
  Schema schema;
  std::vector<SchemaFieldRule> field_rules{};

  // Schema::compile plus schema_field_rules; the errors of both.
  static Result<ConfigSchema, Errors> compile(const Document& schema_document, const SchemaOptions& options = {});
  // Reads a JSON or YAML schema file, then compile().
  static Result<ConfigSchema, Errors> load(const std::string& path, const SchemaOptions& options = {});
};

}  // namespace hotreload
