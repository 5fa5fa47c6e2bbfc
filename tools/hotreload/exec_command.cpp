// hotreload exec [--schema S [--schema-remote PREFIX=DIR]...] [--signal SIG] [--webhook URL] [--debounce MS] [--restart]
//                [--restart-field PATH]... [--secret PATH]... [--env-prefix P] [--format F]
//                [--etcd-*] [--report etcd://ENDPOINTS/PREFIX/ [--instance-id ID] [--report-ttl S]]
//                --config FILE|etcd://HOST:PORT[,...]/KEY [--config ...]... -- CMD [ARGS...]
// A sidecar for programs without hot reload (like Kubernetes' configmap-reload): runs CMD, watches
// the config, and after every valid change signals CMD (SIGHUP by default), POSTs the change to a
// local webhook, or restarts CMD when a restart-only field changed. An invalid change is reported
// on stderr and CMD is left alone. SIGINT, SIGTERM and SIGQUIT are forwarded to CMD's process
// group; exec exits with CMD's status (128 + N when signal N killed it), after ending what CMD left
// running. As PID 1 or as the child subreaper it reaps every orphan. The schema's x-secret fields
// are secrets and its x-reload: restart fields restart-only, like --secret and --restart-field.
// See docs/EXEC.md. This file wires the config side; exec_supervisor.cpp runs the process side.
//
// The reloader and watcher wiring repeats watch_command.cpp's in a reduced form (no events on
// stdout: stdout belongs to CMD). It is not shared through a common file because watch_command.cpp
// was being edited concurrently; fold the two together when convenient.
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include "child.hpp"
#include "commands.hpp"
#include "exec_supervisor.hpp"
#include "layer_args.hpp"
#include "report_args.hpp"
#include "reaper.hpp"
#include "schema_args.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/watch_sources.hpp"
#include "hotreload/watch.hpp"
#include "webhook.hpp"

namespace hotreload::cli {
namespace {

// How long the webhook waits for an answer.
constexpr auto kWebhookTimeout = std::chrono::seconds(5);

struct ExecArgs {
  std::vector<std::string> files;
  std::vector<std::string> command;
  SchemaArgs schema;
  std::string signal;  // empty: SIGHUP, unless a webhook replaces it
  std::string webhook;
  std::string env_prefix;
  std::string format;
  std::vector<std::string> secrets;
  std::vector<std::string> restart_fields;
  long debounce_ms = 100;
  bool restart = false;
  SourceArgs sources;
  ReportArgs report;
};

void report(const std::string& line) { report_exec(line); }

void report_errors(const Errors& errors) {
  for (const Error& error : errors) report(error.to_string());
}

// With --restart, a change restarts CMD when it touches a --restart-field (or any change, when no
// field is named: the program cannot reload at all): the reloader's own test (restart_changes).
bool needs_restart(const std::vector<Change>& changes, const FieldRules& rules, bool every_change) {
  if (every_change) return !changes.empty();
  return !restart_changes(changes, rules).empty();
}

int run_exec(const ExecArgs& args) {
  if (args.command.empty()) {
    report("no command to run: give it after `--`, as in: hotreload exec --config FILE -- CMD [ARGS...]");
    return kExitTrouble;
  }
  std::optional<int> reload_signal;
  if (!args.signal.empty()) {
    reload_signal = parse_signal(args.signal);  // checked by the option's validator
  } else if (args.webhook.empty()) {
    reload_signal = SIGHUP;
  }
  std::optional<WebhookTarget> webhook;
  if (!args.webhook.empty()) webhook = *parse_webhook_url(args.webhook);  // checked likewise

  // Signals are read from a signalfd by the main loop; blocking them before any thread starts
  // means every thread inherits the mask and no handler ever runs. CMD gets them unblocked.
  // SIGCHLD says a child exited: CMD, or an orphan of CMD's that exec adopted.
  sigset_t signals;
  sigemptyset(&signals);
  for (int number : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD}) sigaddset(&signals, number);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } close_signal_fd{signal_fd};

  // Files, directories, etcd:// and http(s):// layers, in order.
  auto layers = make_layers(args.files, {}, format_option(args.format), args.sources,
                            std::chrono::milliseconds(args.debounce_ms));
  if (!layers) {
    report_errors({layers.error()});
    return kExitTrouble;
  }
  // A canary of a rollout on one of its etcd keys loads the candidate (rollout_source.hpp).
  if (auto following = follow_rollouts(args.report, args.sources.etcd, layers->specs,
                                       std::chrono::milliseconds(args.debounce_ms));
      !following) {
    report_errors({following.error()});
    return kExitTrouble;
  }
  ReloadOptions options;
  options.layers.files = layers->specs;
  if (!args.env_prefix.empty()) options.layers.env = EnvOverlay{args.env_prefix};
  for (const std::string& pattern : args.secrets) options.fields.secret(pattern);
  // Without --restart a restart-only change is refused like any invalid change; with it the
  // reloader accepts everything and the change is classified here instead.
  FieldRules restart_rules;
  bool restart_fields_named = !args.restart_fields.empty();
  if (!args.schema.path.empty()) {
    auto compiled = load_schema(args.schema);
    if (!compiled) {
      report_errors(compiled.error());
      return kExitTrouble;
    }
    const bool schema_restarts =
        std::any_of(compiled->field_rules.begin(), compiled->field_rules.end(),
                    [](const SchemaFieldRule& rule) { return rule.kind == SchemaFieldRule::Kind::restart; });
    if (args.restart) {
      // The schema's reload policies classify changes here, like --restart-field; only its
      // secrets go to the reloader, which would otherwise refuse restart-only changes.
      std::vector<SchemaFieldRule> policies;
      std::erase_if(compiled->field_rules, [&](const SchemaFieldRule& rule) {
        if (rule.kind == SchemaFieldRule::Kind::secret) return false;
        policies.push_back(rule);
        return true;
      });
      add_schema_field_rules(restart_rules, policies);
    }
    restart_fields_named = restart_fields_named || schema_restarts;
    options.schema = std::move(*compiled);
    options.layers.parse.require_object = false;
  }
  // After the schema's: a --restart-field wins a tie, as code does over a schema.
  for (const std::string& pattern : args.restart_fields) {
    restart_rules.restart(pattern);
    if (!args.restart) options.fields.restart(pattern);
  }

  const std::string source = "hotreload://exec/" + std::to_string(::getpid());
  ExecInbox inbox;
  Reloader<nlohmann::json> reloader(options);
  Subscription reporter = reloader.events().subscribe([&](const Event& event) {
    if (event.type == event_type::failed && event.trigger != Trigger::initial) {
      report("config change refused, CMD left alone:");
      report_errors(event.errors);
    } else if (event.type == event_type::completed && event.trigger != Trigger::initial && !event.changes.empty()) {
      ExecAction action;
      action.restart = args.restart && needs_restart(event.changes, restart_rules, !restart_fields_named);
      action.change_count = event.changes.size();
      if (!args.webhook.empty()) action.cloudevent = to_cloudevent_line(event, source);
      inbox.push(std::move(action));
    }
  });

  // What exec says on stderr about its sources: a file gone missing, a remote layer that cannot
  // be read (etcd down, an HTTP error), a watcher that polls or failed; the last good config stays
  // live either way.
  Subscription source_reporter = reloader.events().subscribe([](const Event& event) {
    const bool missing = event.type == event_type::file_missing || event.type == event_type::watch_fallback;
    const bool source_error = event.type.ends_with(".error");
    if (!missing && !source_error) return;
    for (const Error& error : event.errors) {
      report(source_error ? event.type.substr(0, event.type.size() - 6) + ": " + error.to_string() : error.to_string());
    }
  });

  // Before the first load, so it is reported; report.error events reach stderr above.
  auto fleet_reporter = start_reporter(args.report, args.sources.etcd, reloader);
  if (!fleet_reporter) {
    report_errors({fleet_reporter.error()});
    return kExitTrouble;
  }
  auto health = start_health_check(args.report, reloader, fleet_reporter->get());  // stopped before the reporter

  // The library's start sequence (watch_sources.hpp), as in `watch`: no change made from here on is lost.
  WatchOptions watch;
  watch.debounce = std::chrono::milliseconds(args.debounce_ms);
  auto watcher = watch_sources(reloader, watch);
  if (!watcher) {
    const Errors& errors = watcher.error().errors;
    report_errors(errors);
    if (watcher.error().stage == WatchStartError::Stage::watch) return kExitTrouble;
    bool unreadable = std::any_of(errors.begin(), errors.end(), [](const Error& e) { return e.code == ErrorCode::io; });
    return unreadable ? kExitTrouble : kExitFinding;  // either way CMD was never started
  }

  // Orphans among CMD's descendants become exec's children, as a PID 1's would, so that exec can
  // reap them and end them when CMD is gone. (As PID 1 exec is their reaper anyway.)
  if (!become_subreaper()) report(std::string("cannot adopt CMD's orphans (prctl: ") + std::strerror(errno) + ")");
  Supervisor supervisor({.command = args.command,
                         .reload_signal = reload_signal,
                         .webhook = webhook,
                         .webhook_url = args.webhook,
                         .webhook_timeout = kWebhookTimeout,
                         .signals = signals});
  int status = supervisor.run(signal_fd, inbox, [&reloader] { (void)reloader.reload(Trigger::signal); });
  watcher->reset();  // joins every watch's thread before the reloader and inbox go away
  if (*fleet_reporter) (*fleet_reporter)->stop();  // revokes the lease: the report goes with exec
  return status;
}

CLI::Validator signal_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return parse_signal(value) ? "" : "unknown signal \"" + value + "\" (a name such as HUP, USR1, TERM, or a number)";
      },
      "SIGNAL");
}

CLI::Validator webhook_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        auto parsed = parse_webhook_url(value);
        return parsed ? "" : parsed.error();
      },
      "URL");
}

}  // namespace

Command add_exec_command(CLI::App& app) {
  auto args = std::make_shared<ExecArgs>();
  CLI::App* command = app.add_subcommand("exec", "Run a command and signal, notify or restart it on every valid config change");
  // main() cuts the command line at the first `--` before CLI11 sees it (exec_command_line()),
  // so a list of configs can never swallow the command or its options.
  command->add_option("--config", args->files,
                      "Config files, etcd:// or http(s):// layers, lowest priority first (--config A B or --config A --config B); "
                      "FORMAT:LAYER sets one layer's format (keyvalue:/etc/tor/torrc)")
      ->required();
  command->add_option("--signal", args->signal, "The signal sent to CMD after a valid change (default HUP)")
      ->check(signal_validator());
  command->add_option("--webhook", args->webhook,
                      "POST each applied change (a CloudEvent) to this http URL on a loopback host (127.0.0.1, [::1], localhost)")
      ->check(webhook_validator());
  command->add_option("--debounce", args->debounce_ms, "Quiet period after the last change, in ms (default 100)")
      ->check(CLI::Range(0L, 3'600'000L));
  command->add_flag("--restart", args->restart, "Restart CMD (SIGTERM, wait, start) when a restart-only field changes");
  command->add_option("--restart-field", args->restart_fields, "A key path pattern that needs a restart (repeatable)")
      ->allow_extra_args(false);
  add_schema_options(*command, args->schema, "Validate every config against this JSON Schema; its x-reload/x-secret apply");
  command->add_option("--secret", args->secrets, "A key path pattern whose values are redacted (repeatable)")
      ->allow_extra_args(false);
  command->add_option("--env-prefix", args->env_prefix, "Overlay environment variables PREFIX_A__B (sets a.b)");
  command->add_option("--format", args->format, format_help());
  add_source_options(*command, args->sources);
  add_report_options(*command, args->report);
  return [args] {
    args->command = exec_command_line();
    return run_exec(*args);
  };
}

}  // namespace hotreload::cli
