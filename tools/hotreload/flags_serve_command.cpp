// hotreload flags serve [--ofrep HOST:PORT] [--sync HOST:PORT] [--token-file FILE] [--allow-remote]
//                       [--require-targeting-key] [--lenient] [--debounce MS] [--poll MS]
//                       [--etcd-*] [--http-*] FLAGFILE|etcd://...|http(s)://...
// Serves flagd flag files over OFREP (ofrep.hpp), and over flagd sync (flag_sync.hpp) with --sync,
// until SIGINT or SIGTERM. The layers merge in order as flagd merges its sources: a later layer's
// flag replaces an earlier one of the same key. A file that other users can write is refused, as
// config layers are (permissions.hpp). An etcd:// or http(s):// argument is a flag source, mapped
// as every command maps layers (layer_args.hpp, with --etcd-* and --http-*): read at start, then
// watched or polled; when it fails, "source: NAME failed; its last flags stay live" is printed and
// it keeps retrying.
// Everything is watched: a change that leaves every layer valid swaps all flags at once, tells the
// event-stream clients to re-fetch and sends the new flags to every sync stream (the merged set, or
// one layer's for a client whose selector names that layer as given); any error keeps the previous
// flags live. stdout gets one line per state, flushed: "ofrep: listening on HOST:PORT" and
// "sync: listening on HOST:PORT" once connections are accepted (the real port for port 0),
// "flags: applied N flags (change K)" after each load, "flags: refused (...)" after a bad edit,
// whose errors go to stderr as FILE:LINE:COL: PATH: message. SIGHUP re-reads.
// Exit codes: 0 after SIGINT/SIGTERM; 1 invalid flag files at start; 2 usage errors, an
// unreadable file at start, an address that cannot be bound.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <functional>
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
#include "layer_args.hpp"

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
  SourceArgs sources;  // --etcd-*, --http-*: etcd:// and http(s):// flag sources
};

// What one load produced: each file's flags in order, and their merge.
struct LoadedFlags {
  std::vector<FlagdDefinitions> parts;
  FlagdDefinitions merged;
};

// One flag layer's flags: a file read and checked now, or what a source (etcd, HTTP) last read.
Result<FlagdDefinitions, Errors> load_one(const LayerSpec& layer, const FlagdOptions& options) {
  if (layer.source) {
    auto document = layer.source->load();
    if (!document) return unexpected(std::move(document).error());
    return FlagdDefinitions::from_document(*document, options);
  }
  // As for config layers: whoever can write the flags controls the service's behaviour.
  if (auto allowed = check_file_permissions(layer.path); !allowed) return unexpected(Errors{allowed.error()});
  return FlagdDefinitions::parse_file(layer.path, options);
}

// Every layer loaded, then merged; else the errors of every layer that could not be used.
Result<LoadedFlags, Errors> load_all(const std::vector<LayerSpec>& layers, bool lenient) {
  std::vector<FlagdDefinitions> parts;
  Errors errors;
  for (const LayerSpec& layer : layers) {
    auto parsed = load_one(layer, {.strict = !lenient});
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
// The documents flagd sync serves: the merged flags, and each layer's under its name as given.
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
  // Whether --sync can be served, before anything starts.
  static Result<void> check(const ServeArgs& args) {
    if (args.sync.empty()) return {};
    auto address = listen_address("--sync", args.sync, args.allow_remote);
    if (!address) return unexpected(address.error());
    return {};
  }
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
  static Result<void> check(const ServeArgs& args) {
    if (args.sync.empty()) return {};
    return unexpected(Error{ErrorCode::usage,
                            "--sync: this hotreload was built without gRPC (HOTRELOAD_GRPC=OFF), so it cannot "
                            "serve flagd sync; serve OFREP with --ofrep",
                            {}, {}});
  }
  Result<void> start(const ServeArgs&, const LoadedFlags&, MetricsRegistry&) { return {}; }
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

// The flag layers in order: files, and etcd:// or http(s):// sources mapped as every command maps
// layers (layer_args.hpp). Directory layers are refused: a flag set is one document.
Result<std::vector<LayerSpec>> flag_layers(const ServeArgs& args) {
  auto layers = make_layers(args.files, {}, std::nullopt, args.sources, std::chrono::milliseconds(args.debounce_ms));
  if (!layers) return unexpected(layers.error());
  for (const LayerSpec& layer : layers->specs) {
    if (!layer.directory_glob.empty()) {
      return unexpected(Error{ErrorCode::usage,
                              "flags serve takes flag files and etcd:// or http(s):// sources, not a directory layer",
                              {layer.path, 0, 0}, {}});
    }
  }
  return std::move(layers->specs);
}

// Watches every layer until dropped: the files through one FileWatcher, each source through its
// own watch. `changed` reloads; a source's failure is reported and its last flags stay.
class FlagLayerWatch {
 public:
  Result<void> start_files(const ServeArgs& args, const std::vector<LayerSpec>& layers, std::function<void()> changed) {
    WatchOptions watch{.debounce = std::chrono::milliseconds(args.debounce_ms)};
    for (const LayerSpec& layer : layers) {
      if (!layer.source) watch.files.push_back(layer.path);
    }
    if (watch.files.empty()) return {};
    if (args.poll_ms > 0) watch.poll_interval = std::chrono::milliseconds(args.poll_ms);
    auto watcher = FileWatcher::start(watch, [changed](const std::vector<FileChange>&) { changed(); });
    if (!watcher) return unexpected(watcher.error());
    files_ = std::move(*watcher);
    return {};
  }
  // After the first load, as LayerSource::watch() asks.
  void start_sources(const std::vector<LayerSpec>& layers, const std::function<void()>& changed) {
    for (const LayerSpec& layer : layers) {
      if (!layer.source) continue;
      const std::string name = layer.source->name();
      auto watch = layer.source->watch({.changed = [changed](const std::string&) { changed(); },
                                        .failed = [name](const Error& error) {
                                          print_errors({error});
                                          std::cout << "source: " << name << " failed; its last flags stay live"
                                                    << std::endl;
                                        }});
      if (watch) sources_.push_back(std::move(watch));
    }
  }
  void stop() {
    sources_.clear();
    files_.reset();
  }

 private:
  std::unique_ptr<FileWatcher> files_;
  std::vector<std::unique_ptr<SourceWatch>> sources_;
};

int run_serve(const ServeArgs& args) {
  if (args.debounce_ms < 0 || args.poll_ms < 0) {
    print_errors({{ErrorCode::usage, "--debounce and --poll must not be negative", {}, {}}});
    return kExitTrouble;
  }
  auto layers = flag_layers(args);
  if (!layers) {
    print_errors({layers.error()});
    return kExitTrouble;
  }
  if (auto usable = SyncService::check(args); !usable) {
    print_errors({usable.error()});
    return kExitTrouble;
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
    auto definitions = load_all(*layers, args.lenient);
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

  // Sources are read before the first load (a source that cannot be read is an error at start);
  // the file watcher takes its baseline before it: an edit made from here on is applied.
  for (const LayerSpec& layer : *layers) {
    if (!layer.source) continue;
    if (auto synced = layer.source->sync(); !synced) {
      print_errors({synced.error()});
      return kExitTrouble;
    }
  }
  FlagLayerWatch watcher;
  const std::function<void()> changed = [&] { (void)reload(); };
  if (auto started = watcher.start_files(args, *layers, changed); !started) {
    print_errors({started.error()});
    return kExitTrouble;
  }
  if (Errors errors = reload(); !errors.empty()) {
    watcher.stop();
    const bool unreadable = std::any_of(errors.begin(), errors.end(), [](const Error& e) { return e.code == ErrorCode::io; });
    return unreadable ? kExitTrouble : kExitFinding;
  }
  watcher.start_sources(*layers, changed);
  if (auto started = ofrep.start(); !started) {
    print_errors({started.error()});
    watcher.stop();
    return kExitTrouble;
  }
  std::cout << "ofrep: listening on " << ofrep.address() << std::endl;
  {
    // Under reload_mu: a change applied meanwhile is either in what start() serves or published after.
    std::lock_guard lock(reload_mu);
    if (auto started = sync.start(args, last, registry); !started) {
      print_errors({started.error()});
      ofrep.stop();
      watcher.stop();
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
  watcher.stop();
  sync.stop();
  ofrep.stop();
  return kExitOk;
}

}  // namespace

FlagsServe add_flags_serve(CLI::App& flags) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* command = flags.add_subcommand("serve", "Serve flag files over OFREP, reloading them on change");
  command->add_option("files", args->files,
                      "flagd flag files (JSON or YAML), etcd://HOST:PORT[,...]/KEY or http(s):// sources; later ones win "
                      "on a shared key")
      ->required();
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
  add_source_options(*command, args->sources);
  return {command, [args] { return run_serve(*args); }};
}

}  // namespace hotreload::cli
