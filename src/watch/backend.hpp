// The one small interface every watch backend implements. A backend only says "a watched file may have
// changed"; file_watcher.cpp and dir_watcher.cpp own the threads, the debounce and the content hashes,
// so both backends share the rules about what counts as a change.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hotreload/dir_watch.hpp"
#include "hotreload/error.hpp"
#include "hotreload/result.hpp"
#include "hotreload/watch.hpp"

namespace hotreload::watch {

// A name in a directory: (directory, name).
using DirEntry = std::pair<std::string, std::string>;

class Backend {
 public:
  virtual ~Backend() = default;

  // "inotify" or "poll".
  virtual const char* name() const = 0;

  // A descriptor that becomes readable when the backend has events to look at, or -1.
  virtual int event_fd() const = 0;

  // How often the loop must call check() even without events; nullopt: only when event_fd() is
  // readable (event-driven, no wake-ups while idle).
  virtual std::optional<std::chrono::milliseconds> tick() const = 0;

  // Consumes what is pending; true if a watched file may have changed (including "events were lost").
  virtual bool check() = 0;

  // Called before every scan reads the files (absolute paths), so that any change after the read
  // is seen. Returns true if the file system moved under it while arming (scan again soon); an
  // error means the backend cannot go on (e.g. out of inotify watches) and polling should take over.
  virtual Result<bool, Error> track(const std::vector<std::string>& files) = 0;

  // The directory watcher's track(), also called before every scan reads: every entry of each of
  // `directories` matters (created, deleted, renamed, written, its attributes) and so does the
  // directory itself going away; in each (directory, name) of `entries` only that one name does (the
  // parent of a directory that may come and go). Replaces what was tracked before. A directory of
  // `directories` that vanished meanwhile is skipped: the scan that follows sees it gone. An error
  // means the backend cannot do the job (out of inotify watches, the directory of an entry does not
  // exist) and polling should take over.
  virtual Result<void, Error> track_directories(const std::vector<std::string>& directories,
                                                const std::vector<DirEntry>& entries) = 0;
};

// A hash of the file's content (following symlinks), or nullopt if it cannot be read: missing,
// dangling symlink, permission denied, a directory. Defined in file_watcher.cpp.
std::optional<std::uint64_t> hash_file(const std::string& path);

// The syscalls the inotify backend makes, so tests can inject EMFILE / ENOSPC without exhausting the
// real (per-user, machine-wide) limits.
struct InotifyCalls {
  int (*init1)(int flags);
  int (*add_watch)(int fd, const char* path, unsigned mask);
  int (*rm_watch)(int fd, int wd);
};
InotifyCalls real_inotify_calls();

// Fails with ErrorCode::io (message naming errno) if the kernel refuses an inotify instance.
Result<std::unique_ptr<Backend>, Error> make_inotify_backend(InotifyCalls calls = real_inotify_calls());
std::unique_ptr<Backend> make_poll_backend(std::chrono::milliseconds interval);

// FileWatcher::start() and DirWatcher::start() with the given inotify syscalls: tests use them to check
// the fallbacks.
Result<std::unique_ptr<FileWatcher>, Error> start_watcher(WatchOptions options, ChangeCallback on_change,
                                                          InotifyCalls calls);
Result<std::unique_ptr<DirWatcher>, Error> start_dir_watcher(DirWatchOptions options, DirChangeCallback on_change,
                                                             InotifyCalls calls);

// Every (directory, name) whose change could change what `file` resolves to: the file's own entry, each
// symlink on the way (in any component, e.g. Kubernetes' `..data`), and for a path that does not
// resolve, the nearest existing directory and the first missing name in it.
std::vector<DirEntry> resolve_chain(const std::string& absolute_file);

}  // namespace hotreload::watch
