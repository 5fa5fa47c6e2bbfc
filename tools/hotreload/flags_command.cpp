// hotreload flags eval --flags FILE [--flag KEY] [--type T] [--default VALUE] [--context JSON]
// hotreload flags validate [--lenient] FILE...
// hotreload flags serve ... FLAGFILE... (flags_serve_command.cpp)
// Evaluates flagd-format flags as a service using FlagdStore would, one JSON object per flag
// per line; and checks flag files, reporting each problem as FILE:LINE:COL: PATH: message.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "flags_serve.hpp"
#include "hotreload/flagd.hpp"
#include "hotreload/json_text.hpp"

namespace hotreload::cli {
namespace {

struct EvalArgs {
  std::string flags_file;
  std::string flag;
  std::string type;
  std::optional<std::string> default_value;
  std::string context;
};

struct ValidateFlagsArgs {
  std::vector<std::string> files;
  bool lenient = false;
  bool quiet = false;
};

bool has_io_error(const Errors& errors) {
  return std::any_of(errors.begin(), errors.end(), [](const Error& e) { return e.code == ErrorCode::io; });
}

// --default as the requested type; without --type, JSON when it parses as JSON, else a string.
nlohmann::json parse_default(const std::optional<std::string>& text, std::optional<FlagType> type) {
  if (!text) {
    if (!type) return nullptr;
    switch (*type) {
      case FlagType::boolean: return false;
      case FlagType::string: return "";
      case FlagType::integer: return 0;
      case FlagType::floating: return 0.0;
      case FlagType::object: return nlohmann::json::object();
    }
  }
  if (type == FlagType::string) return *text;
  nlohmann::json parsed = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!type) return parsed.is_discarded() ? nlohmann::json(*text) : parsed;
  const bool fits = (*type == FlagType::boolean && parsed.is_boolean()) ||
                    (*type == FlagType::integer && parsed.is_number_integer()) ||
                    (*type == FlagType::floating && parsed.is_number()) ||
                    (*type == FlagType::object && parsed.is_object());
  if (!fits) {
    throw CLI::ValidationError("--default", "\"" + *text + "\" is not a " + to_string(*type) + " value");
  }
  return parsed;
}

EvaluationContext parse_context(const std::string& text) {
  EvaluationContext context;
  if (text.empty()) return context;
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) throw CLI::ValidationError("--context", "expected a JSON object, got: " + text);
  if (auto key = parsed.find("targetingKey"); key != parsed.end()) {
    if (!key->is_string()) throw CLI::ValidationError("--context", "targetingKey must be a string");
    context.targeting_key = key->get<std::string>();
    parsed.erase(key);
  }
  context.attributes = std::move(parsed);
  return context;
}

nlohmann::ordered_json render(std::string_view key, const Resolution<nlohmann::json>& resolution) {
  nlohmann::ordered_json line;
  line["key"] = key;
  line["value"] = resolution.value;
  line["variant"] = resolution.variant.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(resolution.variant);
  line["reason"] = to_string(resolution.reason);
  if (resolution.error != ResolutionError::none) line["errorCode"] = to_string(resolution.error);
  if (resolution.metadata != nullptr && !resolution.metadata->empty()) line["flagMetadata"] = *resolution.metadata;
  return line;
}

int run_eval(const EvalArgs& args) {
  std::optional<FlagType> type;
  if (!args.type.empty()) {
    type = parse_flag_type(args.type);
    if (!type) throw CLI::ValidationError("--type", "unknown type \"" + args.type + "\" (boolean, string, integer, float or object)");
  }
  const nlohmann::json default_value = parse_default(args.default_value, type);
  const EvaluationContext context = parse_context(args.context);

  // Lenient, like flagd: a flag whose rule cannot run evaluates to PARSE_ERROR instead of hiding
  // every other flag of the file; the problems are printed as warnings.
  auto definitions = FlagdDefinitions::parse_file(args.flags_file, {.strict = false});
  if (!definitions) {
    print_errors(definitions.error());
    return has_io_error(definitions.error()) ? kExitTrouble : kExitFinding;
  }
  for (const Error& warning : definitions->warnings()) std::cerr << "warning: " << warning.to_string() << '\n';
  FlagdStore store(std::move(*definitions));
  auto view = store.view();
  const std::vector<std::string> keys = args.flag.empty() ? view.keys() : std::vector<std::string>{args.flag};
  for (const std::string& key : keys) {
    // Without --type each flag is read as its own type, and without --default an error yields
    // that type's zero value.
    const std::optional<FlagType> as = type ? type : view.type_of(key);
    const nlohmann::json fallback = args.default_value || !as ? default_value : parse_default(std::nullopt, as);
    auto resolution = view.evaluate(key, as, fallback, context);
    std::cout << dump_json(render(key, resolution)) + '\n';
    if (resolution.error != ResolutionError::none) {
      std::cerr << "hotreload: " << to_string(resolution.error) << ": " << resolution.error_message << '\n';
    }
  }
  return kExitOk;
}

int run_validate_flags(const ValidateFlagsArgs& args) {
  bool invalid = false;
  bool trouble = false;
  for (const std::string& file : args.files) {
    auto definitions = FlagdDefinitions::parse_file(file, {.strict = !args.lenient});
    if (!definitions) {
      print_errors(definitions.error());
      (has_io_error(definitions.error()) ? trouble : invalid) = true;
      continue;
    }
    for (const Error& warning : definitions->warnings()) std::cerr << "warning: " << warning.to_string() << '\n';
    if (!args.quiet) {
      std::cout << "valid: " << file << " (" << definitions->size() << (definitions->size() == 1 ? " flag)\n" : " flags)\n");
    }
  }
  return trouble ? kExitTrouble : invalid ? kExitFinding : kExitOk;
}

}  // namespace

Command add_flags_command(CLI::App& app) {
  CLI::App* flags = app.add_subcommand("flags", "Evaluate, validate and serve flagd-format feature flags");
  flags->require_subcommand(1);

  auto eval = std::make_shared<EvalArgs>();
  CLI::App* eval_command = flags->add_subcommand("eval", "Evaluate flags and print one JSON object per flag");
  eval_command->add_option("--flags", eval->flags_file, "The flagd flag file (JSON or YAML)")->required();
  eval_command->add_option("--flag", eval->flag, "Evaluate only this flag (default: every flag)");
  eval_command->add_option("--type", eval->type, "Evaluate as boolean, string, integer, float or object");
  eval_command->add_option("--default", eval->default_value, "The value returned on an evaluation error");
  eval_command->add_option("--context", eval->context,
                           "The evaluation context as a JSON object; \"targetingKey\" is the targeting key");

  auto validate = std::make_shared<ValidateFlagsArgs>();
  CLI::App* validate_command = flags->add_subcommand("validate", "Check flag files and report every problem");
  validate_command->add_option("files", validate->files, "flagd flag files")->required();
  validate_command->add_flag("--lenient", validate->lenient,
                             "Accept what flagd accepts: rules that cannot run are warnings, not errors");
  validate_command->add_flag("-q,--quiet", validate->quiet, "Print nothing when valid");

  FlagsServe serve = add_flags_serve(*flags);

  return [eval_command, eval, validate, serve] {
    if (eval_command->parsed()) return run_eval(*eval);
    if (serve.command->parsed()) return serve.run();
    return run_validate_flags(*validate);
  };
}

}  // namespace hotreload::cli
