// --schema and --schema-remote, shared by the subcommands that take a JSON Schema.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "hotreload/error.hpp"
#include "hotreload/result.hpp"
#include "hotreload/schema_rules.hpp"

namespace hotreload::cli {

struct SchemaArgs {
  std::string path;                  // empty: no schema
  std::vector<std::string> remotes;  // PREFIX=DIR
  bool assert_formats = false;       // --schema-assert-formats; false: each draft's rule
  std::string dialect;               // --schema-dialect: of a schema without "$schema"; empty: draft-07
};

// Adds --schema S (described by `what`), --schema-remote PREFIX=DIR (repeatable, needs
// --schema): a $ref to a URI starting with PREFIX reads the rest of the URI as a file under DIR,
// --schema-dialect draft-07|2020-12 (needs --schema): the dialect of a schema without "$schema",
// and --schema-assert-formats (needs --schema): "format" asserts in every dialect, not only where
// the draft says so (SchemaOptions::assert_formats). Without --schema-remote a schema's references
// to other documents do not resolve (the official meta-schemas are built in): the CLI never goes
// to the network.
void add_schema_options(CLI::App& command, SchemaArgs& args, const std::string& what);
// Only --schema-remote, for a command whose schema is an argument.
CLI::Option* add_schema_remote_option(CLI::App& command, SchemaArgs& args);

// The resolver for the --schema-remote mappings; a mapping without '=' is a usage error.
Result<SchemaOptions> schema_options(const SchemaArgs& args);

// Loads args.path with its x-reload / x-secret rules. Errors: usage (a bad --schema-remote), or
// what ConfigSchema::load reports.
Result<ConfigSchema, Errors> load_schema(const SchemaArgs& args);

}  // namespace hotreload::cli
