// FileWatcher under contention; CI runs this binary under ThreadSanitizer. Threads synchronise through
// latches, atomics and a condition variable: a lost wake-up hangs the test rather than being hidden by
// a sleep.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hotreload/watch.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// Rescans from several threads while a writer rewrites a file: callbacks never overlap, all run on one
// thread, and the writer's final state is reported.
TEST(WatchConcurrency, RescanFromManyThreadsWhileFilesChange) {
  hotreload::testing::TempDir dir;
  auto file = dir.write("app.yaml", "n: 0\n");
  auto done = dir.write("done.yaml", "done: false\n");

  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  std::mutex mu;
  std::condition_variable finished_cv;
  bool finished = false;                 // guarded by mu
  std::thread::id callback_thread;       // guarded by mu
  bool callbacks_on_one_thread = true;   // guarded by mu
  auto watcher = FileWatcher::start({.files = {file, done}, .debounce = 1ms},
                                    [&](const std::vector<FileChange>& changes) {
                                      if (running.fetch_add(1) != 0) overlapped = true;
                                      {
                                        std::lock_guard lock(mu);
                                        if (callback_thread == std::thread::id{}) callback_thread = std::this_thread::get_id();
                                        if (callback_thread != std::this_thread::get_id()) callbacks_on_one_thread = false;
                                        for (const auto& change : changes) {
                                          if (change.path == done) finished = true;
                                        }
                                      }
                                      finished_cv.notify_all();
                                      running.fetch_sub(1);
                                    });
  ASSERT_TRUE(watcher);

  constexpr int kRescanners = 4;
  std::latch go(kRescanners + 1);
  std::vector<std::jthread> rescanners;
  for (int i = 0; i < kRescanners; ++i) {
    rescanners.emplace_back([&] {
      go.arrive_and_wait();
      for (int n = 0; n < 500; ++n) (*watcher)->rescan();
    });
  }
  go.arrive_and_wait();
  for (int n = 1; n <= 200; ++n) write_file(file, "n: " + std::to_string(n) + "\n");
  rescanners.clear();  // joins
  write_file(done, "done: true\n");

  std::unique_lock lock(mu);
  EXPECT_TRUE(finished_cv.wait_for(lock, 10s, [&] { return finished; }));
  EXPECT_TRUE(callbacks_on_one_thread);
  EXPECT_FALSE(overlapped);
}

// The destructor must not wait out a pending debounce: with an hour-long quiet period, a destructor
// that waited would hang this test (and the ctest timeout would report it).
TEST(WatchConcurrency, DestructorStopsDuringAPendingDebounce) {
  hotreload::testing::TempDir dir;
  auto file = dir.write("app.yaml", "a: 1\n");
  std::atomic<int> calls{0};
  auto watcher = FileWatcher::start({.files = {file}, .debounce = 1h, .max_wait = 1h},
                                    [&](const std::vector<FileChange>&) { ++calls; });
  ASSERT_TRUE(watcher);
  write_file(file, "a: 2\n");
  watcher->reset();
  EXPECT_EQ(calls.load(), 0);
}

// Destroying the watcher from another thread while callbacks are running: the destructor waits for the
// running callback and none starts afterwards.
TEST(WatchConcurrency, NoCallbackAfterTheDestructorReturns) {
  hotreload::testing::TempDir dir;
  auto file = dir.write("app.yaml", "n: 0\n");
  std::atomic<bool> destroyed{false};
  std::atomic<bool> called_after_destruction{false};
  std::latch first_callback(1);
  std::atomic<bool> counted{false};
  auto watcher = FileWatcher::start({.files = {file}, .debounce = 0ms},
                                    [&](const std::vector<FileChange>&) {
                                      if (destroyed.load()) called_after_destruction = true;
                                      if (!counted.exchange(true)) first_callback.count_down();
                                    });
  ASSERT_TRUE(watcher);
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

}  // namespace
}  // namespace hotreload
