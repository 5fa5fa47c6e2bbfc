// The directory watcher: the backend (inotify, or polling) watches the directory and its subdirectories
// when recursive, and only says "something in here changed"; after the debounce the whole tree is
// rescanned and compared by content hash, so a missed or overflowed event costs nothing but a rescan.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "hotreload/debounce.hpp"
#include "hotreload/dir_watch.hpp"
#include "layers/directory_listing.hpp"
#include "watch/backend.hpp"
#include "watch/watch_loop.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;

Error usage(std::string message) { return Error{ErrorCode::usage, std::move(message), {}, {}}; }

// What one scan found: every readable matching file's hash, the escaping symlinks, and the directories
// whose entries can change the result.
struct Scan {
  std::map<std::string, std::uint64_t> files;  // relative path -> content hash
  std::map<std::string, std::string> refused;  // relative path -> message
  std::set<std::string> directories;
};

}  // namespace

const char* to_string(DirChange::Kind kind) {
  switch (kind) {
    case DirChange::Kind::added: return "added";
    case DirChange::Kind::modified: return "modified";
    case DirChange::Kind::removed: return "removed";
    case DirChange::Kind::refused: return "refused";
  }
  return "unknown";
}

struct DirWatcher::Loop {
  Loop(DirWatchOptions options_in, DirChangeCallback on_change_in, std::string root_in,
       std::vector<watch::DirEntry> entries_in, std::unique_ptr<watch::WatchLoop> waiting_in)
      : options(std::move(options_in)),
        on_change(std::move(on_change_in)),
        root(std::move(root_in)),
        entries(std::move(entries_in)),
        waiting(std::move(waiting_in)) {}

  Scan scan_tree() const {
    // A directory that may come and go may also come back as a symlink somewhere else: resolve it
    // on every scan, as the loader does on every load.
    std::string current_root = root;
    if (options.allow_missing) {
      std::error_code error;
      fs::path resolved = fs::canonical(options.directory, error);
      if (!error) current_root = resolved.string();
    }
    detail::DirectoryListing listing = detail::list_directory(current_root, options.pattern, options.recursive);
    Scan scan{{}, std::move(listing.refused), std::move(listing.directories)};
    for (const std::string& relative : listing.files) {
      if (auto hash = watch::hash_file(current_root + "/" + relative)) scan.files[relative] = *hash;
    }
    return scan;
  }

  // Tracks the directories, then reads them, so any change after the read is seen. A scan that finds
  // directories not tracked before it read (a new subdirectory, the directory (re)appearing) tracks
  // and reads again: its files may have changed before they were watched.
  Scan armed_scan() {
    for (;;) {
      std::vector<std::string> directories(tracked.begin(), tracked.end());
      if (auto armed = waiting->backend().track_directories(directories, entries); !armed) {
        waiting->fall_back_to_polling(armed.error());
        continue;
      }
      Scan scan = scan_tree();
      if (scan.directories == tracked) return scan;
      tracked = scan.directories;
    }
  }

  void report(Scan scan) {
    std::vector<DirChange> changes;
    for (const auto& [path, hash] : scan.files) {
      auto old = known.files.find(path);
      if (old == known.files.end()) changes.push_back({path, DirChange::Kind::added});
      else if (old->second != hash) changes.push_back({path, DirChange::Kind::modified});
    }
    for (const auto& [path, hash] : known.files) {
      if (!scan.files.count(path)) changes.push_back({path, DirChange::Kind::removed});
    }
    for (const auto& [path, message] : scan.refused) {
      auto old = known.refused.find(path);
      if (old == known.refused.end() || old->second != message) {
        changes.push_back({path, DirChange::Kind::refused, message});
      }
    }
    known = std::move(scan);
    if (changes.empty()) return;
    std::sort(changes.begin(), changes.end(), [](const DirChange& a, const DirChange& b) { return a.path < b.path; });
    deliver(changes);
  }

  void deliver(const std::vector<DirChange>& changes) {
    waiting->call_guarded([&] { on_change(changes); });
  }

  void run() {
    for (;;) {
      watch::WatchLoop::Wake wake = waiting->wait();
      if (wake.stop) return;
      if (wake.due) report(armed_scan());
    }
  }

  const DirWatchOptions options;
  const DirChangeCallback on_change;
  const std::string root;  // canonical; with allow_missing, as given (absolute) until it exists
  // With allow_missing: (parent, name) of `options.directory`, where it appears and goes.
  const std::vector<watch::DirEntry> entries;

  const std::unique_ptr<watch::WatchLoop> waiting;  // backend, debounce, wake-ups; thread-safe parts shared

  // Used only by the watcher's thread once started.
  std::set<std::string> tracked;  // the directories the backend watches
  Scan known;                     // what was last reported (or seen at start)

  std::thread thread;  // started last, joined by ~DirWatcher
};

struct DirWatcherFactory {
  static Result<std::unique_ptr<DirWatcher>, Error> start(DirWatchOptions options, DirChangeCallback on_change,
                                                          watch::InotifyCalls calls);
};

Result<std::unique_ptr<DirWatcher>, Error> DirWatcher::start(DirWatchOptions options, DirChangeCallback on_change) {
  return DirWatcherFactory::start(std::move(options), std::move(on_change), watch::real_inotify_calls());
}

Result<std::unique_ptr<DirWatcher>, Error> watch::start_dir_watcher(DirWatchOptions options,
                                                                    DirChangeCallback on_change, InotifyCalls calls) {
  return DirWatcherFactory::start(std::move(options), std::move(on_change), calls);
}

Result<std::unique_ptr<DirWatcher>, Error> DirWatcherFactory::start(DirWatchOptions options,
                                                                    DirChangeCallback on_change,
                                                                    watch::InotifyCalls calls) {
  if (options.debounce.count() < 0 || options.max_wait.count() < 0) {
    return unexpected(usage("dir watch: debounce and max_wait must not be negative"));
  }
  if (options.poll_interval && options.poll_interval->count() <= 0) {
    return unexpected(usage("dir watch: the poll interval must be positive"));
  }
  if (!on_change) return unexpected(usage("dir watch: no change callback"));
  std::error_code error;
  fs::path root = fs::canonical(options.directory, error);
  std::vector<watch::DirEntry> entries;
  if (options.allow_missing) {
    // Where the directory appears: its name in the parent of the path as given (not of its
    // symlink target).
    fs::path given = fs::absolute(options.directory, error).lexically_normal();
    if (!given.has_filename()) given = given.parent_path();  // "conf.d/" names "conf.d"
    entries.emplace_back(given.parent_path().string(), given.filename().string());
    if (!fs::exists(given, error)) {
      root = given;
    } else if (!fs::is_directory(root)) {
      return unexpected(usage("dir watch: not a directory: " + options.directory));
    }
  } else if (error || !fs::is_directory(root)) {
    return unexpected(usage("dir watch: not a directory: " + options.directory));
  }
  auto waiting = watch::WatchLoop::create(options.poll_interval, calls, Debounce(options.debounce, options.max_wait),
                                          options.on_problem, "dir watcher");
  if (!waiting) return unexpected(std::move(waiting).error());
  auto loop = std::make_unique<DirWatcher::Loop>(std::move(options), std::move(on_change), root.string(),
                                                 std::move(entries), std::move(*waiting));
  // The baseline: files present now are not reported, escaping symlinks are (once).
  Scan baseline = loop->armed_scan();
  std::map<std::string, std::string> refused = std::move(baseline.refused);
  loop->known = std::move(baseline);
  if (!refused.empty()) {
    std::vector<DirChange> changes;
    for (auto& [path, message] : refused) changes.push_back({path, DirChange::Kind::refused, message});
    loop->known.refused = std::move(refused);
    loop->thread = std::thread([state = loop.get(), changes = std::move(changes)] {
      state->deliver(changes);
      state->run();
    });
  } else {
    loop->thread = std::thread([state = loop.get()] { state->run(); });
  }
  return std::unique_ptr<DirWatcher>(new DirWatcher(std::move(loop)));
}

DirWatcher::DirWatcher(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}

DirWatcher::~DirWatcher() {
  loop_->waiting->request_stop();
  loop_->thread.join();
}

const char* DirWatcher::backend_name() const { return loop_->waiting->backend_name(); }

}  // namespace hotreload
