// DirWatcher: tells its owner, after a debounce, which files matching a glob in a directory (the conf.d
// pattern) were added, modified or removed. Content-based: touch, chmod or an identical rewrite report
// nothing. A symlink whose target lies outside the directory is refused (reported, never read).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/result.hpp"
#include "hotreload/watch.hpp"

namespace hotreload {

struct DirWatchOptions {
  std::string directory{};                                    // must exist when start() is called,
                                                              // unless allow_missing
  std::string pattern{"*"};                                   // fnmatch(3) against each file's name;
                                                              // a leading '.' must match explicitly
  bool recursive = false;                                     // also files in subdirectories (not via symlinks)
  std::chrono::milliseconds debounce{100};                    // quiet period after the last event; 0 allowed
  std::chrono::milliseconds max_wait{2000};                   // a directory written to continuously
                                                              // still reports by then
  std::optional<std::chrono::milliseconds> poll_interval{};   // set: rescan at this interval instead of inotify
  // The directory may be missing at start or disappear later: its parent is watched too, so that
  // when it (re)appears its files are reported added (and removed when it goes). The parent must
  // exist for inotify to see this; a missing parent means polling.
  bool allow_missing = false;
  WatchProblemCallback on_problem{};                          // fallback to polling, a callback that
                                                              // threw; unset: a line on stderr
};

struct DirChange {
  enum class Kind {
    added,     // a matching file appeared (or became readable)
    modified,  // its content differs from the content last reported (or seen at start)
    removed,   // it is gone or no longer readable
    refused,   // a symlink escaping the directory: not followed; `message` says where it points
  };
  std::string path;  // relative to the directory, '/'-separated
  Kind kind = Kind::modified;
  std::string message{};
  friend bool operator==(const DirChange&, const DirChange&) = default;
};

// "added", "modified", "removed", "refused".
const char* to_string(DirChange::Kind kind);

// Called on the watcher's own thread, once per debounced burst, with the changes sorted by path. An
// exception it throws is reported (on_problem) and otherwise ignored. It must not destroy the watcher.
using DirChangeCallback = std::function<void(const std::vector<DirChange>&)>;

// RAII: the destructor stops the thread promptly and joins it; no callback runs after it returns.
class DirWatcher {
 public:
  // Reads the matching files once as the baseline (no callback for them; escaping symlinks present at
  // start are reported in the first callback), then watches. Falls back to polling (reported through
  // on_problem) when inotify cannot be used. Fails with ErrorCode::usage for a directory that does not
  // exist (without allow_missing) or is not a directory, or a negative duration.
  static Result<std::unique_ptr<DirWatcher>, Error> start(DirWatchOptions options, DirChangeCallback on_change);

  DirWatcher(const DirWatcher&) = delete;
  DirWatcher& operator=(const DirWatcher&) = delete;
  ~DirWatcher();

  // "inotify" or "poll". Thread-safe.
  const char* backend_name() const;

 private:
  struct Loop;                      // the watcher's thread and its state (src/watch/dir_watcher.cpp)
  friend struct DirWatcherFactory;  // lets tests start a watcher with failing inotify syscalls
  explicit DirWatcher(std::unique_ptr<Loop> loop);
  std::unique_ptr<Loop> loop_;
};

}  // namespace hotreload
