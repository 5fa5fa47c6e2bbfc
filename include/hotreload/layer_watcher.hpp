// LayerWatcher: watches every layer of a LayerOptions that lives on the local file system. Plain
// file layers share one FileWatcher; each directory layer (LayerSpec::directory_glob, conf.d) has
// a DirWatcher, so files added to or removed from the directory are seen as well as edits.
// Etcd and other non-file layers are not watched here: their sources report their own changes.
#pragma once

#include <memory>
#include <vector>

#include "hotreload/dir_watch.hpp"
#include "hotreload/error.hpp"
#include "hotreload/layers.hpp"
#include "hotreload/result.hpp"
#include "hotreload/watch.hpp"

namespace hotreload {

// Called on a watcher's thread once per debounced burst. Directory changes name the file by its
// layer path ("conf.d/20-tuning.yaml"), like file changes.
struct LayerChangeCallbacks {
  ChangeCallback on_files{};
  DirChangeCallback on_directories{};
  WatchProblemCallback on_problem{};  // set: replaces WatchOptions::on_problem, for every watcher
};

// RAII: destroying it stops and joins every watcher; no callback runs after the destructor returns.
class LayerWatcher {
 public:
  // Starts the watchers. `options` sets debounce, max wait and polling for all of them; its
  // `files`, when not empty, replaces the file layers taken from `layers`. With no file or
  // directory layer at all, the watcher watches nothing (not an error: an etcd-only setup).
  // Errors: those of FileWatcher::start and DirWatcher::start (a directory layer's directory must
  // exist, unless the layer is optional: then it is not watched).
  static Result<std::unique_ptr<LayerWatcher>, Error> start(const LayerOptions& layers, WatchOptions options,
                                                            LayerChangeCallbacks callbacks);

  LayerWatcher(const LayerWatcher&) = delete;
  LayerWatcher& operator=(const LayerWatcher&) = delete;
  ~LayerWatcher();

  // "inotify" or "poll": the file watcher's backend, else the first directory watcher's; "none"
  // when nothing is watched.
  const char* backend_name() const;
  // Re-check every plain file now (FileWatcher::rescan).
  void rescan();

 private:
  LayerWatcher() = default;
  std::vector<std::unique_ptr<DirWatcher>> directories_;
  std::unique_ptr<FileWatcher> files_;
};

// The paths of the layers that are plain files (no source, no directory glob), in layer order.
std::vector<std::string> layer_files(const LayerOptions& layers);

}  // namespace hotreload
