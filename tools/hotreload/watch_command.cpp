// hotreload watch [--debounce MS] [--poll MS] [--env-prefix P] [--optional FILE]... [--print-config]
//                 [--schema S [--schema-remote PREFIX=DIR]...] [--secret P]... [--restart P]...
//                 [--admin HOST:PORT [--admin-token-file F] [--admin-allow-remote]] [--audit-log F]
//                 [--report etcd://ENDPOINTS/PREFIX/ [--instance-id ID] [--report-ttl S] [--health-cmd CMD]] FILE...
// Loads the layers, then reloads whenever a file's content changes or SIGHUP arrives, printing
// each pipeline event as one CloudEvents 1.0 JSON object per line (flushed per line) until
// SIGINT or SIGTERM. The first line is the initial load's reload.completed (trigger "initial").
// --admin serves the admin endpoint (admin.hpp) and prints "admin: listening on HOST:PORT" on
// stderr once it accepts connections; its token comes from --admin-token-file or the
// HOTRELOAD_ADMIN_TOKEN environment variable, never from the command line. --audit-log appends
// one JSON line per reload attempt (audit.hpp). A layer may be etcd://HOST:PORT[,...]/KEY or
// etcd://HOST:PORT/PREFIX/ (docs/ETCD.md, options --etcd-*), reloading on etcd's watch, or an
// http(s):// URL (options --http-*), polled; <kind>.error events (etcd.error, url.error) report
// a source that cannot be read while the last good config stays live. --report keeps this
// instance's status under PREFIX/instances/ID (fleet_report.hpp); report.error events say when
// it cannot be written. With --report an etcd document layer also follows its rollout record
// (rollout_source.hpp); --health-cmd runs after applying a rollout's candidate (rollout_health.hpp).
// --schema judges every config (a violation is a reload.failed); its x-reload / x-secret fields
// join --restart / --secret (ReloadOptions::schema).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <mutex>
#include <optional>

#include "commands.hpp"
#include "layer_args.hpp"
#include "report_args.hpp"
#include "schema_args.hpp"
#include "hotreload/admin.hpp"
#include "hotreload/audit.hpp"
#include "hotreload/metrics.hpp"
#include "hotreload/reload_metrics.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/watch.hpp"
#include "hotreload/watch_sources.hpp"

namespace hotreload::cli {
namespace {

struct WatchArgs {
  std::vector<std::string> files;
  std::vector<std::string> optional_files;
  std::string env_prefix;
  std::string format;
  std::vector<std::string> secrets;
  std::vector<std::string> restart_fields;
  SchemaArgs schema;
  long debounce_ms = 100;
  long poll_ms = 0;
  bool print_config = false;
  std::string admin;             // HOST:PORT; empty: no admin endpoint
  std::string admin_token_file;  // else HOTRELOAD_ADMIN_TOKEN
  bool admin_allow_remote = false;
  std::string audit_log;
  SourceArgs sources;
  ReportArgs report;
};

// The admin options from the arguments, or an error to print (exit 2). Checked before anything
// starts, so a usage mistake never leaves a half-started watcher.
Result<AdminOptions> admin_options(const WatchArgs& args) {
  auto address = parse_admin_address(args.admin);
  if (!address) return unexpected(address.error());
  if (!args.admin_allow_remote && !is_loopback(address->first)) {
    return unexpected(Error{ErrorCode::usage,
                            "--admin " + args.admin + " is not a loopback address; add --admin-allow-remote to serve it",
                            {}, {}});
  }
  AdminOptions options;
  options.host = address->first;
  options.port = address->second;
  options.allow_remote = args.admin_allow_remote;
  options.event_source = "hotreload://watch/" + std::to_string(::getpid());
  if (!args.admin_token_file.empty()) {
    auto token = read_token_file(args.admin_token_file);
    if (!token) return unexpected(token.error());
    options.token = std::move(*token);
  } else if (auto token = token_from_env(); !token) {
    return unexpected(token.error());
  } else if (*token) {
    options.token = std::move(**token);
  } else {
    return unexpected(Error{ErrorCode::usage,
                            "--admin needs a bearer token: --admin-token-file FILE or HOTRELOAD_ADMIN_TOKEN", {}, {}});
  }
  return options;
}

// The types a consumer of `watch` sees; started/validated are internal steps.
bool printed(const std::string& type) {
  return type == event_type::completed || type == event_type::failed || type == event_type::rolled_back ||
         type == event_type::skipped || type == event_type::deferral_overdue || type == event_type::file_changed ||
         type == event_type::file_missing || type == event_type::watch_fallback ||
         type.ends_with(".error");  // watch.error, a source's: etcd.error, url.error
}

int run_watch(const WatchArgs& args) {
  // Files, directories, etcd:// and http(s):// layers, in order; a bad URL or option is a usage error.
  auto layers = make_layers(args.files, args.optional_files, format_option(args.format), args.sources,
                            std::chrono::milliseconds(args.debounce_ms));
  if (!layers) {
    print_errors({layers.error()});
    return kExitTrouble;
  }
  // A canary of a rollout on one of its etcd keys loads the candidate (rollout_source.hpp).
  if (auto following = follow_rollouts(args.report, args.sources.etcd, layers->specs,
                                       std::chrono::milliseconds(args.debounce_ms));
      !following) {
    print_errors({following.error()});
    return kExitTrouble;
  }
  std::optional<AdminOptions> admin_settings;
  if (!args.admin.empty()) {
    auto settings = admin_options(args);
    if (!settings) {
      print_errors({settings.error()});
      return kExitTrouble;
    }
    admin_settings = std::move(*settings);
  }
  std::optional<ConfigSchema> schema;
  if (!args.schema.path.empty()) {
    auto loaded = load_schema(args.schema);
    if (!loaded) {
      print_errors(loaded.error());
      return kExitTrouble;
    }
    schema = std::move(*loaded);
  }
  std::unique_ptr<AuditLog> audit;
  if (!args.audit_log.empty()) {
    auto opened = AuditLog::open_file(args.audit_log);
    if (!opened) {
      print_errors({opened.error()});
      return kExitTrouble;
    }
    audit = std::move(*opened);
  }

  // Signals are taken synchronously by sigwait() on this thread; block them before any thread
  // starts so that every thread inherits the mask and none runs a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ReloadOptions options;
  options.layers.files = layers->specs;
  if (!args.env_prefix.empty()) options.layers.env = EnvOverlay{args.env_prefix};
  for (const std::string& pattern : args.secrets) options.fields.secret(pattern);
  for (const std::string& pattern : args.restart_fields) options.fields.restart(pattern);
  options.config_in_events = args.print_config;
  if (schema) {
    options.schema = std::move(*schema);
    // A JSON Schema instance may be any JSON value, not only a map.
    options.layers.parse.require_object = false;
  }

  const std::string source = "hotreload://watch/" + std::to_string(::getpid());
  std::mutex output_mutex;
  Reloader<nlohmann::json> reloader(options);
  Subscription printer = reloader.events().subscribe([&](const Event& event) {
    if (!printed(event.type)) return;
    std::lock_guard lock(output_mutex);
    std::cout << to_cloudevent_line(event, source) << std::endl;  // flushed per line
  });
  // Subscribed before the first load, so the initial load is counted and audited too.
  MetricsRegistry registry;
  ReloadMetrics metrics(reloader.events(), registry);
  Subscription auditing = audit ? audit->attach(reloader.events()) : Subscription{};
  // Before the first load, so it is reported; writes asynchronously (report.error when it cannot).
  auto reporter = start_reporter(args.report, args.sources.etcd, reloader);
  if (!reporter) {
    print_errors({reporter.error()});
    return kExitTrouble;
  }
  auto health = start_health_check(args.report, reloader, reporter->get());  // stopped before the reporter

  // The library's start sequence (watch_sources.hpp): every remote layer read once (one that
  // cannot be is reported as <kind>.error and serves empty until it can), the watchers' baseline
  // taken before the first load, reloads held until that load is published: a change made at any
  // moment from here on is applied, none is lost in between.
  WatchOptions watch;
  watch.debounce = std::chrono::milliseconds(args.debounce_ms);
  if (args.poll_ms > 0) watch.poll_interval = std::chrono::milliseconds(args.poll_ms);
  auto watcher = watch_sources(reloader, watch);
  if (!watcher) {
    print_errors(watcher.error().errors);
    return watcher.error().stage == WatchStartError::Stage::watch ? kExitTrouble : kExitFinding;
  }

  std::optional<AdminServer> admin;
  if (admin_settings) {
    AdminSources sources = admin_sources(reloader, reloader.options().fields, &registry);  // the schema's rules too
    sources.audit = audit.get();
    admin.emplace(std::move(*admin_settings), std::move(sources));
    if (auto started = admin->start(); !started) {
      print_errors({started.error()});
      watcher->reset();
      return kExitTrouble;
    }
    std::cerr << "admin: listening on " << admin->address() << std::endl;
  }

  while (true) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      (void)reloader.reload(Trigger::signal);
      continue;
    }
    break;  // SIGINT or SIGTERM: stop the watcher (joins its thread), then exit cleanly
  }
  if (admin) admin->stop();  // no request reloads once the watcher is gone
  watcher->reset();
  if (*reporter) (*reporter)->stop();  // revokes the lease: the report goes with the process
  // An audit trail with holes is a failure the operator must hear about, even after a clean stop.
  if (audit && audit->lost_records() > 0) {
    std::cerr << "hotreload: " << audit->lost_records() << " audit record"
              << (audit->lost_records() == 1 ? " was" : "s were") << " lost: " << args.audit_log
              << " is incomplete" << std::endl;
    return kExitTrouble;
  }
  return kExitOk;
}

}  // namespace

Command add_watch_command(CLI::App& app) {
  auto args = std::make_shared<WatchArgs>();
  CLI::App* command = app.add_subcommand("watch", "Reload on every change and print each event as CloudEvents JSON");
  command->add_option("files", args->files,
                      "Config files, etcd://HOST:PORT[,HOST:PORT...]/KEY or /PREFIX/ (several etcd members fail over), or http(s):// layers, lowest priority first; "
                      "FORMAT:LAYER sets one layer's format (keyvalue:/etc/tor/torrc)")
      ->required();
  command->add_option("--debounce", args->debounce_ms, "Quiet period after the last change, in ms (default 100)")
      ->check(CLI::Range(0L, 3'600'000L));
  command->add_option("--poll", args->poll_ms, "Poll every MS milliseconds instead of using inotify")
      ->check(CLI::Range(1L, 3'600'000L));
  command->add_option("--env-prefix", args->env_prefix, "Overlay environment variables PREFIX_A__B (sets a.b)");
  command->add_option("--format", args->format, format_help());
  command->add_option("--optional", args->optional_files, "A listed file that may be missing")->allow_extra_args(false);
  command->add_option("--secret", args->secrets, "A key path pattern whose values are redacted (repeatable)")->allow_extra_args(false);
  command->add_option("--restart", args->restart_fields, "A key path pattern that needs a restart (repeatable)")->allow_extra_args(false);
  add_schema_options(*command, args->schema, "Validate every config against this JSON Schema; its x-reload/x-secret apply");
  command->add_flag("--print-config", args->print_config, "Add the full effective config to reload.completed");
  command->add_option("--admin", args->admin, "Serve the admin endpoint on HOST:PORT (port 0: any free port)");
  command->add_option("--admin-token-file", args->admin_token_file,
                      "The admin bearer token for POST /reload (else $HOTRELOAD_ADMIN_TOKEN)");
  command->add_flag("--admin-allow-remote", args->admin_allow_remote, "Allow --admin on a non-loopback address");
  command->add_option("--audit-log", args->audit_log, "Append one JSON line per reload attempt to FILE");
  add_source_options(*command, args->sources);
  add_report_options(*command, args->report);
  return [args] { return run_watch(*args); };
}

}  // namespace hotreload::cli
