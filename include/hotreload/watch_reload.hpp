// Reloads by itself: a FileWatcher on a reloader's file layers that reloads (trigger "file") after
// every change in content, and reports each changed or missing file as an event first.
//
//   hotreload::Reloader<Config> reloader(options);
//   if (auto started = reloader.start(); !started) { ... }
//   auto watcher = hotreload::watch_layer_files(reloader);   // keep it alive; reset() to stop
//
// A file that goes missing is reported (file.missing) and the live config stays as it is; the
// file's return reloads. Etcd and other non-file layers are not watched here: their sources
// trigger their own reloads.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/events.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/result.hpp"
#include "hotreload/watch.hpp"

namespace hotreload {

// Publishes file.changed (modified or restored) or file.missing for each change, with trigger
// "file" and the path in Event::files. True when one of them calls for a reload: a missing file
// does not (there is nothing new to load; the last good config stays live).
bool publish_file_changes(EventBus& events, const std::vector<FileChange>& changes);

// The paths of the layers that are files (no LayerSpec::source), in layer order.
std::vector<std::string> layer_files(const LayerOptions& layers);

// Starts watching the reloader's file layers (options.files, when empty) and reloads on change.
// Call it after start(): it then reloads once, so that a change made between the first load and
// the watcher's first look is not lost (a reload that finds nothing new publishes nothing).
// The watcher must be destroyed before the reloader. Errors: those of FileWatcher::start.
template <class T>
Result<std::unique_ptr<FileWatcher>, Error> watch_layer_files(Reloader<T>& reloader, WatchOptions options = {}) {
  if (options.files.empty()) options.files = layer_files(reloader.options().layers);
  auto watcher = FileWatcher::start(std::move(options), [&reloader](const std::vector<FileChange>& changes) {
    if (publish_file_changes(reloader.events(), changes)) (void)reloader.reload(Trigger::file);
  });
  if (watcher) (void)reloader.reload(Trigger::file);
  return watcher;
}

}  // namespace hotreload
