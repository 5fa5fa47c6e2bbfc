// hotreload diff [--json] [--secret PATTERN]... [--format F] [--etcd-*] OLD NEW   (each a file or an etcd://
// layer, either maybe prefixed FORMAT: as in keyvalue:torrc)
// One change per line as PATH: OLD -> NEW, or a JSON array of {path, op, old, new}.
// Exit codes like diff(1): 0 equal, 1 different, 2 trouble.
#include <iostream>

#include "commands.hpp"
#include "layer_args.hpp"
#include "hotreload/diff.hpp"
#include "hotreload/fields.hpp"
#include "hotreload/json.hpp"
#include "hotreload/json_text.hpp"

namespace hotreload::cli {
namespace {

struct DiffArgs {
  std::string old_file;
  std::string new_file;
  std::string format;
  std::vector<std::string> secrets;
  bool json = false;
  SourceArgs sources;
};

int run_diff(const DiffArgs& args) {
  std::optional<Format> format = format_option(args.format);
  // Either side may be an etcd layer (read once).
  auto old_doc = read_one_layer(args.old_file, format, args.sources);
  auto new_doc = read_one_layer(args.new_file, format, args.sources);
  if (!old_doc || !new_doc) {
    if (!old_doc) print_errors(old_doc.error());
    if (!new_doc) print_errors(new_doc.error());
    return kExitTrouble;
  }
  FieldRules rules;
  for (const std::string& pattern : args.secrets) rules.secret(pattern);

  std::vector<Change> changes = diff(old_doc->root, new_doc->root);
  redact_changes(changes, rules);

  if (args.json) {
    auto out = nlohmann::ordered_json::array();
    for (const Change& change : changes) out.push_back(to_json(change));
    std::cout << dump_json(out, 2) + '\n';
  } else {
    for (const Change& change : changes) std::cout << to_line(change) << '\n';
  }
  return changes.empty() ? kExitOk : kExitFinding;
}

}  // namespace

Command add_diff_command(CLI::App& app) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* command = app.add_subcommand("diff", "Show what changed between two config files");
  command->add_option("old", args->old_file, "The old config file (or an etcd:// or http(s):// layer; FORMAT:LAYER sets its format)")->required();
  command->add_option("new", args->new_file, "The new config file (or an etcd:// or http(s):// layer; FORMAT:LAYER sets its format)")->required();
  command->add_flag("--json", args->json, "Print a JSON array of {path, op, old, new}");
  command->add_option("--format", args->format, "Force the format of both files: " + format_names() + ". One file's own: prefix it FORMAT: (keyvalue:torrc)");
  command->add_option("--secret", args->secrets, "A key path pattern whose values are redacted (repeatable)")->allow_extra_args(false);
  add_source_options(*command, args->sources);
  return [args] { return run_diff(*args); };
}

}  // namespace hotreload::cli
