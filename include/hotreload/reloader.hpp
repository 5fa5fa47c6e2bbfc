// Reloader<T>: the reload pipeline for one config type. Each reload reads the layers, parses and
// merges them, checks them against the JSON Schema if one is set, binds the result to T, runs the
// validators, diffs against the live config, applies the restart-field policy, lets the affected
// modules prepare (any may veto) and commit (a failed commit rolls the others back), and only then
// publishes a new immutable snapshot. Any failure keeps the old snapshot live and reports where
// and why.
//
//   hotreload::Reloader<Config> reloader({.layers = {.files = {{"config.yaml"},
//                                                              {"config.local.yaml", true}},
//                                                    .env = hotreload::EnvOverlay{"APP"}}});
//   reloader.add_validator([](const Config*, const Config& next) -> hotreload::Errors { ... });
//   reloader.on_change("pool", [](const Config& old, const Config& next) -> hotreload::ModuleResult { ... });
//   if (auto started = reloader.start(); !started) { print(started.error()); return 1; }
//   auto cfg = reloader.read();          // lock-free, any thread
//   reloader.reload(Trigger::file);      // from a watcher; request_reload() for explicit requests
//
// Thread safety: reads (read, load, generation, document) are safe from any thread at any time
// after start() returned successfully. reload() may be called from several threads: reloads are
// serialised, and validators and modules never run concurrently with each other. start() must
// complete before other threads use the reloader. Validators and modules must not request a
// reload synchronously (it would deadlock); they may read() and request_reload_async().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <stop_token>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hotreload/backoff.hpp"
#include "hotreload/binding.hpp"
#include "hotreload/diff.hpp"
#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/events.hpp"
#include "hotreload/fields.hpp"
#include "hotreload/layers.hpp"
#include "hotreload/module.hpp"
#include "hotreload/result.hpp"
#include "hotreload/schema_rules.hpp"
#include "hotreload/snapshot.hpp"

namespace hotreload {

struct ReloadOptions {
  LayerOptions layers{};
  FieldRules fields{};
  // A JSON Schema every merged config must satisfy, checked before binding and the validators:
  // a violation fails the reload (reload.failed, each error at the value's file:line:col) and
  // keeps the old config. Its x-reload / x-secret declarations join `fields`, schema first, so
  // the usual rule decides: the more specific pattern wins, and at equal length the code's rule
  // wins over the schema's (the program knows what it actually re-reads); a secret in either is
  // a secret. options() returns the merged rules.
  //   auto schema = hotreload::ConfigSchema::load("config.schema.yaml");  // check for errors, then
  //   options.schema = std::move(*schema);
  std::optional<ConfigSchema> schema{};
  // When a restart-only field changes: false refuses the whole reload with an error naming the
  // field; true applies the dynamic changes, keeps the restart-only fields at their live values
  // and reports them as pending (ReloadOutcome::pending_restart, the completed event).
  bool apply_dynamic_with_pending_restart = false;
  // Attach the full effective config (secrets redacted) to each reload.completed event.
  bool config_in_events = false;
  // true: the config and document a reload replaces are freed on a thread of the reloader's own,
  // so the reload returns without waiting for that (a quarter to a third of a 10,000-key reload's
  // time). Off by default: that thread's frees contend with the next reload's allocations for the
  // allocator, so back-to-back reloads of a large config measured slower with it (docs/PERFORMANCE.md,
  // "The whole reload"). Either way a reader's handle keeps its value alive.
  bool free_replaced_in_background = false;

  // Modules (module.hpp). The default time each prepare, commit, abort or rollback may take
  // (seed 001's ReloadTimeout); zero waits forever. A call that overruns fails the reload and is
  // reported by module name.
  std::chrono::milliseconds module_timeout{10000};
  // Only these modules take part in reloads (seed 001's EnabledModules); empty: all of them.
  std::vector<std::string> enabled_modules{};

  // Automatic reloads (trigger file or etcd) back off after consecutive failures; explicit ones
  // (api, http, signal) always run and a success resets the backoff.
  BackoffOptions backoff{};
  // Automatic reloads on or off (seed 002's HotReloadConfig::disabled()); set_auto_reload()
  // switches at run time. With dev_mode_only, they are on only when the DEV_MODE environment
  // variable is true, 1, yes or on (seed 002), read at construction.
  bool auto_reload = true;
  bool dev_mode_only = false;

  // Reload on SIGHUP (trigger "signal"). Opt-in: it replaces the process's SIGHUP action (whose
  // default is to terminate) while any reloader with this option is running.
  bool reload_on_sighup = false;

  // A reload held off by DeferGuards for longer than this publishes reload.deferral_overdue
  // (once per deferral); with reload_when_overdue it then runs despite the guards. Zero: no limit.
  std::chrono::milliseconds max_defer{0};
  bool reload_when_overdue = false;

  // The clock for backoff and deferral deadlines, and the jitter's random source in [0, 1):
  // injectable so tests check schedules without waiting. Empty: steady_clock and a seeded PRNG.
  std::function<std::chrono::steady_clock::time_point()> clock{};
  std::function<double()> jitter_random{};
};

// deferred: a DeferGuard was held; the reload runs when the last guard is released.
// skipped: an automatic reload that did not run (backing off, or automatic reloads disabled);
// ReloadOutcome::skip_reason says which. A skipped change is not lost: it is retried when the
// backoff expires, or when automatic reloads are enabled again.
enum class ReloadStatus { applied, unchanged, failed, deferred, skipped };
const char* to_string(ReloadStatus status);

struct ReloadOutcome {
  ReloadStatus status = ReloadStatus::failed;
  std::uint64_t reload_id = 0;
  std::vector<Change> changes{};               // secrets flagged (Change::secret) and redacted inside
  Errors errors{};                             // when failed
  std::string failed_module{};                 // when a module vetoed, threw, overran or failed to commit
  bool rolled_back = false;                    // a commit failed and the committed modules were rolled back
  std::vector<std::string> pending_restart{};  // restart-only fields changed on disk, not applied
  std::string skip_reason{};                   // when skipped
  std::uint64_t generation = 0;                // the live snapshot's generation afterwards
  bool ok() const { return status != ReloadStatus::failed; }
};

// Automatic reloads are those the program did not ask for explicitly: a source's (file, etcd, url...).
constexpr bool is_automatic(Trigger trigger) { return trigger.automatic(); }

namespace detail {

// The pipeline without the config type: T enters only through these hooks, so the logic lives
// in one compiled place (src/reload/pipeline.cpp) instead of in every user's translation unit.
struct PipelineHooks {
  using Bound = std::shared_ptr<const void>;
  std::function<Result<Bound, Errors>(const Document&)> bind;
  // Every validator; `previous` is null on the first load.
  std::function<Errors(const void* previous, const void* next)> validate;
  std::function<void(Bound)> publish;
};

class ReloadTransaction;

class Pipeline {
 public:
  Pipeline(ReloadOptions options, PipelineHooks hooks);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // With `sections`, only changes under those dotted paths are applied; the rest stay live.
  ReloadOutcome run(Trigger trigger, const std::vector<std::string>& sections = {});
  Result<std::shared_ptr<const Document>, Errors> dry_run();
  // Queues a reload for the background thread (started by start_background()).
  std::future<ReloadOutcome> run_async(Trigger trigger, std::vector<std::string> sections);
  // The background thread: asynchronous requests, SIGHUP, backoff retries, deferral deadlines.
  Result<void, Errors> start_background();
  void stop();  // idempotent; joins every thread the pipeline started

  void add_module(ErasedModule module);
  void set_module_enabled(const std::string& name, bool enabled);
  std::vector<std::string> modules() const;

  void set_auto_reload(bool enabled);
  bool auto_reload() const;
  BackoffState backoff() const;
  void reset_backoff();

  // Deferral: while holds are outstanding, run() (except the initial load) only records its
  // trigger; the release of the last hold runs one reload with the latest recorded trigger.
  std::uint64_t hold(std::string reason);
  void release(std::uint64_t hold_id);
  bool started() const;
  std::shared_ptr<const Document> document() const;
  std::uint64_t generation() const;
  EventBus& events();
  const ReloadOptions& options() const;

 private:
  friend class ReloadTransaction;  // src/reload/transaction.cpp: one attempt, on State
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace detail

// Holds reloads off while critical work runs (seed 003's deferred reload):
//   { auto hold = reloader.defer("quality gate"); run_quality_gate(); }  // a reload requested meanwhile runs here
// Guards nest and may be taken on any thread; when the last one goes away, one reload runs, on
// the thread that released it, with the files as they are then. A reload already running when a
// guard is taken finishes first. A guard must not outlive its reloader.
class [[nodiscard]] DeferGuard {
 public:
  DeferGuard(detail::Pipeline& pipeline, std::string reason)
      : pipeline_(&pipeline), hold_id_(pipeline.hold(std::move(reason))) {}
  DeferGuard(DeferGuard&& other) noexcept
      : pipeline_(std::exchange(other.pipeline_, nullptr)), hold_id_(other.hold_id_) {}
  DeferGuard& operator=(DeferGuard&&) = delete;
  DeferGuard(const DeferGuard&) = delete;
  DeferGuard& operator=(const DeferGuard&) = delete;
  ~DeferGuard() {
    if (pipeline_ != nullptr) pipeline_->release(hold_id_);
  }

 private:
  detail::Pipeline* pipeline_;
  std::uint64_t hold_id_;
};

template <class T>
class Reloader {
 public:
  // Extra checks on a bound config; return no errors to accept. `previous` is null on the first
  // load. An error's path, when set, is given the position of that key in the new files.
  using Validator = std::function<Errors(const T* previous, const T& next)>;
  // Told about every change before it is published; return an error (its message is the reason)
  // to veto, which keeps the old config live.
  using Listener = std::function<Result<void, std::string>(const T& previous, const T& next,
                                                            const std::vector<Change>& changes)>;
  using SimpleListener = std::function<Result<void, std::string>(const T& previous, const T& next)>;

  explicit Reloader(ReloadOptions options)
      : pipeline_(std::move(options), hooks()) {}
  // Stops the background thread and joins every thread the reloader started.
  ~Reloader() { stop(); }
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Register before start(): validators also judge the first load.
  void add_validator(Validator validator) {
    std::lock_guard lock(registry_mutex_);
    validators_.push_back(std::move(validator));
  }
  // A module takes part in every later reload that changes one of its sections (module.hpp).
  // Modules prepare and commit in registration order and roll back in reverse.
  void add_module(Module<T> module) { pipeline_.add_module(detail::erase_module(std::move(module))); }
  // Switches a module in or out of reloads at run time (seed 001's EnabledModules).
  void set_module_enabled(const std::string& name, bool enabled) { pipeline_.set_module_enabled(name, enabled); }

  // The one-line veto (seed 004's OnReload): a module without sections whose prepare is
  // `listener`. `name` identifies a veto in errors and events.
  void on_change(std::string name, Listener listener) {
    add_module({.name = std::move(name),
                .prepare = [listener = std::move(listener)](const ModuleUpdate<T>& update) {
                  return listener(update.previous, update.next, update.changes);
                }});
  }
  void on_change(std::string name, SimpleListener listener) {
    add_module({.name = std::move(name),
                .prepare = [listener = std::move(listener)](const ModuleUpdate<T>& update) {
                  return listener(update.previous, update.next);
                }});
  }

  // The first load, then the background thread (asynchronous requests, SIGHUP when enabled,
  // backoff retries, deferral deadlines). Failing here is loud: there is no last-known-good
  // config to keep. Idempotent: once started, it only restarts a stopped background thread.
  Result<void, Errors> start() {
    if (!pipeline_.started()) {
      ReloadOutcome outcome = pipeline_.run(Trigger::initial);
      if (!outcome.ok()) return unexpected(std::move(outcome.errors));
    }
    return pipeline_.start_background();
  }
  // Stops the background thread promptly and joins it, and every module call that overran its
  // timeout (asked to stop through its stop_token). The live config stays readable; reload()
  // still works. Idempotent.
  void stop() { pipeline_.stop(); }
  // Stops when `token` is stopped, e.g. a std::jthread's.
  void stop_when(std::stop_token token) {
    stop_callback_.emplace(std::move(token), [this] { stop(); });
  }

  // Runs the pipeline now and returns what happened. Safe from any thread. Before start() it is a
  // usage error, unless a DeferGuard is held: then it is deferred like any other request, which
  // lets a watcher start before the first load without losing a change made during it.
  ReloadOutcome reload(Trigger trigger = Trigger::api) { return pipeline_.run(trigger); }

  // A dry run: loads the layers and checks them exactly as a reload would (the restart policy
  // against the live config once started, the schema, the binding, every validator), but runs no
  // module, publishes nothing and emits no event. The candidate document, or every error (secrets
  // scrubbed). `hotreload validate` is this call.
  Result<std::shared_ptr<const Document>, Errors> dry_run() { return pipeline_.dry_run(); }

  // Reloads only the named sections (seed 001's RequestReload(ctx, "database", "cache")): changes
  // under them are applied, every other key keeps its live value even if its file changed.
  // Validators and modules see the resulting config. A deferred request reloads everything.
  ReloadOutcome reload_sections(const std::vector<std::string>& sections, Trigger trigger = Trigger::api) {
    return pipeline_.run(trigger, sections);
  }
  // Seed 001's RequestReload: an explicit request (it bypasses the backoff), synchronous...
  ReloadOutcome request_reload(const std::vector<std::string>& sections = {}) {
    return pipeline_.run(Trigger::api, sections);
  }
  // ...or run on the background thread; the future is ready when it finished. Requests queued
  // together are coalesced into one reload. After stop() the future holds a failed outcome.
  std::future<ReloadOutcome> request_reload_async(std::vector<std::string> sections = {},
                                                  Trigger trigger = Trigger::api) {
    return pipeline_.run_async(trigger, std::move(sections));
  }

  // Holds reloads off until the guard (and every other) is released; see DeferGuard. `reason`
  // appears in the deferral events.
  DeferGuard defer(std::string reason = {}) { return DeferGuard(pipeline_, std::move(reason)); }

  // Automatic reloads (file, etcd) on or off at run time; turning them on reloads once if a
  // change was skipped meanwhile.
  void set_auto_reload(bool enabled) { pipeline_.set_auto_reload(enabled); }
  bool auto_reload() const { return pipeline_.auto_reload(); }
  // Consecutive failures and when automatic reloads may run again.
  BackoffState backoff() const { return pipeline_.backoff(); }
  void reset_backoff() { pipeline_.reset_backoff(); }

  // The cheap read: no lock, no shared reference count. Keep the handle on this thread.
  ReadHandle<T> read() const { return live().read(); }
  // The cheapest read, for hot loops: valid only until this thread next calls read() or peek()
  // on this Reloader (see Snapshot::peek()).
  const T& peek() const { return live().peek(); }
  // An owning handle that may outlive this scope or move to another thread.
  std::shared_ptr<const T> load() const { return live().load(); }
  // How many configs have been published (1 after start()).
  std::uint64_t generation() const { return pipeline_.generation(); }
  // The live merged document, with positions and provenance.
  std::shared_ptr<const Document> document() const { return pipeline_.document(); }
  EventBus& events() { return pipeline_.events(); }
  const ReloadOptions& options() const { return pipeline_.options(); }

 private:
  const Snapshot<T>& live() const {
    if (!snapshot_) throw std::logic_error("hotreload::Reloader: read before a successful start()");
    return *snapshot_;
  }

  detail::PipelineHooks hooks() {
    detail::PipelineHooks h;
    h.bind = [this](const Document& doc) -> Result<detail::PipelineHooks::Bound, Errors> {
      auto bound = hotreload::bind<T>(doc, &pipeline_.options().fields);
      if (!bound) return unexpected(std::move(bound).error());
      return std::static_pointer_cast<const void>(std::make_shared<const T>(std::move(*bound)));
    };
    h.validate = [this](const void* previous, const void* next) {
      std::lock_guard lock(registry_mutex_);
      Errors errors;
      for (const Validator& validator : validators_) {
        Errors found = validator(static_cast<const T*>(previous), *static_cast<const T*>(next));
        errors.insert(errors.end(), found.begin(), found.end());
      }
      return errors;
    };
    h.publish = [this](detail::PipelineHooks::Bound bound) {
      auto typed = std::static_pointer_cast<const T>(std::move(bound));
      if (snapshot_) {
        snapshot_->publish(std::move(typed));
      } else {
        snapshot_ = std::make_unique<Snapshot<T>>(std::move(typed));
      }
    };
    return h;
  }

  mutable std::mutex registry_mutex_;  // guards validators_
  std::vector<Validator> validators_;
  std::unique_ptr<Snapshot<T>> snapshot_;  // set by the first publish, never reset
  detail::Pipeline pipeline_;              // after the members its hooks use
  std::optional<std::stop_callback<std::function<void()>>> stop_callback_;  // last: first to go
};

}  // namespace hotreload
