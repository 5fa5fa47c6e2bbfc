// hotreload schema check [--schema-remote PREFIX=DIR]... SCHEMA: is the file a valid JSON Schema
// that hotreload can compile, with valid x-reload / x-secret values? The schema is also validated
// against its meta-schema (the one its $schema names: draft-07's or 2020-12's, both built in, or a
// custom one that --schema-remote finds; draft-07's without $schema), which catches what compiling
// ignores (`title: 5`, `required: [a, a]`). Exit 0 when valid, printing the field rules it
// declares; 1 with every problem as FILE:LINE:COL: PATH: message; 2 on usage errors.
#include <algorithm>
#include <iostream>
#include <set>
#include <tuple>

#include "commands.hpp"
#include "schema_args.hpp"

namespace hotreload::cli {
namespace {

// The URI of the schema's meta-schema: its "$schema", or draft-07's.
std::string metaschema_uri(const Value& root) {
  const Value* dialect = root.is_object() ? root.as_object().find("$schema") : nullptr;
  return dialect != nullptr && dialect->is_string() ? dialect->as_string() : "http://json-schema.org/draft-07/schema#";
}

// The schema document validated as an instance of its meta-schema. Only called for a schema that
// compiled, whose meta-schema therefore resolves.
Errors metaschema_errors(const Document& schema_document, const SchemaOptions& options) {
  Document metaschema;
  Object root;
  root.insert_or_assign("$ref", Value(metaschema_uri(schema_document.root)));
  metaschema.root = Value(std::move(root));
  auto compiled = Schema::compile(metaschema, options);
  if (!compiled) return compiled.error();  // a bug, but reported rather than hidden
  Errors errors = compiled->validate(schema_document);
  for (Error& error : errors) error.message = "invalid schema: " + error.message;
  return errors;
}

const char* kind_text(SchemaFieldRule::Kind kind) {
  switch (kind) {
    case SchemaFieldRule::Kind::dynamic: return "dynamic";
    case SchemaFieldRule::Kind::restart: return "restart";
    case SchemaFieldRule::Kind::secret: return "secret";
  }
  return "";
}

int run_check(const std::string& path, const SchemaArgs& remote) {
  auto options = schema_options(remote);
  if (!options) {
    print_errors({options.error()});
    return kExitTrouble;
  }
  Result<Document> document = parse_file(path, std::nullopt, ParseOptions{.require_object = false});
  if (!document) {
    print_errors({document.error()});
    return kExitFinding;
  }
  auto compiled = ConfigSchema::compile(*document, *options);
  Errors errors = compiled ? Errors{} : compiled.error();
  // A "$schema" that does not resolve is already the compiler's error.
  const bool dialect_known = errors.empty() || std::none_of(errors.begin(), errors.end(), [](const Error& error) {
    return error.path == "$schema";
  });
  if (dialect_known) {
    // The compiler and the meta-schema often object to the same value: keep the compiler's words.
    std::set<std::pair<std::string, std::string>> reported;
    for (const Error& error : errors) reported.emplace(error.location.to_string(), error.path);
    for (Error& error : metaschema_errors(*document, *options)) {
      if (reported.emplace(error.location.to_string(), error.path).second) errors.push_back(std::move(error));
    }
  }
  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(), [](const Error& a, const Error& b) {
      return std::tie(a.location.line, a.location.column) < std::tie(b.location.line, b.location.column);
    });
    print_errors(errors);
    return kExitFinding;
  }
  std::cout << "valid schema: " << path << '\n';
  for (const SchemaFieldRule& rule : compiled->field_rules) {
    std::cout << rule.pattern << ": " << kind_text(rule.kind) << "  " << rule.location.to_string() << '\n';
  }
  return kExitOk;
}

}  // namespace

Command add_schema_command(CLI::App& app) {
  auto schema_path = std::make_shared<std::string>();
  auto remote = std::make_shared<SchemaArgs>();
  CLI::App* schema = app.add_subcommand("schema", "Work with JSON Schemas");
  schema->require_subcommand(1);
  CLI::App* check = schema->add_subcommand(
      "check", "Check that a schema compiles, matches its meta-schema and has valid x-reload/x-secret values");
  check->add_option("schema", *schema_path, "The schema file (JSON or YAML)")->required();
  add_schema_remote_option(*check, *remote);
  return [schema_path, remote] { return run_check(*schema_path, *remote); };
}

}  // namespace hotreload::cli
