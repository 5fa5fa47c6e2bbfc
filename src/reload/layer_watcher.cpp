#include "hotreload/layer_watcher.hpp"

#include <filesystem>
#include <utility>

namespace hotreload {

std::vector<std::string> layer_files(const LayerOptions& layers) {
  std::vector<std::string> files;
  for (const LayerSpec& spec : layers.files) {
    if (!spec.source && spec.directory_glob.empty()) files.push_back(spec.path);
  }
  return files;
}

Result<std::unique_ptr<LayerWatcher>, Error> LayerWatcher::start(const LayerOptions& layers, WatchOptions options,
                                                                 LayerChangeCallbacks callbacks) {
  std::unique_ptr<LayerWatcher> watcher(new LayerWatcher());
  if (callbacks.on_problem) options.on_problem = std::move(callbacks.on_problem);
  for (const LayerSpec& spec : layers.files) {
    if (spec.source || spec.directory_glob.empty()) continue;
    // Report layer paths ("conf.d/a.yaml"), not paths relative to the directory ("a.yaml").
    DirChangeCallback on_directory = [directory = spec.path, on_directories = callbacks.on_directories](
                                         const std::vector<DirChange>& changes) {
      if (!on_directories) return;
      std::vector<DirChange> named = changes;
      for (DirChange& change : named) change.path = (std::filesystem::path(directory) / change.path).string();
      on_directories(named);
    };
    auto started = DirWatcher::start({.directory = spec.path,
                                      .pattern = spec.directory_glob,
                                      .recursive = spec.recursive,
                                      .debounce = options.debounce,
                                      .max_wait = options.max_wait,
                                      .poll_interval = options.poll_interval,
                                      // An optional layer may appear later, any layer may be
                                      // deleted and recreated by a deploy: the loader copes with
                                      // both, so the watcher must see both.
                                      .allow_missing = true,
                                      .on_problem = options.on_problem},
                                     std::move(on_directory));
    if (!started) return unexpected(std::move(started).error());
    watcher->directories_.push_back(std::move(*started));
  }
  if (options.files.empty()) options.files = layer_files(layers);
  if (!options.files.empty()) {
    ChangeCallback on_files = callbacks.on_files ? std::move(callbacks.on_files) : [](const std::vector<FileChange>&) {};
    auto started = FileWatcher::start(std::move(options), std::move(on_files));
    if (!started) return unexpected(std::move(started).error());
    watcher->files_ = std::move(*started);
  }
  return watcher;
}

LayerWatcher::~LayerWatcher() = default;

const char* LayerWatcher::backend_name() const {
  if (files_) return files_->backend_name();
  if (!directories_.empty()) return directories_.front()->backend_name();
  return "none";
}

void LayerWatcher::rescan() {
  if (files_) files_->rescan();
}

}  // namespace hotreload
