// Loads racing the kubelet's volume swaps never mix versions and never fail: each load pins
// ..data once, and retries when the pinned version was deleted under it.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "hotreload/layers.hpp"
#include "support/projected_volume.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::projected_volume_concurrency {

testing::ProjectedVolume::Files version(int n) {
  return {{"a.yaml", "a: " + std::to_string(n) + "\n"}, {"b.yaml", "b: " + std::to_string(n) + "\n"}};
}

TEST(ProjectedVolumeConcurrency, LoadsDuringSwapsSeeOneVersionOfEveryFile) {
  testing::TempDir dir;
  testing::ProjectedVolume volume(dir.path(), version(0));
  LayerOptions options;
  options.files = {{volume.file("a.yaml")}, {volume.file("b.yaml")}};
  options.environment = Environment{};

  std::atomic<bool> done{false};
  std::atomic<int> loads{0};
  std::latch ready(2);
  // One swap per load at most, racing it: a real kubelet swaps once a minute, and a loader that
  // a tight swap loop starves of every retry would prove nothing about real volumes.
  std::thread kubelet([&] {
    ready.arrive_and_wait();
    for (int n = 1; !done.load(std::memory_order_acquire); ++n) {
      const int seen = loads.load(std::memory_order_acquire);
      volume.update(version(n));
      while (loads.load(std::memory_order_acquire) == seen && !done.load(std::memory_order_acquire)) {
        std::this_thread::yield();
      }
    }
  });
  ready.arrive_and_wait();
  int mixed = 0;
  int failed = 0;
  for (int i = 0; i < 300; ++i) {
    auto loaded = load_layers(options);
    loads.fetch_add(1, std::memory_order_release);
    if (!loaded) {
      ++failed;
      ADD_FAILURE() << to_string(loaded.error());
      continue;
    }
    if (loaded->root.find_dotted("a")->as_int() != loaded->root.find_dotted("b")->as_int()) ++mixed;
  }
  done.store(true, std::memory_order_release);
  kubelet.join();
  EXPECT_EQ(mixed, 0);
  EXPECT_EQ(failed, 0);
}

}  // namespace hotreload::projected_volume_concurrency
