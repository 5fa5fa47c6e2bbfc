// Every layer of a reloader, watched, with one start sequence for programs and the CLI alike:
//
//   hotreload::Reloader<Config> reloader(options);
//   auto watching = hotreload::watch_sources(reloader);       // syncs, starts, watches
//   if (!watching) { print(watching.error().errors); return 1; }
//   // ... keep `watching` alive; reset() it before the reloader goes
//
// Local files and directory layers are watched by one LayerWatcher (trigger "file", file.*
// events). Every other source (LayerSpec::source: etcd, an HTTP URL, a program's own) is read
// once before the first load (sync) and then watched through LayerSource::watch(): a change
// reloads with the trigger named after the source's kind (Trigger::source(kind)), a failure is
// published as a "<kind>.error" event ("etcd.error", "url.error") whose files name the layer and
// errors say why, while the last good config stays live and the source retries by itself.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/events.hpp"
#include "hotreload/layer_watcher.hpp"
#include "hotreload/layers.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/result.hpp"
#include "hotreload/watch.hpp"

namespace hotreload {

// The event a source's failure is published as: "<kind>.error".
std::string source_error_type(const LayerSource& source);

// sync_sources() (layers.hpp), publishing a "<kind>.error" event for each source that cannot
// be read.
Errors sync_sources(const LayerOptions& layers, EventBus& events);

// RAII: dropping it stops every watch (and joins their threads); no reload starts afterwards.
class SourceWatches {
 public:
  using Reload = std::function<void(Trigger)>;

  // Starts the local watcher (files and directories) now; remote sources wait for
  // start_sources(). Errors: those of LayerWatcher::start.
  static Result<std::unique_ptr<SourceWatches>, Error> start_local(const LayerOptions& layers, WatchOptions options,
                                                                   EventBus& events, Reload reload);
  // Starts every remote source's watch: call it after the first load.
  void start_sources();

  SourceWatches(const SourceWatches&) = delete;
  SourceWatches& operator=(const SourceWatches&) = delete;
  ~SourceWatches();

  // The local watcher's backend ("inotify", "poll", "none").
  const char* backend_name() const;
  // Re-check every local file now (FileWatcher::rescan), e.g. after SIGHUP.
  void rescan();

 private:
  SourceWatches(EventBus& events, Reload reload) : events_(events), reload_(std::move(reload)) {}
  EventBus& events_;
  Reload reload_;
  std::vector<std::shared_ptr<LayerSource>> sources_;
  std::unique_ptr<LayerWatcher> local_;
  std::vector<std::unique_ptr<SourceWatch>> watches_;  // last: stopped first
};

// Why watch_sources() did not start: a watcher could not start (the program's setup), or the
// first load failed (the config: its errors say where).
struct WatchStartError {
  enum class Stage { watch, load } stage = Stage::load;
  Errors errors{};
};

// The start sequence: sync every remote source (failures become events), start the local
// watcher so it holds a baseline, then reloader.start() with reloads held, so that a change
// made at any moment from here on is applied and none is lost in between, then every remote
// source's watch (each resumes from the state its sync read). With a reloader already started,
// it reloads once instead of starting. The result must be destroyed before the reloader.
template <class T>
Result<std::unique_ptr<SourceWatches>, WatchStartError> watch_sources(Reloader<T>& reloader, WatchOptions options = {}) {
  using Failure = WatchStartError;
  const bool already_started = reloader.generation() > 0;
  (void)sync_sources(reloader.options().layers, reloader.events());
  std::optional<DeferGuard> hold(reloader.defer());
  auto watches = SourceWatches::start_local(reloader.options().layers, std::move(options), reloader.events(),
                                            [&reloader](Trigger trigger) { (void)reloader.reload(trigger); });
  if (!watches) return unexpected(Failure{Failure::Stage::watch, {watches.error()}});
  if (!already_started) {
    if (auto started = reloader.start(); !started) return unexpected(Failure{Failure::Stage::load, started.error()});
  } else {
    (void)reloader.reload(Trigger::file);  // a change between the load and the watchers' first look
  }
  hold.reset();  // runs one reload now if a change arrived during the first load
  (*watches)->start_sources();
  return std::move(*watches);
}

}  // namespace hotreload
