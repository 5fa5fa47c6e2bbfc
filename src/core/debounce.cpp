#include "hotreload/debounce.hpp"

#include <algorithm>

namespace hotreload {

Debounce::Debounce(std::chrono::milliseconds quiet, std::chrono::milliseconds max_wait)
    : quiet_(quiet), max_wait_(max_wait) {}

void Debounce::note(Clock::time_point now) {
  if (!first_) first_ = now;
  last_ = now;
}

bool Debounce::pending() const { return first_.has_value(); }

std::optional<Debounce::Clock::time_point> Debounce::deadline() const {
  if (!first_) return std::nullopt;
  return std::min(last_ + quiet_, *first_ + max_wait_);
}

bool Debounce::due(Clock::time_point now) const {
  std::optional<Clock::time_point> at = deadline();
  return at && now >= *at;
}

bool Debounce::take(Clock::time_point now) {
  if (!due(now)) return false;
  first_.reset();
  return true;
}

void Debounce::reset() { first_.reset(); }

}  // namespace hotreload
