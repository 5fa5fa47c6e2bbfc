// ReloadMetrics: the Prometheus metrics of a reloader, kept up to date from its events.
//
//   hotreload::MetricsRegistry registry;
//   hotreload::ReloadMetrics metrics(reloader.events(), registry);  // before start(): it counts
//   reloader.start();                                               // the initial load too
//   serve("/metrics", registry.expose());
//
// Every metric is named `<prefix>...` (default "hotreload_"); docs/OPERATIONS.md lists them. Label
// values come only from fixed sets (trigger names, ErrorCode names, "success"/"failure") or from
// program-defined identifiers (module names, and flag keys and reasons, bounded in number), never
// from config values or error messages: no secret and no unbounded label can appear.
//
// Thread safety: every member may be called from any thread. The event callback and the setters
// only touch atomics, except for the first use of a new label value (which creates a child).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hotreload/events.hpp"
#include "hotreload/metrics.hpp"

namespace hotreload {

struct ReloadMetricsOptions {
  std::string prefix = "hotreload_";
  // Reloads take from well under a millisecond (a small file) to seconds (slow modules).
  std::vector<double> duration_buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,    0.25,  0.5,    1,     2.5,  5,    10, 30};
  // Flag evaluations: at most this many distinct flag keys and reasons get their own label value;
  // the rest are counted under "other", so a typo loop cannot grow the series without bound.
  std::size_t max_flags = 100;
  std::size_t max_flag_reasons = 16;
  // "Now" for hotreload_seconds_since_last_success, read at scrape time; empty: system_clock.
  std::function<std::chrono::system_clock::time_point()> clock{};
};

class ReloadMetrics {
 public:
  // Registers the metrics in `registry` (which must outlive this object) and subscribes to
  // `events` until destruction. Throws std::invalid_argument when `options.prefix` makes an
  // invalid metric name, or when another ReloadMetrics with the same prefix is alive on
  // `registry` (the scrape-time gauge can have only one source).
  ReloadMetrics(EventBus& events, MetricsRegistry& registry, ReloadMetricsOptions options = {});
  ~ReloadMetrics() = default;
  ReloadMetrics(const ReloadMetrics&) = delete;
  ReloadMetrics& operator=(const ReloadMetrics&) = delete;

  // Values no event carries (yet): the current backoff wait, and how many files are watched.
  // Failed and skipped events also set the backoff from Event::backoff; a success sets it to 0.
  template <class Rep, class Period>
  void set_backoff(std::chrono::duration<Rep, Period> wait) {
    backoff_seconds_.set(std::chrono::duration<double>(wait).count());
  }
  void set_watched_files(std::size_t count) { watched_files_.set(static_cast<double>(count)); }

  // For a ReloadMetrics created after start(): the live generation and when it was published
  // (the initial load's events were missed).
  void set_generation(std::uint64_t generation) { generation_.set(static_cast<double>(generation)); }
  void set_last_success(std::chrono::system_clock::time_point time);

  // Counts one evaluation of `flag` that ended for `reason` (e.g. "TARGETING_MATCH", "DISABLED").
  // Safe and cheap from any thread: two shared-lock lookups, no allocation once both are known.
  void count_flag_evaluation(std::string_view flag, std::string_view reason);

  // The label value used for flags and reasons past the limits.
  static constexpr std::string_view kOther = "other";

 private:
  // A bounded set of label values: a value is admitted while fewer than `limit` are known.
  class BoundedLabels {
   public:
    explicit BoundedLabels(std::size_t limit) : limit_(limit) {}
    std::string_view admit(std::string_view value);

   private:
    const std::size_t limit_;
    std::shared_mutex mu_;
    std::set<std::string, std::less<>> known_;  // guarded by mu_
  };

  void on_event(const Event& event);
  void record_success(std::chrono::system_clock::time_point time);
  std::optional<double> seconds_since_last_success() const;

  ReloadMetricsOptions options_;
  CounterFamily& attempts_;
  CounterFamily& failures_;
  CounterFamily& outcomes_;  // {trigger, outcome}: applied, unchanged, failed, skipped
  Counter& rollbacks_;
  HistogramFamily& duration_;
  HistogramFamily& module_duration_;
  Gauge& generation_;
  Gauge& last_success_timestamp_;
  Gauge& consecutive_failures_;
  Gauge& backoff_seconds_;
  Gauge& watched_files_;
  CounterFamily& file_events_;
  CounterFamily& flag_evaluations_;
  BoundedLabels flags_;
  BoundedLabels flag_reasons_;

  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
  std::atomic<std::int64_t> last_success_ns_{kNever};  // system_clock, since the epoch
  std::mutex failures_mu_;                             // serialises the failure streak
  unsigned failure_streak_ = 0;                        // guarded by failures_mu_

  // Declared last, so destroyed first: no scrape or event reaches the members above once gone.
  CallbackMetric seconds_since_;
  Subscription subscription_;
};

}  // namespace hotreload
