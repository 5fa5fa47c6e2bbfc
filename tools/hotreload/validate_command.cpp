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
#include "hotreload/reloader.hpp"

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
  SourceArgs sources;
};

// The files the load actually read: a directory layer counts each of its files, a missing optional
// file none; environment variables and etcd keys (sources that are not local files) are not counted.
std::size_t files_read(const Document& document) {
  return static_cast<std::size_t>(std::count_if(document.sources.begin(), document.sources.end(), [](const Source& source) {
    return source.format.has_value() && source.name.find("://") == std::string::npos;
  }));
}

int run_validate(const ValidateArgs& args) {
  auto layers = make_layers(args.files, args.optional_files, format_option(args.format), args.sources);
  if (!layers) {
    print_errors({layers.error()});
    return kExitTrouble;
  }
  ReloadOptions options;
  options.layers.files = layers->specs;
  if (!args.env_prefix.empty()) options.layers.env = EnvOverlay{args.env_prefix};
  if (!args.schema.path.empty()) {
    auto compiled = load_schema(args.schema);
    if (!compiled) {
      print_errors(compiled.error());
      return kExitTrouble;  // a broken schema is trouble, not a finding about the config
    }
    // Its x-secret fields join the rules, so their values are scrubbed from error messages.
    options.schema = std::move(*compiled);
    // A JSON Schema instance may be any JSON value, not only a map.
    options.layers.parse.require_object = false;
  }

  // A remote layer that cannot be read fails validation like a file that cannot be.
  if (Errors unreadable = sync_sources(options.layers); !unreadable.empty()) {
    print_errors(unreadable);
    return kExitFinding;
  }
  // The reloader's own dry run: the same load and check a reload makes, nothing published.
  Reloader<nlohmann::json> reloader(std::move(options));
  auto checked = reloader.dry_run();
  if (!checked) {
    print_errors(checked.error());
    return kExitFinding;
  }
  const Document* loaded = checked->get();
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
  command->add_option("files", args->files, "Config files, etcd:// or http(s):// layers, lowest priority first; FORMAT:LAYER sets one "
                      "layer's format (keyvalue:/etc/tor/torrc)")->required();
  command->add_option("--env-prefix", args->env_prefix,
                      "Overlay environment variables PREFIX_A__B (sets a.b) after the files");
  command->add_option("--format", args->format, format_help());
  add_schema_options(*command, args->schema, "Validate the merged config against this JSON Schema (JSON or YAML)");
  command->add_option("--optional", args->optional_files, "A listed file that may be missing")->allow_extra_args(false);
  command->add_flag("--print-config", args->print_config, "Print the merged config as JSON when valid");
  command->add_flag("--print-sources", args->print_sources, "Print each key with the file:line:col that set it");
  command->add_flag("-q,--quiet", args->quiet, "Print nothing when valid");
  add_source_options(*command, args->sources);
  return [args] { return run_validate(*args); };
}

}  // namespace hotreload::cli
