// The watcher's thread: waits on the backend and a wake-up eventfd, debounces, then scans. Both
// backends share this file, so "what counts as a change" (a different content hash, a file that went
// missing or came back) is decided in one place.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <thread>

#include "hotreload/debounce.hpp"
#include "hotreload/watch.hpp"
#include "watch/backend.hpp"
#include "watch/watch_loop.hpp"

namespace hotreload {
namespace {

using Clock = std::chrono::steady_clock;

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
  Loop(WatchOptions options_in, ChangeCallback on_change_in, std::unique_ptr<watch::WatchLoop> waiting_in)
      : options(std::move(options_in)), on_change(std::move(on_change_in)), waiting(std::move(waiting_in)) {
    for (const auto& file : options.files) {
      std::error_code ignored;
      std::filesystem::path absolute = std::filesystem::absolute(file, ignored);
      files.push_back({file, absolute.lexically_normal().string(), false, 0});
    }
  }

  void run() {
    for (;;) {
      watch::WatchLoop::Wake wake = waiting->wait();
      if (wake.stop) return;
      const bool scan_now = wake.by_owner && rescan_requested.exchange(false, std::memory_order_acq_rel);
      if (scan_now) waiting->debounce().reset();  // the scan reads every file: it ends any burst in progress
      if (wake.due || scan_now) scan(/*report=*/true);
    }
  }

  // Arms the backend first, then reads: any change after the read produces an event or a stat
  // difference, so the final state of a file is never missed.
  void scan(bool report) {
    std::vector<std::string> paths;
    for (const auto& file : files) paths.push_back(file.absolute);
    auto tracked = waiting->backend().track(paths);
    if (!tracked) {
      waiting->fall_back_to_polling(tracked.error());
      (void)waiting->backend().track(paths);
    } else if (*tracked) {
      waiting->debounce().note(Clock::now());  // something moved while arming: look again after the debounce
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
    waiting->call_guarded([&] { on_change(changes); });
  }

  // Set before start() returns, then used only by the watcher's thread.
  const WatchOptions options;
  const ChangeCallback on_change;
  std::vector<WatchedFile> files;
  const std::unique_ptr<watch::WatchLoop> waiting;  // backend, debounce, wake-ups; thread-safe parts shared

  // Shared with the owner's threads.
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

  auto waiting = watch::WatchLoop::create(options.poll_interval, calls, Debounce(options.debounce, options.max_wait),
                                          options.on_problem, "watcher");
  if (!waiting) return unexpected(std::move(waiting).error());
  auto loop = std::make_unique<FileWatcher::Loop>(std::move(options), std::move(on_change), std::move(*waiting));
  loop->scan(/*report=*/false);  // the baseline: a file missing now is just missing
  loop->thread = std::thread([state = loop.get()] { state->run(); });
  return std::unique_ptr<FileWatcher>(new FileWatcher(std::move(loop)));
}

FileWatcher::FileWatcher(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}

FileWatcher::~FileWatcher() {
  loop_->waiting->request_stop();
  loop_->thread.join();
}

const char* FileWatcher::backend_name() const { return loop_->waiting->backend_name(); }

void FileWatcher::rescan() {
  loop_->rescan_requested.store(true, std::memory_order_release);
  loop_->waiting->wake();
}

}  // namespace hotreload
