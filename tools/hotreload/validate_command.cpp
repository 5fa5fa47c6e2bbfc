// hotreload validate [--schema S [--schema-remote PREFIX=DIR]...] [--env-prefix P] [--format F]
//                    [--optional FILE]... [--print-config] [--print-sources] [-q] FILE...
// Layers the files in order (then the environment overlay) exactly as a Reloader would, and
// reports every error as FILE:LINE:COL: PATH: message.
//
// With --schema a file may hold any JSON value, not only a map (a JSON Schema instance can be a
// number, a string, an array or null): a single file is validated as it is, and with several
// files a layer that is not a map replaces everything before it, as arrays and scalars replace in
// any merge. The schema's x-secret fields are redacted from the error messages.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "layer_args.hpp"
#include "schema_args.hpp"
#include "hotreload/json.hpp"
#include "hotreload/json_text.hpp"
#include "hotreload/layers.hpp"

namespace hotreload::cli {
namespace {

struct ValidateArgs {
  std::vector<std::string> files;
  std::vector<std::string> optional_files;
  std::string env_prefix;
  std::string format;
  SchemaArgs schema;
  bool print_config = false;
  bool print_sources = false;
  bool quiet = false;
  EtcdArgs etcd;
};

// The files the load actually read: a directory layer counts each of its files, a missing optional
// file none; environment variables and etcd keys (sources that are not local files) are not counted.
std::size_t files_read(const Document& document) {
  return static_cast<std::size_t>(std::count_if(document.sources.begin(), document.sources.end(), [](const Source& source) {
    return source.format.has_value() && source.name.find("://") == std::string::npos;
  }));
}

int run_validate(const ValidateArgs& args) {
  LayerOptions options;
  auto layers = make_layers(args.files, args.optional_files, format_option(args.format), args.etcd);
  if (!layers) {
    print_errors({layers.error()});
    return kExitTrouble;
  }
  options.files = layers->specs;
  if (!args.env_prefix.empty()) options.env = EnvOverlay{args.env_prefix};
  std::optional<ConfigSchema> schema;
  if (!args.schema.path.empty()) {
    auto compiled = load_schema(args.schema);
    if (!compiled) {
      print_errors(compiled.error());
      return kExitTrouble;  // a broken schema is trouble, not a finding about the config
    }
    schema = std::move(*compiled);
    // A JSON Schema instance may be any JSON value, not only a map.
    options.parse.require_object = false;
  }

  // An etcd layer that cannot be read fails validation like a file that cannot be.
  if (Errors unreadable = sync_etcd_layers(*layers); !unreadable.empty()) {
    print_errors(unreadable);
    return kExitFinding;
  }
  auto loaded = load_layers(options);
  if (!loaded) {
    print_errors(loaded.error());
    return kExitFinding;
  }
  if (schema) {
    Errors invalid = schema->schema.validate(*loaded);
    if (!invalid.empty()) {
      FieldRules rules;
      add_schema_field_rules(rules, schema->field_rules);
      redact_errors(invalid, loaded->root, rules);
      print_errors(invalid);
      return kExitFinding;
    }
  }
  if (args.print_config) std::cout << dump_json(to_json(loaded->root), 2) + '\n';
  if (args.print_sources) {
    // Which layer set each key, and where: "database.max_conns  env:APP_DATABASE__MAX_CONNS".
    for (const auto& [path, layer] : provenance(*loaded)) {
      const Value* node = loaded->root.find_dotted(path);
      std::string where = node ? loaded->location_of(node->origin).to_string() : layer;
      std::cout << path << "  " << (where.empty() ? layer : where) << '\n';
    }
  }
  if (!args.print_config && !args.print_sources && !args.quiet) {
    const std::size_t files = files_read(*loaded);
    const std::size_t values = loaded->root.node_count() - 1;
    std::cout << "valid: " << files << (files == 1 ? " file, " : " files, ") << values
              << (values == 1 ? " value\n" : " values\n");
  }
  return kExitOk;
}

}  // namespace

Command add_validate_command(CLI::App& app) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* command = app.add_subcommand("validate", "Load the files as layers and report every error");
  command->add_option("files", args->files, "Config files or etcd:// layers, lowest priority first; FORMAT:LAYER sets one layer's format "
                      "(keyvalue:/etc/tor/torrc)")->required();
  command->add_option("--env-prefix", args->env_prefix,
                      "Overlay environment variables PREFIX_A__B (sets a.b) after the files");
  command->add_option("--format", args->format, format_help());
  add_schema_options(*command, args->schema, "Validate the merged config against this JSON Schema (JSON or YAML)");
  command->add_option("--optional", args->optional_files, "A listed file that may be missing")->allow_extra_args(false);
  command->add_flag("--print-config", args->print_config, "Print the merged config as JSON when valid");
  command->add_flag("--print-sources", args->print_sources, "Print each key with the file:line:col that set it");
  command->add_flag("-q,--quiet", args->quiet, "Print nothing when valid");
  add_etcd_options(*command, args->etcd);
  return [args] { return run_validate(*args); };
}

}  // namespace hotreload::cli
