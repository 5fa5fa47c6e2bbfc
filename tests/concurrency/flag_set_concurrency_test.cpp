#include "hotreload/flags.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace hotreload::flag_set_concurrency_test {

constexpr int kReaders = 3;
constexpr int kFlags = 16;

// Every flag of one version has the same state: all on or all off.
std::vector<FlagConfig> uniform_set(bool enabled) {
  std::vector<FlagConfig> flags;
  for (int i = 0; i < kFlags; ++i) flags.push_back({.name = "flag-" + std::to_string(i), .enabled = enabled});
  return flags;
}

TEST(FlagSetConcurrency, ReadersNeverSeeHalfOfAReplacedSet) {
  FlagSet flags([](std::string_view) {});
  ASSERT_TRUE(flags.replace(uniform_set(false)));
  std::vector<std::string> names;
  for (int i = 0; i < kFlags; ++i) names.push_back("flag-" + std::to_string(i));

  std::latch start(kReaders + 1);
  std::atomic<bool> writer_done{false};
  std::atomic<int> torn{0};
  std::atomic<long> views{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      start.arrive_and_wait();
      // At least one full pass after the writer finished, so the final set is checked too.
      for (bool last = false; !last;) {
        last = writer_done.load(std::memory_order_acquire);
        FlagView view = flags.view();
        const bool first = view.is_enabled(names[0]);
        for (const std::string& name : names) {
          if (view.is_enabled(name) != first || view.is_enabled_for_user(name, "u") != first) {
            torn.fetch_add(1, std::memory_order_relaxed);
          }
        }
        if (view.size() != static_cast<std::size_t>(kFlags)) torn.fetch_add(1, std::memory_order_relaxed);
        views.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  start.arrive_and_wait();
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(flags.replace(uniform_set(i % 2 == 0)));
  writer_done.store(true, std::memory_order_release);
  for (std::thread& reader : readers) reader.join();

  EXPECT_EQ(torn.load(), 0);
  EXPECT_GE(views.load(), kReaders);
  EXPECT_FALSE(flags.is_enabled("flag-0"));  // the last replace (i = 1999) turned them off
}

TEST(FlagSetConcurrency, ConcurrentSetsLoseNoUpdate) {
  FlagSet flags([](std::string_view) {});
  constexpr int kWriters = 2;
  constexpr int kPerWriter = 200;
  std::latch start(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerWriter; ++i) {
        EXPECT_TRUE(flags.set({.name = std::to_string(w) + "-" + std::to_string(i), .enabled = true}));
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(flags.flags().size(), static_cast<std::size_t>(kWriters * kPerWriter));
}

TEST(FlagSetConcurrency, UnknownFlagIsReportedOnceAcrossThreads) {
  std::atomic<int> reports{0};
  FlagSet flags([&](std::string_view) { reports.fetch_add(1, std::memory_order_relaxed); });
  std::latch start(kReaders);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < 1000; ++i) EXPECT_FALSE(flags.is_enabled_for_user("missing", "u"));
    });
  }
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(reports.load(), 1);
}

}  // namespace hotreload::flag_set_concurrency_test
