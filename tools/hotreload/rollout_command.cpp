// hotreload rollout etcd://ENDPOINTS/KEY FILE --canary PERCENT --bake DURATION [--fleet etcd://ENDPOINTS/PREFIX/]
//                  [--format F] [--schema S] [--lost-after DURATION] [--apply-timeout DURATION] [--etcd-*]
// hotreload rollout etcd://ENDPOINTS/KEY --resume | --abort
// Validates FILE (its format: KEY's, or --format; --schema), then rolls it out (rollout.hpp): the
// canaries among the instances reporting under the fleet prefix (--fleet, else the one prefix
// under which instances report running KEY, found in KEY's etcd) load it first; once every one has
// applied it and the bake time has passed without a refusal, a failed health check or a lost
// canary, it is written to KEY; a canary that has not applied it within --apply-timeout halts it.
// Progress goes to stdout, one line per step. --resume follows a rollout whose command was killed;
// --abort stops one (the canaries go back to KEY's value).
// Exit status: 0 promoted (or aborted, with --abort); 1 halted, with the reason, or FILE invalid;
// 2 usage errors, FILE unreadable, a rollout already in progress, etcd unreachable.
#include <fstream>
#include <iostream>
#include <sstream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "layer_args.hpp"
#include "schema_args.hpp"
#include "hotreload/duration.hpp"
#include "hotreload/formats.hpp"
#include "hotreload/rollout.hpp"

namespace hotreload::cli {
namespace {

struct RolloutArgs {
  std::string key;
  std::string file;
  std::string canary;  // "10" or "10%"
  std::string bake;
  std::string fleet;
  std::string format;
  std::string lost_after = "10s";
  std::string apply_timeout = "5m";
  bool resume = false;
  bool abort = false;
  SchemaArgs schema;
  EtcdArgs etcd;
};

Result<int> percent_option(std::string text) {
  if (!text.empty() && text.back() == '%') text.pop_back();
  std::size_t used = 0;
  int value = -1;
  try {
    value = std::stoi(text, &used);
  } catch (...) {
    used = 0;
  }
  if (text.empty() || used != text.size() || value < 1 || value > 100) {
    return unexpected(Error{ErrorCode::usage, "--canary wants a percent of the instances, 1..100, not \"" + text + "\"", {}, {}});
  }
  return value;
}

// FILE parsed as KEY will parse it, and checked against --schema: nothing invalid is rolled out.
// The text on success; exit code and errors printed otherwise.
std::optional<std::string> checked_candidate(const RolloutArgs& args, const EtcdLocation& key, int& exit_code) {
  std::ifstream in(args.file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    print_errors({Error{ErrorCode::io, "cannot read the candidate", {args.file, 0, 0}, {}}});
    exit_code = kExitTrouble;
    return std::nullopt;
  }
  const Format format = format_option(args.format).value_or(format_from_path(key.key).value_or(Format::yaml));
  ParseOptions parse_options;
  if (!args.schema.path.empty()) parse_options.require_object = false;
  auto document = parse(text.str(), format, args.file, parse_options);
  if (!document) {
    print_errors({document.error()});
    exit_code = kExitFinding;
    return std::nullopt;
  }
  if (!args.schema.path.empty()) {
    auto schema = load_schema(args.schema);
    if (!schema) {
      print_errors(schema.error());
      exit_code = kExitTrouble;
      return std::nullopt;
    }
    if (Errors violations = schema->schema.validate(*document); !violations.empty()) {
      print_errors(violations);
      exit_code = kExitFinding;
      return std::nullopt;
    }
  }
  return text.str();
}

int print_outcome(const RolloutOutcome& outcome, bool aborting) {
  const RolloutRecord& record = outcome.record;
  if (outcome.promoted) {
    std::cout << "rollout " << record.id << " promoted at revision " << record.promoted_revision << std::endl;
    return kExitOk;
  }
  std::cout << "rollout " << (record.id.empty() ? std::string("(none)") : record.id) << " " << record.phase << ": "
            << record.reason << std::endl;
  if (!outcome.rolled_back.empty()) {
    std::cout << "canaries back on the previous config: ";
    for (std::size_t i = 0; i < outcome.rolled_back.size(); ++i) std::cout << (i ? ", " : "") << outcome.rolled_back[i];
    std::cout << std::endl;
  }
  if (!outcome.still_on_candidate.empty()) {
    std::cout << "canaries still on the candidate: ";
    for (std::size_t i = 0; i < outcome.still_on_candidate.size(); ++i) {
      std::cout << (i ? ", " : "") << outcome.still_on_candidate[i];
    }
    std::cout << std::endl;
  }
  return aborting && record.phase == rollout_phase::aborted ? kExitOk : kExitFinding;
}

int run_rollout(const RolloutArgs& args) {
  auto fail = [](const Error& error) {
    print_errors({error});
    return kExitTrouble;
  };
  if (args.resume && args.abort) return fail(Error{ErrorCode::usage, "--resume and --abort exclude each other", {}, {}});
  const bool starting = !args.resume && !args.abort;
  if (starting && (args.file.empty() || args.canary.empty() || args.bake.empty())) {
    return fail(Error{ErrorCode::usage, "a rollout needs FILE, --canary PERCENT and --bake DURATION", {}, {}});
  }
  if (!starting && !args.file.empty()) {
    return fail(Error{ErrorCode::usage, "--resume and --abort take no FILE: the candidate is in the rollout record", {}, {}});
  }
  RolloutRequest request;
  auto key = parse_etcd_url(args.key);
  if (!key) return fail(key.error());
  request.key = std::move(*key);
  auto options = etcd_options(args.etcd, std::nullopt, std::chrono::milliseconds(100));
  if (!options) return fail(options.error());
  request.etcd = std::move(*options);
  auto lost_after = duration_option("--lost-after", args.lost_after);
  if (!lost_after) return fail(lost_after.error());
  request.lost_after = *lost_after;
  auto apply_timeout = duration_option("--apply-timeout", args.apply_timeout);
  if (!apply_timeout) return fail(apply_timeout.error());
  request.apply_timeout = *apply_timeout;
  request.progress = [](const std::string& line) { std::cout << line << std::endl; };

  Result<RolloutOutcome> outcome = unexpected(Error{});
  if (args.abort) {
    outcome = abort_rollout(request);
  } else if (args.resume) {
    outcome = resume_rollout(request);
  } else {
    auto percent = percent_option(args.canary);
    if (!percent) return fail(percent.error());
    request.percent = *percent;
    auto bake = duration_option("--bake", args.bake);
    if (!bake) return fail(bake.error());
    request.bake = *bake;
    if (!args.fleet.empty()) {
      auto fleet = parse_etcd_url(args.fleet);
      if (!fleet) {
        Error error = fleet.error();
        error.message = "--fleet: " + error.message;
        return fail(error);
      }
      request.fleet = std::move(*fleet);
    }
    if (request.key.is_prefix()) return fail(Error{ErrorCode::usage, args.key + ": a rollout needs a document key, not a prefix", {}, {}});
    int exit_code = kExitOk;
    auto candidate = checked_candidate(args, request.key, exit_code);
    if (!candidate) return exit_code;
    request.candidate = std::move(*candidate);
    outcome = start_rollout(request);
  }
  if (!outcome) return fail(outcome.error());
  return print_outcome(*outcome, args.abort);
}

}  // namespace

Command add_rollout_command(CLI::App& app) {
  auto args = std::make_shared<RolloutArgs>();
  CLI::App* command = app.add_subcommand(
      "rollout", "Canary a document for an etcd key on some instances, then promote it to all (docs/ETCD.md)");
  command->add_option("key", args->key, "etcd://HOST:PORT[,...]/KEY: the document key to roll out")->required();
  command->add_option("file", args->file, "The candidate document");
  command->add_option("--canary", args->canary, "The share of the instances that try it first, 1..100 (percent)");
  command->add_option("--bake", args->bake, "How long every canary must run it before it is promoted (30s, 5m)");
  command->add_option("--fleet", args->fleet,
                      "etcd://HOST:PORT[,...]/PREFIX/: where the instances --report (default: the one prefix in "
                      "KEY's etcd under which instances report running KEY)");
  command->add_option("--format", args->format, "The format of KEY's document (default: KEY's extension, else YAML)");
  command->add_option("--lost-after", args->lost_after,
                      "A canary whose report is missing this long halts the rollout (default 10s)");
  command->add_option("--apply-timeout", args->apply_timeout,
                      "A canary that has not applied the candidate (and passed its health check) this long after "
                      "the rollout began halts it (default 5m; 0: wait for ever)");
  command->add_flag("--resume", args->resume, "Follow the rollout in progress on KEY (after its command was killed)");
  command->add_flag("--abort", args->abort, "Stop the rollout in progress on KEY; its canaries go back to KEY's value");
  add_schema_options(*command, args->schema, "Check FILE against this JSON Schema before anything is written");
  add_etcd_options(*command, args->etcd);
  return [args] { return run_rollout(*args); };
}

}  // namespace hotreload::cli
