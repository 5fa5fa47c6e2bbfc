// Debounce: turns a burst of events into one action. The burst is due once no event has come for
// `quiet`, or `max_wait` after its first event if events keep coming, so a file (or key) written
// continuously is still acted on. Every watcher and source debounces with this one type.
//
// A plain state machine: it owns no thread and reads no clock. The caller passes `now` in, so a
// threaded owner waits until deadline() on its own terms and a test drives it with a fake clock.
// Not thread-safe: an owner shared between threads guards it with its own mutex.
//
// Why a public header in the lowest stage (implementation in src/core/): the file and directory
// watchers (src/watch) and pushing sources such as etcd (src/etcd) all use it, and a source must
// not include watch internals; a program writing its own source can debounce the same way.
#pragma once

#include <chrono>
#include <optional>

namespace hotreload {

class Debounce {
 public:
  using Clock = std::chrono::steady_clock;

  // Both durations must not be negative (owners refuse negative options in their start()).
  // Zero quiet: due as soon as an event is noted.
  Debounce(std::chrono::milliseconds quiet, std::chrono::milliseconds max_wait);

  // An event happened at `now`: starts a burst, or extends the one in progress.
  void note(Clock::time_point now);

  // Whether a burst is in progress (noted and not yet taken).
  bool pending() const;

  // When the burst in progress is due: min(last event + quiet, first event + max_wait); nullopt
  // when there is none.
  std::optional<Clock::time_point> deadline() const;

  // Whether a burst is in progress and due at `now`.
  bool due(Clock::time_point now) const;

  // If the burst is due at `now`, ends it and returns true: the caller acts once. Otherwise false
  // and nothing changes.
  bool take(Clock::time_point now);

  // Ends the burst in progress, due or not: the owner acted early (e.g. a rescan on request).
  void reset();

 private:
  std::chrono::milliseconds quiet_;
  std::chrono::milliseconds max_wait_;
  std::optional<Clock::time_point> first_;  // of the burst in progress
  Clock::time_point last_{};
};

}  // namespace hotreload
