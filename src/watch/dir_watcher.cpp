// The directory watcher: inotify on the directory (and its subdirectories when recursive) only says
// "something in here changed"; after the debounce the whole tree is rescanned and compared by content
// hash, so a missed or overflowed event costs nothing but a rescan. The poll fallback rescans on
// every interval.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "hotreload/dir_watch.hpp"
#include "layers/directory_listing.hpp"
#include "watch/backend.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kFallbackPollInterval{1000};
constexpr unsigned kDirectoryEvents = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
                                      IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// On the parent of a directory that may be missing: entries appearing and going are enough.
constexpr unsigned kParentEvents = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR;

Error usage(std::string message) { return Error{ErrorCode::usage, std::move(message), {}, {}}; }

// What one scan found: every readable matching file's hash, the escaping symlinks, and the directories
// whose events can change the result.
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
  Loop(DirWatchOptions options_in, DirChangeCallback on_change_in, std::string root_in, std::string parent_in,
       int wake_fd_in)
      : options(std::move(options_in)), on_change(std::move(on_change_in)), root(std::move(root_in)),
        parent(std::move(parent_in)), wake_fd(wake_fd_in) {}
  ~Loop() {
    if (inotify_fd >= 0) ::close(inotify_fd);
    ::close(wake_fd);
  }

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
    if (options.allow_missing) scan.directories.insert(parent);
    return scan;
  }

  // Adds a watch for every directory the scan found; true if any is new (its files may have changed
  // before the watch existed, so scan again). ENOSPC / EMFILE: polling takes over.
  bool arm(const Scan& scan) {
    if (inotify_fd < 0) return false;
    bool added = false;
    for (const auto& directory : scan.directories) {
      const bool is_parent = options.allow_missing && directory == parent;
      int wd = ::inotify_add_watch(inotify_fd, directory.c_str(), is_parent ? kParentEvents : kDirectoryEvents);
      if (wd < 0) {
        if (is_parent && (errno == ENOENT || errno == ENOTDIR)) {
          std::cerr << "hotreload: dir watcher: " << directory << " does not exist, so " << options.directory
                    << " cannot be watched for; polling every " << kFallbackPollInterval.count() << " ms\n";
          use_polling(kFallbackPollInterval);
          return false;
        }
        if (errno == ENOENT || errno == ENOTDIR) continue;  // gone since the walk: its parent's event says so
        std::cerr << "hotreload: dir watcher: inotify_add_watch(" << directory << ") failed: " << std::strerror(errno)
                  << "; falling back to polling every " << kFallbackPollInterval.count() << " ms\n";
        use_polling(kFallbackPollInterval);
        return false;
      }
      added |= watched.insert(wd).second;
    }
    return added;
  }

  Scan armed_scan() {
    Scan scan = scan_tree();
    while (arm(scan)) scan = scan_tree();
    return scan;
  }

  void use_polling(std::chrono::milliseconds interval) {
    if (inotify_fd >= 0) ::close(inotify_fd);
    inotify_fd = -1;
    watched.clear();
    poll_interval = interval;
    next_tick = Clock::now() + interval;
    backend_name.store("poll", std::memory_order_release);
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

  // Exceptions never cross a thread: report and keep watching.
  void deliver(const std::vector<DirChange>& changes) {
    try {
      on_change(changes);
    } catch (const std::exception& error) {
      std::cerr << "hotreload: dir watcher: change callback threw: " << error.what() << "\n";
    } catch (...) {
      std::cerr << "hotreload: dir watcher: change callback threw a non-standard exception\n";
    }
  }

  // Reads and drops every pending inotify event: which file an event names does not matter, the
  // rescan finds out (IN_Q_OVERFLOW included: the rescan is the recovery).
  void drain() {
    alignas(inotify_event) char buffer[16 * 1024];
    while (::read(inotify_fd, buffer, sizeof buffer) > 0) {
    }
  }

  void run() {
    for (;;) {
      std::optional<Clock::time_point> wake_at;
      if (pending) wake_at = last_event + options.debounce;
      if (next_tick && (!wake_at || *next_tick < *wake_at)) wake_at = next_tick;
      std::optional<timespec> wait;
      if (wake_at) {
        auto left = std::max(Clock::duration::zero(), *wake_at - Clock::now());
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        wait = timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      }
      pollfd fds[2] = {{wake_fd, POLLIN, 0}, {inotify_fd, POLLIN, 0}};
      int ready = ::ppoll(fds, 2, wait ? &*wait : nullptr, nullptr);
      if (ready < 0 && errno != EINTR) {
        std::cerr << "hotreload: dir watcher: poll failed: " << std::strerror(errno) << "\n";
        return;
      }
      if (stop_requested.load(std::memory_order_acquire)) return;
      Clock::time_point now = Clock::now();
      if (ready > 0 && inotify_fd >= 0 && (fds[1].revents & POLLIN)) {
        drain();
        pending = true;
        last_event = now;
      }
      if (next_tick && now >= *next_tick) {
        // Polling: every tick rescans; a difference from the previous tick starts (or extends) the
        // debounce, so a file being written is reported once it has been quiet.
        next_tick = now + *poll_interval;
        Scan scan = scan_tree();
        if (scan.files != last_tick.files || scan.refused != last_tick.refused) {
          pending = true;
          last_event = now;
        }
        last_tick = scan;
        if (pending && now >= last_event + options.debounce) {
          pending = false;
          report(std::move(scan));
        }
      } else if (inotify_fd >= 0 && pending && now >= last_event + options.debounce) {
        pending = false;
        report(armed_scan());
      }
    }
  }

  const DirWatchOptions options;
  const DirChangeCallback on_change;
  const std::string root;    // canonical; with allow_missing, as given (absolute) until it exists
  const std::string parent;  // with allow_missing: the directory containing `options.directory`

  // Used only by the watcher's thread once started.
  int inotify_fd = -1;
  std::set<int> watched;  // watch descriptors already added
  std::optional<std::chrono::milliseconds> poll_interval;
  std::optional<Clock::time_point> next_tick;
  bool pending = false;  // events arrived; rescan after the debounce
  Clock::time_point last_event;
  Scan known;      // what was last reported (or seen at start)
  Scan last_tick;  // polling: what the previous tick saw

  // Shared with the owner's thread.
  std::atomic<const char*> backend_name{"inotify"};
  const int wake_fd;
  std::atomic<bool> stop_requested{false};
  std::thread thread;
};

Result<std::unique_ptr<DirWatcher>, Error> DirWatcher::start(DirWatchOptions options, DirChangeCallback on_change) {
  if (options.debounce.count() < 0) return unexpected(usage("dir watch: debounce must not be negative"));
  if (options.poll_interval && options.poll_interval->count() <= 0) {
    return unexpected(usage("dir watch: the poll interval must be positive"));
  }
  if (!on_change) return unexpected(usage("dir watch: no change callback"));
  std::error_code error;
  fs::path root = fs::canonical(options.directory, error);
  std::string parent;
  if (options.allow_missing) {
    // Where the directory appears: the parent of the path as given (not of its symlink target).
    fs::path given = fs::absolute(options.directory, error).lexically_normal();
    if (!given.has_filename()) given = given.parent_path();  // "conf.d/" names "conf.d"
    parent = given.parent_path().string();
    if (!fs::exists(given, error)) {
      root = given;
    } else if (!fs::is_directory(root)) {
      return unexpected(usage("dir watch: not a directory: " + options.directory));
    }
  } else if (error || !fs::is_directory(root)) {
    return unexpected(usage("dir watch: not a directory: " + options.directory));
  }
  int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    return unexpected(Error{ErrorCode::io, std::string("dir watch: eventfd failed: ") + std::strerror(errno), {}, {}});
  }
  auto loop = std::make_unique<Loop>(std::move(options), std::move(on_change), root.string(), std::move(parent),
                                     wake_fd);
  if (loop->options.poll_interval) {
    loop->use_polling(*loop->options.poll_interval);
  } else if ((loop->inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
    std::cerr << "hotreload: dir watcher: inotify_init1 failed: " << std::strerror(errno)
              << "; falling back to polling every " << kFallbackPollInterval.count() << " ms\n";
    loop->use_polling(kFallbackPollInterval);
  }
  // The baseline: files present now are not reported, escaping symlinks are (once).
  Scan baseline = loop->armed_scan();
  loop->last_tick = baseline;
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
  loop_->stop_requested.store(true, std::memory_order_release);
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = ::write(loop_->wake_fd, &one, sizeof one);
  loop_->thread.join();
}

const char* DirWatcher::backend_name() const { return loop_->backend_name.load(std::memory_order_acquire); }

}  // namespace hotreload
