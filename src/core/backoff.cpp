#include "hotreload/backoff.hpp"

#include <algorithm>
#include <memory>
#include <random>

namespace hotreload {

Backoff::Backoff(BackoffOptions options, Clock clock, Random random)
    : options_(options), clock_(std::move(clock)), random_(std::move(random)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  if (!random_) {
    auto engine = std::make_shared<std::mt19937>(std::random_device{}());
    random_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
}

std::chrono::nanoseconds Backoff::delay_for(unsigned failures, const BackoffOptions& options) {
  if (failures == 0) return std::chrono::nanoseconds::zero();
  const std::chrono::nanoseconds cap = options.cap;
  std::chrono::nanoseconds delay = options.base;
  // Doubling stops at the cap, so the shift never overflows however many failures there were.
  for (unsigned i = 1; i < failures && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

bool Backoff::allows() const {
  if (!options_.enabled || state_.consecutive_failures == 0) return true;
  const auto now = clock_();
  // A clock set back to before the last failure would stretch the wait by the size of the jump;
  // retrying once (a new failure starts a new wait from the new time) is the smaller harm.
  const auto failed_at = state_.next_attempt - state_.delay;
  return now >= state_.next_attempt || now < failed_at;
}

void Backoff::record_failure() {
  ++state_.consecutive_failures;
  if (!options_.enabled) return;
  const double jitter = std::clamp(options_.jitter, 0.0, 1.0) * std::clamp(random_(), 0.0, 1.0);
  const auto full = delay_for(state_.consecutive_failures, options_);
  state_.delay = std::chrono::duration_cast<std::chrono::nanoseconds>(full * (1.0 - jitter));
  state_.next_attempt = clock_() + state_.delay;
}

void Backoff::record_success() { state_ = BackoffState{}; }

}  // namespace hotreload
