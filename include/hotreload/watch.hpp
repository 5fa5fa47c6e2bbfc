// FileWatcher: tells its owner, after a debounce, which watched files changed in content, went missing
// or came back. Watches each file's directory (and every directory on its symlink chain) with inotify,
// or polls stat() when inotify is unavailable, exhausted or not wanted.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

// Something a watcher worked around or could not: it reports these instead of failing its owner.
struct WatchProblem {
  enum class Kind {
    polling,   // inotify cannot be used (no instance, out of watches): polling took over
    callback,  // the change callback threw; the watcher goes on
    stopped,   // waiting for events failed: the watcher's thread ended and reports nothing more
  };
  Kind kind = Kind::polling;
  std::string message;  // why, e.g. "inotify_init1 failed: Too many open files; falling back to ..."
};

// "polling", "callback", "stopped".
const char* to_string(WatchProblem::Kind kind);

// Called on the watcher's thread (or in start(), for a fallback decided there). Unset: the problem
// is a line on stderr ("hotreload: watcher: ..."). A reloader turns them into events
// (reloading_callbacks() in watch_reload.hpp).
using WatchProblemCallback = std::function<void(const WatchProblem&)>;

struct WatchOptions {
  std::vector<std::string> files{};                        // paths as given (may be symlinks, may not exist yet)
  std::chrono::milliseconds debounce{100};                 // quiet period after the last event; 0 allowed
  std::chrono::milliseconds max_wait{2000};                // a file rewritten continuously still triggers by then
  std::optional<std::chrono::milliseconds> poll_interval{};  // set: force the polling backend at this interval
  WatchProblemCallback on_problem{};                        // unset: a line on stderr
};

struct FileChange {
  enum class Kind {
    modified,  // the content differs from the content last reported (or seen at start)
    missing,   // the file can no longer be read: deleted, dangling symlink, permission denied
    restored,  // a missing file can be read again; its content counts as changed
  };
  std::string path;  // as given in WatchOptions::files
  Kind kind = Kind::modified;
  friend bool operator==(const FileChange&, const FileChange&) = default;
};

// "modified", "missing", "restored".
const char* to_string(FileChange::Kind kind);

// Called on the watcher's own thread, once per debounced burst, with every file whose content changed,
// went missing, or came back. Never called for touch, chmod or a rewrite with identical bytes. An
// exception it throws is reported (WatchOptions::on_problem) and otherwise ignored. It must not destroy the watcher.
using ChangeCallback = std::function<void(const std::vector<FileChange>&)>;

// RAII: start() starts the watcher's thread; the destructor stops it promptly (even during a debounce
// wait) and joins it, so no callback runs after the destructor returns.
class FileWatcher {
 public:
  // Reads every file once as the baseline (a file missing at start is just missing: no callback), then
  // watches. Falls back to polling, reported through WatchOptions::on_problem, when inotify cannot be used.
  // Fails with ErrorCode::usage for an empty file list or a negative duration.
  static Result<std::unique_ptr<FileWatcher>, Error> start(WatchOptions options, ChangeCallback on_change);

  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;
  ~FileWatcher();

  // "inotify" or "poll". Thread-safe; can change from "inotify" to "poll" if the kernel runs out of
  // watches while the watcher runs.
  const char* backend_name() const;

  // Thread-safe: re-check every file now, without waiting for the debounce (e.g. after SIGHUP).
  // Returns at once; the check and any callback happen on the watcher's thread.
  void rescan();

 private:
  struct Loop;                        // the watcher's thread and its state (src/watch/file_watcher.cpp)
  friend struct FileWatcherFactory;   // lets tests start a watcher with failing inotify syscalls
  explicit FileWatcher(std::unique_ptr<Loop> loop);
  std::unique_ptr<Loop> loop_;
};

}  // namespace hotreload
