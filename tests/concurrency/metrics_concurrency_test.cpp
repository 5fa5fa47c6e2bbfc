// Metrics under contention; CI runs this binary under ThreadSanitizer. Writers update shared
// children and create new ones while readers scrape; threads start together on a latch and no
// sleep is used: totals are checked once every writer has joined.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "hotreload/events.hpp"
#include "hotreload/metrics.hpp"
#include "hotreload/reload_metrics.hpp"
#include "metrics/exposition.hpp"

namespace hotreload {
namespace {

using testing::sample;

TEST(MetricsConcurrency, ConcurrentUpdatesAndScrapesLoseNothing) {
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 5000;
  MetricsRegistry registry;
  auto& counters = registry.counter("ops_total", "Ops.", {"writer"});
  Counter& shared = registry.counter("shared_total", "Shared.").with();
  Gauge& gauge = registry.gauge("level", "Level.").with();
  auto& histogram = registry.histogram("op_seconds", "Op time.", {0.25, 0.5, 1}, {"kind"});
  std::atomic<std::uint64_t> callback_reads{0};
  CallbackMetric computed = registry.gauge_callback("computed", "Computed.", [&] {
    return static_cast<double>(callback_reads.fetch_add(1, std::memory_order_relaxed));
  });

  std::latch start(kWriters + 2);
  std::atomic<bool> writing{true};
  std::vector<std::jthread> scrapers;
  std::atomic<int> scrapes{0};
  for (int s = 0; s < 2; ++s) {
    scrapers.emplace_back([&] {
      start.arrive_and_wait();
      // Scrape while writers run, and at least once after (so a scrape always overlaps or follows).
      do {
        const std::string text = registry.expose();
        EXPECT_NE(text.find("# TYPE op_seconds histogram"), std::string::npos);
        scrapes.fetch_add(1, std::memory_order_relaxed);
      } while (writing.load(std::memory_order_acquire));
    });
  }
  {
    std::vector<std::jthread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        start.arrive_and_wait();
        const std::string mine = "w" + std::to_string(w);
        for (int i = 0; i < kPerWriter; ++i) {
          counters.with({mine}).inc();  // the lookup path, including the first creation
          shared.inc();
          gauge.add(1);
          histogram.with({i % 2 == 0 ? "even" : "odd"}).observe(0.5);
        }
      });
    }
  }
  writing.store(false, std::memory_order_release);
  scrapers.clear();

  const std::string text = registry.expose();
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_EQ(sample(text, "ops_total{writer=\"w" + std::to_string(w) + "\"}"), kPerWriter);
  }
  EXPECT_EQ(sample(text, "shared_total"), kWriters * kPerWriter);
  EXPECT_EQ(sample(text, "level"), kWriters * kPerWriter);
  EXPECT_EQ(sample(text, "op_seconds_count{kind=\"even\"}"), kWriters * kPerWriter / 2);
  EXPECT_EQ(sample(text, "op_seconds_bucket{kind=\"odd\",le=\"0.25\"}"), 0.0);
  EXPECT_EQ(sample(text, "op_seconds_bucket{kind=\"odd\",le=\"0.5\"}"), kWriters * kPerWriter / 2);
  EXPECT_EQ(sample(text, "op_seconds_sum{kind=\"odd\"}"), 0.5 * kWriters * kPerWriter / 2);
  EXPECT_GE(scrapes.load(), 2);
}

TEST(MetricsConcurrency, ReloadMetricsUnderConcurrentEventsFlagCountsAndScrapes) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  EventBus bus;
  MetricsRegistry registry;
  ReloadMetrics metrics(bus, registry, {.max_flags = 3});
  std::latch start(kThreads + 1);
  std::atomic<bool> running{true};
  std::jthread scraper([&] {
    start.arrive_and_wait();
    do {
      (void)registry.expose();
    } while (running.load(std::memory_order_acquire));
  });
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (int i = 0; i < kPerThread; ++i) {
          Event event;
          event.type = std::string(i % 2 == 0 ? event_type::started : event_type::failed);
          event.trigger = Trigger::file;
          event.errors = {{ErrorCode::parse, "x", {}, {}}};
          bus.publish(std::move(event));
          metrics.count_flag_evaluation("flag-" + std::to_string((t + i) % 6), "STATIC");
          metrics.set_watched_files(static_cast<std::size_t>(i));
        }
      });
    }
  }
  running.store(false, std::memory_order_release);
  scraper = {};

  const std::string text = registry.expose();
  EXPECT_EQ(sample(text, "hotreload_reload_attempts_total{trigger=\"file\"}"), kThreads * kPerThread / 2);
  EXPECT_EQ(sample(text, "hotreload_reload_failures_total{trigger=\"file\",reason=\"parse\"}"), kThreads * kPerThread / 2);
  EXPECT_EQ(sample(text, "hotreload_consecutive_failures"), kThreads * kPerThread / 2);
  double flags = 0;
  int flag_series = 0;
  for (std::string flag : {"flag-0", "flag-1", "flag-2", "flag-3", "flag-4", "flag-5", "other"}) {
    if (auto value = sample(text, "hotreload_flag_evaluations_total{flag=\"" + flag + "\",reason=\"STATIC\"}")) {
      flags += *value;
      ++flag_series;
    }
  }
  EXPECT_EQ(flags, kThreads * kPerThread);
  EXPECT_EQ(flag_series, 4);  // three admitted flags and "other"
}

}  // namespace
}  // namespace hotreload
