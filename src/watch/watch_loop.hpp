// What a file watcher's thread and a directory watcher's thread have in common: the backend (with
// the fallback to polling), the wake-up eventfd the owner writes to stop or rescan, the debounce
// and the poll clock, and the way problems are reported. Each watcher keeps only its own scan.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hotreload/debounce.hpp"
#include "hotreload/error.hpp"
#include "hotreload/result.hpp"
#include "hotreload/watch.hpp"
#include "watch/backend.hpp"

namespace hotreload::watch {

// When inotify cannot be used and the caller asked for no interval: slow enough to cost nothing,
// fast enough that an operator sees the reload before wondering why.
inline constexpr std::chrono::milliseconds kFallbackPollInterval{1000};

class WatchLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates the wake fd, then the backend: polling at `poll_interval` when one is given, else
  // inotify, falling back to polling (reported) when the kernel refuses an instance. The wake fd
  // comes first so that a process one descriptor short of its limit still gets a watcher.
  // `who` prefixes the stderr line when `on_problem` is unset ("watcher", "dir watcher").
  static Result<std::unique_ptr<WatchLoop>, Error> create(std::optional<std::chrono::milliseconds> poll_interval,
                                                          InotifyCalls calls, Debounce debounce,
                                                          WatchProblemCallback on_problem, const char* who);
  WatchLoop(const WatchLoop&) = delete;
  WatchLoop& operator=(const WatchLoop&) = delete;
  ~WatchLoop();

  // What one wait ended with.
  struct Wake {
    bool stop = false;       // the owner asked to stop, or waiting failed (reported): return
    bool by_owner = false;   // the owner wrote the wake fd (see rescan requests)
    bool due = false;        // a debounced burst ended: scan once
  };
  // Blocks until the backend has events, the owner wakes the loop, the poll tick or the burst's
  // deadline; notes what the backend saw and takes the burst when it is due. Loop thread only.
  Wake wait();

  Backend& backend() { return *backend_; }
  Debounce& debounce() { return debounce_; }
  // Replaces the backend (loop thread only) and restarts the poll clock.
  void use_backend(std::unique_ptr<Backend> replacement);
  // The backend cannot go on (`why`): report it and poll from now on.
  void fall_back_to_polling(const Error& why);
  // Runs a callback of the owner: an exception never crosses the thread, it is reported.
  void call_guarded(const std::function<void()>& callback);

  // Thread-safe.
  const char* backend_name() const { return backend_name_.load(std::memory_order_acquire); }
  void request_stop();
  void wake();

 private:
  WatchLoop(int wake_fd, Debounce debounce, WatchProblemCallback on_problem, const char* who);
  void report(WatchProblem::Kind kind, std::string message);
  std::optional<timespec> timeout() const;  // until the deadline or the tick; nullopt: forever

  const int wake_fd_;
  const WatchProblemCallback on_problem_;
  const char* const who_;
  std::unique_ptr<Backend> backend_;
  Debounce debounce_;                           // events since the last scan
  std::optional<Clock::time_point> next_tick_;  // when the backend polls
  std::atomic<const char*> backend_name_{"none"};
  std::atomic<bool> stop_requested_{false};
};

}  // namespace hotreload::watch
