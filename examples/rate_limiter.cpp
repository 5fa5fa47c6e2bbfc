// rate_limiter: a limit that changes live (seed 004's pattern). The limiter reads the live
// snapshot on every request, so a reload takes effect at the next request with no callback.
//
//   example_rate_limiter      (writes its config to a scratch directory and edits it)
#include <filesystem>
#include <iostream>

#include <hotreload/reloader.hpp>

#include "example_support.hpp"

namespace example {

struct RateLimit {
  int requests_per_second = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RateLimit, requests_per_second)
struct Config {
  RateLimit rate_limit;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, rate_limit)

// Admits up to the live limit per one-second window; the window is simulated by the caller.
class RateLimiter {
 public:
  explicit RateLimiter(const hotreload::Reloader<Config>& config) : config_(config) {}
  bool admit() { return ++used_ <= config_.read()->rate_limit.requests_per_second; }
  void next_second() { used_ = 0; }

 private:
  const hotreload::Reloader<Config>& config_;
  int used_ = 0;
};

int admitted_in_one_second(RateLimiter& limiter, int offered) {
  limiter.next_second();
  int admitted = 0;
  for (int i = 0; i < offered; ++i) admitted += limiter.admit() ? 1 : 0;
  return admitted;
}

}  // namespace example

int main() {
  const auto dir = example::scratch_dir();
  const auto file = dir / "config.yaml";
  example::write_file(file, "rate_limit:\n  requests_per_second: 5\n");

  hotreload::Reloader<example::Config> reloader({.layers = {.files = {{file.string()}}}});
  if (auto started = reloader.start(); !started) {
    std::cerr << hotreload::to_string(started.error());
    return 1;
  }
  example::RateLimiter limiter(reloader);
  const int before = example::admitted_in_one_second(limiter, 20);
  std::cout << "limit 5: admitted " << before << " of 20\n";

  example::write_file(file, "rate_limit:\n  requests_per_second: 12\n");
  auto outcome = reloader.reload(hotreload::Trigger::file);
  for (const auto& change : outcome.changes) std::cout << "reloaded: " << hotreload::to_line(change) << "\n";
  const int after = example::admitted_in_one_second(limiter, 20);
  std::cout << "limit 12: admitted " << after << " of 20\n";

  std::filesystem::remove_all(dir);
  return before == 5 && after == 12 ? 0 : 1;
}
