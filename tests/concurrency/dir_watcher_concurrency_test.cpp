// DirWatcher under contention, on both backends; CI runs this binary under ThreadSanitizer. Threads
// synchronise through latches and atomics: a lost wake-up hangs the test rather than being hidden by a
// sleep.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hotreload/dir_watch.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

class DirWatchConcurrency : public ::testing::TestWithParam<std::optional<std::chrono::milliseconds>> {};

// The destructor must not wait out a pending debounce: with an hour-long quiet period and cap, a
// destructor that waited would hang this test (and the ctest timeout would report it).
TEST_P(DirWatchConcurrency, DestructorStopsDuringAPendingDebounce) {
  hotreload::testing::TempDir dir;
  std::atomic<int> calls{0};
  auto watcher = DirWatcher::start(
      {.directory = dir.path().string(), .debounce = 1h, .max_wait = 1h, .poll_interval = GetParam()},
      [&](const std::vector<DirChange>&) { ++calls; });
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  write_file(dir.file("app.yaml"), "a: 2\n");
  watcher->reset();
  EXPECT_EQ(calls.load(), 0);
}

// Destroying the watcher while a writer keeps the callbacks coming: the destructor waits for the
// running callback and none starts afterwards.
TEST_P(DirWatchConcurrency, NoCallbackAfterTheDestructorReturns) {
  hotreload::testing::TempDir dir;
  const std::string file = dir.file("app.yaml");
  std::atomic<bool> destroyed{false};
  std::atomic<bool> called_after_destruction{false};
  std::latch first_callback(1);
  std::atomic<bool> counted{false};
  auto watcher = DirWatcher::start({.directory = dir.path().string(), .debounce = 0ms, .poll_interval = GetParam()},
                                   [&](const std::vector<DirChange>&) {
                                     if (destroyed.load()) called_after_destruction = true;
                                     if (!counted.exchange(true)) first_callback.count_down();
                                   });
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  std::atomic<bool> stop_writing{false};
  std::jthread writer([&] {
    for (int n = 1; !stop_writing.load(); ++n) write_file(file, "n: " + std::to_string(n) + "\n");
  });
  first_callback.wait();
  watcher->reset();
  destroyed = true;
  stop_writing = true;
  writer.join();
  EXPECT_FALSE(called_after_destruction.load());
}

INSTANTIATE_TEST_SUITE_P(Backends, DirWatchConcurrency, ::testing::Values(std::nullopt, 5ms),
                         [](const auto& backend) { return std::string(backend.param ? "poll" : "inotify"); });

}  // namespace
}  // namespace hotreload
