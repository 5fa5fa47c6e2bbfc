// LayerWatcher passes the watch options on to every watcher it starts, directory layers included.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "hotreload/layer_watcher.hpp"
#include "support/temp_dir.hpp"
#include "support/watch_support.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;

// The quiet window is far longer than the test may take, so only WatchOptions::max_wait, passed on
// to the directory layer's watcher, can end the burst: the callback arrives while the writes go on.
TEST(LayerWatcher, ADirectoryLayerWrittenToContinuouslyStillReportsByMaxWait) {
  testing::TempDir dir;
  const std::string busy = dir.write("conf.d/busy.yaml", "n: start\n");
  testing::BatchLog<std::vector<DirChange>> log;
  auto watcher = LayerWatcher::start(
      {.files = {{.path = dir.file("conf.d"), .directory_glob = "*.yaml"}}, .environment = Environment{}},
      {.debounce = std::chrono::hours(1), .max_wait = 300ms},
      {.on_directories = [&log](const std::vector<DirChange>& changes) { log.push(changes); }});
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  testing::ContinuousWriter writer(busy);
  auto batch = log.next();
  ASSERT_TRUE(batch) << "no callback while the directory was written to continuously";
  ASSERT_EQ(batch->size(), 1u);
  EXPECT_EQ(batch->front().path, dir.file("conf.d") + "/busy.yaml");
  EXPECT_EQ(batch->front().kind, DirChange::Kind::modified);
}

}  // namespace
}  // namespace hotreload
