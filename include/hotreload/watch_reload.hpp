// Reloads by itself: a LayerWatcher on a reloader's file and directory layers that reloads (trigger
// "file") after every change in content, and reports each changed or missing file as an event first.
//
//   hotreload::Reloader<Config> reloader(options);
//   if (auto started = reloader.start(); !started) { ... }
//   auto watcher = hotreload::watch_layer_files(reloader);   // keep it alive; reset() to stop
//
// A file that goes missing is reported (file.missing) and the live config stays as it is; the
// file's return reloads. In a directory layer (conf.d) a file added, edited or removed is a change
// like any other (file.changed, then a reload): removing a file is how one takes a layer away. Etcd and other non-file layers are not watched here: their sources
// trigger their own reloads.
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/dir_watch.hpp"
#include "hotreload/events.hpp"
#include "hotreload/layer_watcher.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/result.hpp"
#include "hotreload/watch.hpp"

namespace hotreload {

// Publishes file.changed (modified or restored) or file.missing for each change, with trigger
// "file" and the path in Event::files. True when one of them calls for a reload: a missing file
// does not (there is nothing new to load; the last good config stays live).
bool publish_file_changes(EventBus& events, const std::vector<FileChange>& changes);

// Publishes file.changed for each change in a directory layer (added, modified, removed, refused:
// Event::reason says which) with trigger "file". True when there was any: each calls for a reload.
bool publish_directory_changes(EventBus& events, const std::vector<DirChange>& changes);

// Publishes watch.fallback (the watcher now polls) or watch.error (kind "callback" or "stopped" in
// Event::reason) with the message in Event::errors and trigger "file".
void publish_watch_problem(EventBus& events, const WatchProblem& problem);

// The callbacks that publish a watcher's changes and problems to `events` and call `reload` when a
// change calls for it.
LayerChangeCallbacks reloading_callbacks(EventBus& events, std::function<void()> reload);

// Starts watching the reloader's file and directory layers (plain files: options.files, when not
// empty) and reloads on change. Call it after start(): it then reloads once, so that a change made
// between the first load and the watchers' first look is not lost (a reload that finds nothing new
// publishes nothing). The watcher must be destroyed before the reloader. Errors: those of
// LayerWatcher::start.
template <class T>
Result<std::unique_ptr<LayerWatcher>, Error> watch_layer_files(Reloader<T>& reloader, WatchOptions options = {}) {
  auto watcher = LayerWatcher::start(reloader.options().layers, std::move(options),
                                     reloading_callbacks(reloader.events(), [&reloader] { (void)reloader.reload(Trigger::file); }));
  if (watcher) (void)reloader.reload(Trigger::file);
  return watcher;
}

}  // namespace hotreload
