// Readers never see a torn or invalid config while reloads run from several threads.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::reloader_concurrency {

struct Pair {
  int left = 0;
  int right = 0;  // always equal to left in every valid file
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Pair, left, right)

TEST(ReloaderConcurrency, ReadersSeeOnlyWholeValidSnapshotsWhileReloadsRace) {
  testing::TempDir dir;
  const std::string path = dir.write("pair.yaml", "left: 0\nright: 0\n");
  ReloadOptions options;
  options.layers.files = {{path}};
  options.layers.environment = Environment{};
  // Every other write is invalid: without this, the backoff would (rightly) skip file reloads.
  options.backoff.enabled = false;
  Reloader<Pair> reloader(options);
  reloader.add_validator([](const Pair*, const Pair& next) -> Errors {
    if (next.left != next.right) return {{ErrorCode::validation, "left and right differ", {}, "right"}};
    return {};
  });
  ASSERT_TRUE(reloader.start().has_value());

  constexpr int kWrites = 200;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::latch ready(3);
  auto reader = [&] {
    ready.arrive_and_wait();
    int last = 0;
    while (!done.load(std::memory_order_acquire)) {
      auto pair = reloader.read();
      if (pair->left != pair->right || pair->left < last) torn.fetch_add(1);
      last = pair->left;
    }
  };
  std::thread reader1(reader);
  std::thread reader2(reader);
  std::thread extra_reloads([&] {
    ready.arrive_and_wait();
    while (!done.load(std::memory_order_acquire)) (void)reloader.reload(Trigger::api);
  });

  for (int i = 1; i <= kWrites; ++i) {
    // Every other state is invalid: it must never be published.
    std::string next = i % 2 == 0 ? "left: " + std::to_string(i) + "\nright: " + std::to_string(i) + "\n"
                                  : "left: " + std::to_string(i) + "\nright: -1\n";
    // Write to a temp name and rename, so readers of the file never see a half-written state.
    std::string temp = dir.write("pair.yaml.tmp", next);
    std::filesystem::rename(temp, path);
    (void)reloader.reload(Trigger::file);
  }
  done.store(true, std::memory_order_release);
  reader1.join();
  reader2.join();
  extra_reloads.join();

  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(reloader.read()->left, kWrites);  // the last valid state is the one published
  EXPECT_EQ(reloader.load()->right, kWrites);
}

TEST(ReloaderConcurrency, GuardsFromManyThreadsNeverLoseTheLastRequest) {
  testing::TempDir dir;
  const std::string path = dir.write("pair.yaml", "left: 0\nright: 0\n");
  ReloadOptions options;
  options.layers.files = {{path}};
  options.layers.environment = Environment{};
  Reloader<Pair> reloader(options);
  ASSERT_TRUE(reloader.start().has_value());

  std::atomic<bool> done{false};
  std::latch ready(3);
  auto holder = [&] {
    ready.arrive_and_wait();
    while (!done.load(std::memory_order_acquire)) {
      auto hold = reloader.defer();
      (void)reloader.read();
    }
  };
  std::thread holder1(holder);
  std::thread holder2(holder);
  ready.arrive_and_wait();
  constexpr int kWrites = 100;
  for (int i = 1; i <= kWrites; ++i) {
    std::string temp = dir.write("pair.yaml.tmp", "left: " + std::to_string(i) + "\nright: " + std::to_string(i) + "\n");
    std::filesystem::rename(temp, path);
    (void)reloader.reload(Trigger::file);
  }
  done.store(true, std::memory_order_release);
  holder1.join();
  holder2.join();
  // Every request either ran or was deferred to a release that ran it: the last state is live.
  EXPECT_EQ(reloader.read()->left, kWrites);
}

TEST(ReloaderConcurrency, AsyncRequestsSwitchesAndModulesRaceSafely) {
  testing::TempDir dir;
  const std::string path = dir.write("pair.yaml", "left: 0\nright: 0\n");
  ReloadOptions options;
  options.layers.files = {{path}};
  options.layers.environment = Environment{};
  options.module_timeout = std::chrono::seconds(30);
  Reloader<Pair> reloader(options);
  std::atomic<int> committed_left{0};
  reloader.add_module({.name = "mirror",
                       .prepare = [](const ModuleUpdate<Pair>& update) -> ModuleResult {
                         if (update.next.left != update.next.right) return unexpected(std::string("torn"));
                         return {};
                       },
                       .commit = [&](const ModuleUpdate<Pair>& update) -> ModuleResult {
                         committed_left = update.next.left;
                         return {};
                       }});
  ASSERT_TRUE(reloader.start().has_value());

  std::atomic<bool> done{false};
  std::latch ready(3);
  std::thread requester([&] {
    ready.arrive_and_wait();
    while (!done.load(std::memory_order_acquire)) {
      auto outcome = reloader.request_reload_async().get();
      EXPECT_TRUE(outcome.ok()) << to_string(outcome.errors);
    }
  });
  std::thread switcher([&] {
    ready.arrive_and_wait();
    for (int i = 0; !done.load(std::memory_order_acquire); ++i) {
      reloader.set_auto_reload(i % 2 == 0);
      (void)reloader.backoff();
    }
    reloader.set_auto_reload(true);
  });
  ready.arrive_and_wait();
  constexpr int kWrites = 50;
  for (int i = 1; i <= kWrites; ++i) {
    std::string temp = dir.write("pair.yaml.tmp", "left: " + std::to_string(i) + "\nright: " + std::to_string(i) + "\n");
    std::filesystem::rename(temp, path);
    (void)reloader.reload(Trigger::file);
  }
  done.store(true, std::memory_order_release);
  requester.join();
  switcher.join();
  EXPECT_EQ(reloader.request_reload().status == ReloadStatus::failed, false);
  EXPECT_EQ(reloader.read()->left, kWrites);
  EXPECT_EQ(committed_left.load(), kWrites);
  reloader.stop();
}

}  // namespace hotreload::reloader_concurrency
