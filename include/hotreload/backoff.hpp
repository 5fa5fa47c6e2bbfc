// Failure backoff (seed 001's circuit breaker): after consecutive failed reloads, automatic
// reloads wait exponentially longer, from a base to a cap, shortened by a random jitter so a
// fleet that failed together does not retry together. A success resets it.
#pragma once

#include <chrono>
#include <functional>

namespace hotreload {

struct BackoffOptions {
  bool enabled = true;
  std::chrono::milliseconds base{1000};  // the wait after the first failure
  std::chrono::milliseconds cap{30000};  // the longest wait
  // Each wait is shortened by up to this fraction, at random: 0.2 waits 80-100% of the delay.
  double jitter = 0.2;
};

struct BackoffState {
  unsigned consecutive_failures = 0;
  std::chrono::nanoseconds delay{0};                     // the current wait (0: none)
  std::chrono::steady_clock::time_point next_attempt{};  // automatic reloads wait until then
};

// Not thread-safe: the reloader guards it.
class Backoff {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  using Random = std::function<double()>;  // uniform in [0, 1)

  // An empty clock is steady_clock::now; an empty random source is a seeded std::mt19937.
  Backoff(BackoffOptions options, Clock clock = {}, Random random = {});

  std::chrono::steady_clock::time_point now() const { return clock_(); }
  // True when an automatic reload may run now: the wait has passed, or the clock went back to
  // before the last failure (steady_clock cannot; an injected clock can).
  bool allows() const;
  void record_failure();
  void record_success();
  // Clears the failures (the operator fixed the cause, or seed 001's manual reset).
  void reset() { record_success(); }
  const BackoffState& state() const { return state_; }

  // The wait after `failures` consecutive failures before jitter: base * 2^(failures-1), capped.
  static std::chrono::nanoseconds delay_for(unsigned failures, const BackoffOptions& options);

 private:
  BackoffOptions options_;
  Clock clock_;
  Random random_;
  BackoffState state_;
};

}  // namespace hotreload
