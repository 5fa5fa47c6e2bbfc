// hotreload flags serve [--ofrep HOST:PORT] [--sync HOST:PORT] [--token-file FILE] [--allow-remote]
//                       [--require-targeting-key] [--lenient] [--debounce MS] [--poll MS] FLAGFILE...
// Serves flagd flag files over OFREP (ofrep.hpp), and over flagd sync (flag_sync.hpp) with --sync,
// until SIGINT or SIGTERM. The files merge in
// order as flagd merges its sources: a later file's flag replaces an earlier one of the same key.
// A file that other users can write is refused, as config layers are (permissions.hpp).
// They are watched: an edit that leaves every file valid swaps all flags at once and tells the
// event-stream clients to re-fetch and sends the new flags to every sync stream (the merged set, or
// one file's for a client whose selector names that file as given); any error keeps the previous
// flags live. stdout gets one line per state, flushed: "ofrep: listening on HOST:PORT" and
// "sync: listening on HOST:PORT" once connections are accepted (the real port for port 0), "flags: applied N flags (change K)" after each load, "flags: refused (...)"
// after a bad edit, whose errors go to stderr as FILE:LINE:COL: PATH: message. SIGHUP re-reads.
// Exit codes: 0 after SIGINT/SIGTERM; 1 invalid flag files at start; 2 usage errors, an
// unreadable file at start, an address that cannot be bound.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <iostream>
#include <mutex>

#include "flags_serve.hpp"
#if HOTRELOAD_WITH_GRPC
#include "hotreload/flag_sync.hpp"
#endif
#include "hotreload/admin.hpp"
#include "hotreload/flagd.hpp"
#include "hotreload/metrics.hpp"
#include "hotreload/ofrep.hpp"
#include "hotreload/permissions.hpp"
#include "hotreload/watch.hpp"

namespace hotreload::cli {
namespace {

struct ServeArgs {
  std::vector<std::string> files;
  std::string ofrep = "127.0.0.1:8016";  // flagd's OFREP port
  std::string sync;
  std::string token_file;
  bool allow_remote = false;
  bool require_targeting_key = false;
  bool lenient = false;
  long debounce_ms = 100;
  long poll_ms = 0;
};

// What one load produced: each file's flags in order, and their merge.
struct LoadedFlags {
  std::vector<FlagdDefinitions> parts;
  FlagdDefinitions merged;
};

// Every file checked and parsed, then merged; else the errors of every file that could not be used.
Result<LoadedFlags, Errors> load_all(const ServeArgs& args) {
  std::vector<FlagdDefinitions> parts;
  Errors errors;
  for (const std::string& file : args.files) {
    // As for config layers: whoever can write the flags controls the service's behaviour.
    if (auto allowed = check_file_permissions(file); !allowed) {
      errors.push_back(allowed.error());
      continue;
    }
    auto parsed = FlagdDefinitions::parse_file(file, {.strict = !args.lenient});
    if (!parsed) {
      errors.insert(errors.end(), parsed.error().begin(), parsed.error().end());
      continue;
    }
    for (const Error& warning : parsed->warnings()) std::cerr << "warning: " << warning.to_string() << '\n';
    parts.push_back(std::move(*parsed));
  }
  if (!errors.empty()) return unexpected(std::move(errors));
  FlagdDefinitions merged = FlagdDefinitions::merge(parts);
  return LoadedFlags{std::move(parts), std::move(merged)};
}

Result<std::pair<std::string, int>> listen_address(const std::string& option, const std::string& value,
                                                   bool allow_remote) {
  auto usage = [](std::string message) { return unexpected(Error{ErrorCode::usage, std::move(message), {}, {}}); };
  auto address = parse_admin_address(value);
  if (!address) return usage(option + ": " + address.error().message);
  if (!allow_remote && !is_loopback(address->first)) {
    return usage(option + " " + value + " is not a loopback address; add --allow-remote to serve it");
  }
  return address;
}

#if HOTRELOAD_WITH_GRPC
// The documents flagd sync serves: the merged flags, and each file's under its name as given.
FlagSyncContent sync_content(const ServeArgs& args, const LoadedFlags& loaded) {
  FlagSyncContent content{.merged = loaded.merged.to_json().dump()};
  for (std::size_t i = 0; i < loaded.parts.size(); ++i) {
    content.sources.emplace_back(args.files[i], loaded.parts[i].to_json().dump());
  }
  return content;
}

// Serves flagd sync when --sync names an address; otherwise no server. Errors are usage or io.
class SyncService {
 public:
  Result<void> start(const ServeArgs& args, const LoadedFlags& loaded, MetricsRegistry& registry) {
    if (args.sync.empty()) return {};
    auto address = listen_address("--sync", args.sync, args.allow_remote);
    if (!address) return unexpected(address.error());
    auto server = FlagSyncServer::start({.host = address->first,
                                         .port = address->second,
                                         .allow_remote = args.allow_remote,
                                         .metrics = &registry},
                                        sync_content(args, loaded));
    if (!server) return unexpected(server.error());
    server_ = std::move(*server);
    const bool ipv6 = address->first.find(':') != std::string::npos;
    std::cout << "sync: listening on " << (ipv6 ? "[" + address->first + "]" : address->first) << ':'
              << server_->port() << std::endl;
    return {};
  }
  void publish(const ServeArgs& args, const LoadedFlags& loaded) {
    if (server_) server_->publish(sync_content(args, loaded));
  }
  void stop() { server_.reset(); }

 private:
  std::unique_ptr<FlagSyncServer> server_;
};
#else
class SyncService {
 public:
  Result<void> start(const ServeArgs& args, const LoadedFlags&, MetricsRegistry&) {
    if (args.sync.empty()) return {};
    return unexpected(Error{ErrorCode::usage,
                            "--sync: this hotreload was built without gRPC (HOTRELOAD_GRPC=OFF), so it cannot "
                            "serve flagd sync; serve OFREP with --ofrep",
                            {}, {}});
  }
  void publish(const ServeArgs&, const LoadedFlags&) {}
  void stop() {}
};
#endif

Result<OfrepOptions> ofrep_options(const ServeArgs& args) {
  auto address = listen_address("--ofrep", args.ofrep, args.allow_remote);
  if (!address) return unexpected(address.error());
  OfrepOptions options;
  options.host = address->first;
  options.port = address->second;
  options.allow_remote = args.allow_remote;
  options.require_targeting_key = args.require_targeting_key;
  if (!args.token_file.empty()) {
    auto token = read_token_file(args.token_file);
    if (!token) return unexpected(Error{ErrorCode::usage, "--token-file: " + token.error().to_string(), {}, {}});
    options.token = std::move(*token);
  }
  return options;
}

int run_serve(const ServeArgs& args) {
  if (args.debounce_ms < 0 || args.poll_ms < 0) {
    print_errors({{ErrorCode::usage, "--debounce and --poll must not be negative", {}, {}}});
    return kExitTrouble;
  }
  if (!args.sync.empty()) {
    if (auto address = listen_address("--sync", args.sync, args.allow_remote); !address) {
      print_errors({address.error()});
      return kExitTrouble;
    }
  }
  auto options = ofrep_options(args);
  if (!options) {
    print_errors({options.error()});
    return kExitTrouble;
  }

  // Signals are taken by sigwait() on this thread; blocked before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  FlagdStore store;
  MetricsRegistry registry;
  OfrepServer ofrep(store, std::move(*options), &registry);
  SyncService sync;
  std::mutex reload_mu;  // one load at a time, so the last one read is the one published
  bool loaded = false;   // guarded by reload_mu
  int changes = 0;       // guarded by reload_mu
  LoadedFlags last;      // guarded by reload_mu: what was applied last

  // The errors of a load that was refused; none when it was applied.
  auto reload = [&]() -> Errors {
    std::lock_guard lock(reload_mu);
    auto definitions = load_all(args);
    if (!definitions) {
      print_errors(definitions.error());
      std::cout << "flags: refused (" << definitions.error().size()
                << (definitions.error().size() == 1 ? " error" : " errors")
                << (loaded ? "; the previous flags stay live)" : ")") << std::endl;
      return std::move(definitions).error();
    }
    const std::size_t count = definitions->merged.size();
    store.replace(definitions->merged);
    if (loaded) {
      ++changes;
      ofrep.flags_changed();
      sync.publish(args, *definitions);
    }
    last = std::move(*definitions);
    loaded = true;
    std::cout << "flags: applied " << count << (count == 1 ? " flag" : " flags") << " (change " << changes << ")"
              << std::endl;
    return {};
  };

  // The watcher takes its baseline before the first load: an edit made from here on is applied.
  WatchOptions watch{.files = args.files, .debounce = std::chrono::milliseconds(args.debounce_ms)};
  if (args.poll_ms > 0) watch.poll_interval = std::chrono::milliseconds(args.poll_ms);
  auto watcher = FileWatcher::start(watch, [&](const std::vector<FileChange>&) { (void)reload(); });
  if (!watcher) {
    print_errors({watcher.error()});
    return kExitTrouble;
  }
  if (Errors errors = reload(); !errors.empty()) {
    watcher->reset();
    const bool unreadable = std::any_of(errors.begin(), errors.end(), [](const Error& e) { return e.code == ErrorCode::io; });
    return unreadable ? kExitTrouble : kExitFinding;
  }
  if (auto started = ofrep.start(); !started) {
    print_errors({started.error()});
    watcher->reset();
    return kExitTrouble;
  }
  std::cout << "ofrep: listening on " << ofrep.address() << std::endl;
  {
    // Under reload_mu: a change applied meanwhile is either in what start() serves or published after.
    std::lock_guard lock(reload_mu);
    if (auto started = sync.start(args, last, registry); !started) {
      print_errors({started.error()});
      ofrep.stop();
      watcher->reset();
      return kExitTrouble;
    }
  }

  while (true) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      (void)reload();
      continue;
    }
    break;
  }
  watcher->reset();
  sync.stop();
  ofrep.stop();
  return kExitOk;
}

}  // namespace

FlagsServe add_flags_serve(CLI::App& flags) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* command = flags.add_subcommand("serve", "Serve flag files over OFREP, reloading them on change");
  command->add_option("files", args->files, "flagd flag files (JSON or YAML); later files win on a shared key")->required();
  command->add_option("--ofrep", args->ofrep, "Serve OFREP on HOST:PORT (port 0: any free port)")->capture_default_str();
  command->add_option("--sync", args->sync, "Serve flagd sync (gRPC) on HOST:PORT too (port 0: any free port)");
  command->add_option("--token-file", args->token_file,
                      "Require this token (Authorization: Bearer or X-API-Key); the file must be mode 600");
  command->add_flag("--allow-remote", args->allow_remote, "Allow --ofrep and --sync on a non-loopback address");
  command->add_flag("--require-targeting-key", args->require_targeting_key,
                    "Refuse a context without targetingKey (TARGETING_KEY_MISSING), as the OFREP schema says");
  command->add_flag("--lenient", args->lenient, "Accept what flagd accepts: rules that cannot run are warnings");
  command->add_option("--debounce", args->debounce_ms, "Quiet period in milliseconds after a change (default 100)");
  command->add_option("--poll", args->poll_ms, "Poll the files every MS milliseconds instead of using inotify");
  return {command, [args] { return run_serve(*args); }};
}

}  // namespace hotreload::cli
