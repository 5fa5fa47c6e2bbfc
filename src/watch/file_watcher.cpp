// The watcher's thread: waits on the backend and a wake-up eventfd, debounces, then scans. Both
// backends share this file, so "what counts as a change" (a different content hash, a file that went
// missing or came back) is decided in one place.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <thread>

#include "hotreload/debounce.hpp"
#include "hotreload/watch.hpp"
#include "watch/backend.hpp"

namespace hotreload {
namespace {

using Clock = std::chrono::steady_clock;

// When inotify cannot be used and the caller asked for no interval: slow enough to cost nothing,
// fast enough that an operator sees the reload before wondering why.
constexpr std::chrono::milliseconds kFallbackPollInterval{1000};

// FNV-1a over the bytes: only equality matters, and no one chooses file contents to collide with
// the previous version of their own config.
class ContentHash {
 public:
  void add(const char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      value_ = (value_ ^ static_cast<unsigned char>(data[i])) * 1099511628211ULL;
    }
  }
  std::uint64_t value() const { return value_; }

 private:
  std::uint64_t value_ = 14695981039346656037ULL;
};

struct WatchedFile {
  std::string given;     // reported back as the caller wrote it
  std::string absolute;  // read through, so a later chdir() changes nothing
  bool present = false;
  std::uint64_t hash = 0;  // of the content last reported (or seen at start); meaningful if present
};

Error usage(std::string message) { return Error{ErrorCode::usage, std::move(message), {}, {}}; }

}  // namespace

namespace watch {
std::optional<std::uint64_t> hash_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  ContentHash hash;
  char buffer[64 * 1024];
  for (;;) {
    ssize_t length = ::read(fd, buffer, sizeof buffer);
    if (length < 0 && errno == EINTR) continue;
    if (length < 0) { ::close(fd); return std::nullopt; }
    if (length == 0) break;
    hash.add(buffer, static_cast<std::size_t>(length));
  }
  ::close(fd);
  return hash.value();
}
}  // namespace watch

const char* to_string(FileChange::Kind kind) {
  switch (kind) {
    case FileChange::Kind::modified: return "modified";
    case FileChange::Kind::missing: return "missing";
    case FileChange::Kind::restored: return "restored";
  }
  return "unknown";
}

struct FileWatcher::Loop {
  Loop(WatchOptions options_in, ChangeCallback on_change_in, std::unique_ptr<watch::Backend> backend_in,
       int wake_fd_in)
      : options(std::move(options_in)),
        on_change(std::move(on_change_in)),
        backend(std::move(backend_in)),
        debounce(options.debounce, options.max_wait),
        backend_name(backend->name()),
        wake_fd(wake_fd_in) {
    for (const auto& file : options.files) {
      std::error_code ignored;
      std::filesystem::path absolute = std::filesystem::absolute(file, ignored);
      files.push_back({file, absolute.lexically_normal().string(), false, 0});
    }
  }
  ~Loop() { ::close(wake_fd); }

  void run() {
    for (;;) {
      pollfd fds[2] = {{wake_fd, POLLIN, 0}, {backend->event_fd(), POLLIN, 0}};
      std::optional<timespec> wait = timeout();
      int ready = ::ppoll(fds, 2, wait ? &*wait : nullptr, nullptr);
      if (ready < 0 && errno != EINTR) {
        std::cerr << "hotreload: watcher: poll failed: " << std::strerror(errno) << "\n";
        return;
      }
      bool scan_now = false;
      if (ready > 0 && (fds[0].revents & POLLIN)) {
        std::uint64_t wakeups = 0;
        [[maybe_unused]] ssize_t ignored = ::read(wake_fd, &wakeups, sizeof wakeups);
        if (stop_requested.load(std::memory_order_acquire)) return;
        scan_now = rescan_requested.exchange(false, std::memory_order_acq_rel);
      }
      Clock::time_point now = Clock::now();
      if (ready > 0 && (fds[1].revents & POLLIN) && backend->check()) debounce.note(now);
      if (next_tick && now >= *next_tick) {
        next_tick = now + *backend->tick();
        if (backend->check()) debounce.note(now);
      }
      if (scan_now) debounce.reset();  // the scan reads every file: it ends any burst in progress
      if (debounce.take(now) || scan_now) scan(/*report=*/true);
    }
  }

  // How long ppoll may block: until the burst is due or the next poll tick, or forever (nullopt).
  std::optional<timespec> timeout() const {
    std::optional<Clock::time_point> wake_at = debounce.deadline();
    if (next_tick && (!wake_at || *next_tick < *wake_at)) wake_at = next_tick;
    if (!wake_at) return std::nullopt;
    auto left = std::max(Clock::duration::zero(), *wake_at - Clock::now());
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  }

  // Arms the backend first, then reads: any change after the read produces an event or a stat
  // difference, so the final state of a file is never missed.
  void scan(bool report) {
    std::vector<std::string> paths;
    for (const auto& file : files) paths.push_back(file.absolute);
    auto tracked = backend->track(paths);
    if (!tracked) {
      std::cerr << "hotreload: watcher: " << tracked.error().message << "; falling back to polling every "
                << kFallbackPollInterval.count() << " ms\n";
      use_backend(watch::make_poll_backend(kFallbackPollInterval));
      (void)backend->track(paths);
    } else if (*tracked) {
      debounce.note(Clock::now());  // something moved while arming: look again after the debounce
    }

    std::vector<FileChange> changes;
    for (auto& file : files) {
      std::optional<std::uint64_t> hash = watch::hash_file(file.absolute);
      if (!hash) {
        if (file.present) changes.push_back({file.given, FileChange::Kind::missing});
        file.present = false;
      } else if (!file.present) {
        changes.push_back({file.given, FileChange::Kind::restored});
        file.present = true;
        file.hash = *hash;
      } else if (*hash != file.hash) {
        changes.push_back({file.given, FileChange::Kind::modified});
        file.hash = *hash;
      }
    }
    if (!report || changes.empty()) return;
    // Exceptions never cross a thread: report and keep watching.
    try {
      on_change(changes);
    } catch (const std::exception& error) {
      std::cerr << "hotreload: watcher: change callback threw: " << error.what() << "\n";
    } catch (...) {
      std::cerr << "hotreload: watcher: change callback threw a non-standard exception\n";
    }
  }

  void use_backend(std::unique_ptr<watch::Backend> replacement) {
    backend = std::move(replacement);
    backend_name.store(backend->name(), std::memory_order_release);
    if (auto interval = backend->tick()) next_tick = Clock::now() + *interval;
    else next_tick.reset();
  }

  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t ignored = ::write(wake_fd, &one, sizeof one);
  }

  // Set before start() returns, then used only by the watcher's thread.
  const WatchOptions options;
  const ChangeCallback on_change;
  std::vector<WatchedFile> files;
  std::unique_ptr<watch::Backend> backend;
  Debounce debounce;  // events since the last scan
  std::optional<Clock::time_point> next_tick;  // when the backend polls

  // Shared with the owner's threads.
  std::atomic<const char*> backend_name;
  const int wake_fd;  // eventfd: written by rescan() and the destructor, read by the loop
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> rescan_requested{false};
  std::thread thread;  // started last, joined by ~FileWatcher
};

struct FileWatcherFactory {
  static Result<std::unique_ptr<FileWatcher>, Error> start(WatchOptions options, ChangeCallback on_change,
                                                           watch::InotifyCalls calls);
};

Result<std::unique_ptr<FileWatcher>, Error> FileWatcher::start(WatchOptions options, ChangeCallback on_change) {
  return FileWatcherFactory::start(std::move(options), std::move(on_change), watch::real_inotify_calls());
}

Result<std::unique_ptr<FileWatcher>, Error> watch::start_watcher(WatchOptions options, ChangeCallback on_change,
                                                                 InotifyCalls calls) {
  return FileWatcherFactory::start(std::move(options), std::move(on_change), calls);
}

Result<std::unique_ptr<FileWatcher>, Error> FileWatcherFactory::start(WatchOptions options, ChangeCallback on_change,
                                                                      watch::InotifyCalls calls) {
  if (options.files.empty()) return unexpected(usage("watch: no files to watch"));
  if (options.debounce.count() < 0 || options.max_wait.count() < 0) {
    return unexpected(usage("watch: debounce and max_wait must not be negative"));
  }
  if (options.poll_interval && options.poll_interval->count() <= 0) {
    return unexpected(usage("watch: the poll interval must be positive"));
  }
  if (!on_change) return unexpected(usage("watch: no change callback"));

  // The wake fd first: a process one descriptor short of its limit then still gets a watcher
  // (inotify_init1 fails with EMFILE and polling takes over) instead of none.
  int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    return unexpected(Error{ErrorCode::io, std::string("watch: eventfd failed: ") + std::strerror(errno), {}, {}});
  }
  std::unique_ptr<watch::Backend> backend;
  if (options.poll_interval) {
    backend = watch::make_poll_backend(*options.poll_interval);
  } else if (auto inotify = watch::make_inotify_backend(calls)) {
    backend = std::move(*inotify);
  } else {
    // EMFILE (max_user_instances) or ENOSYS: polling still works, just later and at some CPU cost.
    std::cerr << "hotreload: watcher: " << inotify.error().message << "; falling back to polling every "
              << kFallbackPollInterval.count() << " ms\n";
    backend = watch::make_poll_backend(kFallbackPollInterval);
  }
  auto loop = std::make_unique<FileWatcher::Loop>(std::move(options), std::move(on_change), std::move(backend), wake_fd);
  loop->use_backend(std::move(loop->backend));  // starts the poll clock
  loop->scan(/*report=*/false);                 // the baseline: a file missing now is just missing
  loop->thread = std::thread([state = loop.get()] { state->run(); });
  return std::unique_ptr<FileWatcher>(new FileWatcher(std::move(loop)));
}

FileWatcher::FileWatcher(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}

FileWatcher::~FileWatcher() {
  loop_->stop_requested.store(true, std::memory_order_release);
  loop_->wake();
  loop_->thread.join();
}

const char* FileWatcher::backend_name() const { return loop_->backend_name.load(std::memory_order_acquire); }

void FileWatcher::rescan() {
  loop_->rescan_requested.store(true, std::memory_order_release);
  loop_->wake();
}

}  // namespace hotreload
