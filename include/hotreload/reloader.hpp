// Reloader<T>: the reload pipeline for one config type. Each reload reads the layers, parses and
// merges them, binds the result to T, runs the validators, diffs against the live config, applies
// the restart-field policy, asks the listeners (who may veto), and only then publishes a new
// immutable snapshot. Any failure keeps the old snapshot live and reports where and why.
//
//   hotreload::Reloader<Config> reloader({.layers = {.files = {{"config.yaml"},
//                                                              {"config.local.yaml", true}},
//                                                    .env = hotreload::EnvOverlay{"APP"}}});
//   reloader.add_validator([](const Config*, const Config& next) -> hotreload::Errors { ... });
//   if (auto started = reloader.start(); !started) { print(started.error()); return 1; }
//   auto cfg = reloader.read();          // lock-free, any thread
//   reloader.reload();                   // from a watcher, a signal handler thread, an endpoint
//
// Thread safety: reads (read, load, generation, document) are safe from any thread at any time
// after start() returned successfully. reload() may be called from several threads: reloads are
// serialised, and validators and listeners never run concurrently with each other. start() must
// complete before other threads use the reloader. Listeners and validators must not call reload()
// (it would deadlock); they may read().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hotreload/binding.hpp"
#include "hotreload/diff.hpp"
#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/events.hpp"
#include "hotreload/fields.hpp"
#include "hotreload/layers.hpp"
#include "hotreload/result.hpp"
#include "hotreload/snapshot.hpp"

namespace hotreload {

struct ReloadOptions {
  LayerOptions layers{};
  FieldRules fields{};
  // When a restart-only field changes: false refuses the whole reload with an error naming the
  // field; true applies the dynamic changes, keeps the restart-only fields at their live values
  // and reports them as pending (ReloadOutcome::pending_restart, the completed event).
  bool apply_dynamic_with_pending_restart = false;
  // Attach the full effective config (secrets redacted) to each reload.completed event.
  bool config_in_events = false;
};

// deferred: a DeferGuard was held; the reload runs when the last guard is released.
enum class ReloadStatus { applied, unchanged, failed, deferred };
const char* to_string(ReloadStatus status);

struct ReloadOutcome {
  ReloadStatus status = ReloadStatus::failed;
  std::uint64_t reload_id = 0;
  std::vector<Change> changes{};               // secrets flagged (Change::secret) and redacted inside
  Errors errors{};                             // when failed
  std::vector<std::string> pending_restart{};  // restart-only fields changed on disk, not applied
  std::uint64_t generation = 0;              // the live snapshot's generation afterwards
  bool ok() const { return status != ReloadStatus::failed; }
};

namespace detail {

// The pipeline without the config type: T enters only through these hooks, so the logic lives
// in one compiled place (src/reload/pipeline.cpp) instead of in every user's translation unit.
struct PipelineHooks {
  using Bound = std::shared_ptr<const void>;
  std::function<Result<Bound, Errors>(const Document&)> bind;
  // Every validator; `previous` is null on the first load.
  std::function<Errors(const void* previous, const void* next)> validate;
  // Every listener, in registration order; the first veto stops the reload.
  std::function<Result<void, Error>(const void* previous, const void* next, const std::vector<Change>&)> notify;
  std::function<void(Bound)> publish;
};

class Pipeline {
 public:
  Pipeline(ReloadOptions options, PipelineHooks hooks);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // With `sections`, only changes under those dotted paths are applied; the rest stay live.
  ReloadOutcome run(Trigger trigger, const std::vector<std::string>& sections = {});
  // Deferral: while holds are outstanding, run() (except the initial load) only records its
  // trigger; the release of the last hold runs one reload with the latest recorded trigger.
  void hold();
  void release();
  bool started() const;
  std::shared_ptr<const Document> document() const;
  std::uint64_t generation() const;
  EventBus& events();
  const ReloadOptions& options() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace detail

// Holds reloads off while critical work runs (seed 003's deferred reload):
//   { auto hold = reloader.defer(); run_quality_gate(); }   // a reload requested meanwhile runs here
// Guards nest and may be taken on any thread; when the last one goes away, one reload runs, on
// the thread that released it, with the files as they are then. A reload already running when a
// guard is taken finishes first. A guard must not outlive its reloader.
class [[nodiscard]] DeferGuard {
 public:
  explicit DeferGuard(detail::Pipeline& pipeline) : pipeline_(&pipeline) { pipeline_->hold(); }
  DeferGuard(DeferGuard&& other) noexcept : pipeline_(std::exchange(other.pipeline_, nullptr)) {}
  DeferGuard& operator=(DeferGuard&&) = delete;
  DeferGuard(const DeferGuard&) = delete;
  DeferGuard& operator=(const DeferGuard&) = delete;
  ~DeferGuard() {
    if (pipeline_ != nullptr) pipeline_->release();
  }

 private:
  detail::Pipeline* pipeline_;
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

  explicit Reloader(ReloadOptions options)
      : pipeline_(std::move(options), hooks()) {}

  // Register before start(): validators also judge the first load.
  void add_validator(Validator validator) {
    std::lock_guard lock(registry_mutex_);
    validators_.push_back(std::move(validator));
  }
  // Listeners run in registration order; `name` identifies a veto in errors and events.
  void on_change(std::string name, Listener listener) {
    std::lock_guard lock(registry_mutex_);
    listeners_.push_back({std::move(name), std::move(listener)});
  }

  // The first load. Failing here is loud: there is no last-known-good config to keep.
  Result<void, Errors> start() {
    ReloadOutcome outcome = pipeline_.run(Trigger::initial);
    if (!outcome.ok()) return unexpected(std::move(outcome.errors));
    return {};
  }

  // Runs the pipeline now and returns what happened. Safe from any thread. Before start() it is a
  // usage error, unless a DeferGuard is held: then it is deferred like any other request, which
  // lets a watcher start before the first load without losing a change made during it.
  ReloadOutcome reload(Trigger trigger = Trigger::api) { return pipeline_.run(trigger); }

  // Reloads only the named sections (seed 001's RequestReload(ctx, "database", "cache")): changes
  // under them are applied, every other key keeps its live value even if its file changed.
  // Validators and listeners see the resulting config. A deferred request reloads everything.
  ReloadOutcome reload_sections(const std::vector<std::string>& sections, Trigger trigger = Trigger::api) {
    return pipeline_.run(trigger, sections);
  }

  // Holds reloads off until the guard (and every other) is released; see DeferGuard.
  DeferGuard defer() { return DeferGuard(pipeline_); }

  // The cheap read: no lock, no shared reference count. Keep the handle on this thread.
  ReadHandle<T> read() const { return live().read(); }
  // An owning handle that may outlive this scope or move to another thread.
  std::shared_ptr<const T> load() const { return live().load(); }
  // How many configs have been published (1 after start()).
  std::uint64_t generation() const { return pipeline_.generation(); }
  // The live merged document, with positions and provenance.
  std::shared_ptr<const Document> document() const { return pipeline_.document(); }
  EventBus& events() { return pipeline_.events(); }

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
    h.notify = [this](const void* previous, const void* next, const std::vector<Change>& changes) -> Result<void, Error> {
      std::lock_guard lock(registry_mutex_);
      for (const auto& [name, listener] : listeners_) {
        auto verdict = listener(*static_cast<const T*>(previous), *static_cast<const T*>(next), changes);
        if (!verdict) return unexpected(Error{ErrorCode::vetoed, "vetoed by " + name + ": " + verdict.error(), {}, {}});
      }
      return {};
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

  mutable std::mutex registry_mutex_;  // guards validators_ and listeners_
  std::vector<Validator> validators_;
  std::vector<std::pair<std::string, Listener>> listeners_;
  std::unique_ptr<Snapshot<T>> snapshot_;  // set by the first publish, never reset
  detail::Pipeline pipeline_;              // last: its hooks use the members above
};

}  // namespace hotreload
