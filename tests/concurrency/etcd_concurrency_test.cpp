// EtcdSource under concurrent loads, reloads, writes and stop (run under ThreadSanitizer).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "etcd/etcd_test_support.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/reloader.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::EtcdServer;
using testing::eventually;

TEST(EtcdConcurrency, LoadsAndReloadsRaceTheWatchAndConvergeOnTheLastWrite) {
  HOTRELOAD_REQUIRE_ETCD();
  EtcdServer etcd;
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/n", "0");
  EtcdOptions etcd_options;
  etcd_options.debounce = 5ms;
  auto source = std::make_shared<EtcdSource>(*parse_etcd_url(etcd.url("/app/")), etcd_options);
  ASSERT_TRUE(source->sync());
  ReloadOptions options;
  options.layers.files = {{.path = source->name(), .source = source}};
  options.backoff.enabled = false;
  Reloader<nlohmann::json> reloader(options);
  ASSERT_TRUE(reloader.start());
  ASSERT_TRUE(source->start([&] { (void)reloader.reload(Trigger::etcd); }));

  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!done.load()) {
        auto layer = source->load();
        EXPECT_TRUE(layer);
        (void)source->status();
        auto config = reloader.read();
        EXPECT_TRUE(config->contains("n"));
      }
    });
  }
  for (int i = 1; i <= 100; ++i) etcd.put("/app/n", std::to_string(i));
  EXPECT_TRUE(eventually([&] { return (*reloader.load())["n"] == 100; }));
  done = true;
  for (std::thread& reader : readers) reader.join();

  // stop() from another thread while a write is being applied.
  std::thread writer([&] { etcd.put("/app/n", "101"); });
  std::thread stopper([&] { source->stop(); });
  writer.join();
  stopper.join();
  source->stop();  // idempotent
  reloader.stop();
}

}  // namespace
}  // namespace hotreload
