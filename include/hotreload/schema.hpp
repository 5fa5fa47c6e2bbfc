// Schema: a JSON Schema (draft-07 or 2020-12) compiled once into a tree and then used to validate any number
// of documents, reporting every violation with the instance's path and file:line:col.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/result.hpp"
#include "hotreload/value.hpp"

namespace hotreload {

namespace schema_detail {
struct CompiledSchema;
}

// The JSON Schema versions a schema can be written in. A schema's "$schema" chooses
// ("http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2020-12/schema");
// without one, SchemaOptions::default_dialect applies. Any other "$schema" is a compile error.
enum class SchemaDialect { draft7, draft2020_12 };

struct SchemaOptions {
  // Fetches a schema that a $ref names by an absolute URI outside the compiled document
  // ("http://example.com/defs.json"); nullopt means it cannot be found. Without a resolver such
  // references are compile errors: the library never goes to the network by itself.
  std::function<std::optional<Document>(std::string_view uri)> resolve_remote{};
  // The dialect of a schema document without "$schema".
  SchemaDialect default_dialect = SchemaDialect::draft7;
  // Whether "format" asserts (checks date-time, duration ("500ms", "1m30s", "PT5S"), email,
  // hostname, ipv4, ipv6, regex and uri; other formats are ignored) or is an annotation only.
  // nullopt follows each draft: draft-07 asserts (the draft leaves it to the validator; hotreload
  // always has), 2020-12 asserts only when the schema's meta-schema asks for the format-assertion
  // vocabulary. true makes every schema assert, false none.
  std::optional<bool> assert_formats{};
};

// A compiled schema is immutable: copies share the compiled tree, and validate()/is_valid() may be
// called from any number of threads at once.
class Schema {
 public:
  // Compiles a schema document (JSON or YAML parsed into a Document). Errors (not a schema, a $ref
  // that does not resolve, a pattern that is not a regular expression) carry the schema's file:line:col.
  static Result<Schema, Errors> compile(const Document& schema_document, const SchemaOptions& options = {});
  // parse_file + compile.
  static Result<Schema, Errors> load(const std::string& path, const SchemaOptions& options = {});

  // Every violation, in document order, as ErrorCode::validation errors; empty means valid. Each
  // error's location is the offending value's file:line:col, its path the value's dotted path, and
  // its message ends with the failing keyword and where that keyword is in the schema (a JSON
  // pointer, prefixed with the file for a schema fetched by resolve_remote):
  // "70000 is greater than the maximum 65535 (maximum at #/properties/server/properties/port)".
  Errors validate(const Document& instance) const;
  // The same verdict without building messages; stops at the first violation.
  bool is_valid(const Value& instance) const;

 private:
  explicit Schema(std::shared_ptr<const schema_detail::CompiledSchema> compiled);
  std::shared_ptr<const schema_detail::CompiledSchema> compiled_;
};

// Resolves remote references by mapping URI prefixes to local folders, e.g.
// {"http://localhost:1234/", "/usr/share/json-schema-test-suite/remotes/"}.
std::function<std::optional<Document>(std::string_view uri)> map_remote_prefix(std::string uri_prefix,
                                                                               std::string directory);

}  // namespace hotreload
