// watch_layer_files: a reloader that reloads by itself when its files change, on real files and
// the real watcher.
#include <gtest/gtest.h>

#include <filesystem>

#include "hotreload/watch_reload.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::watch_reload_test {

struct Config {
  int limit = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, limit)

class WatchReloadTest : public ::testing::Test {
 protected:
  ReloadOptions options() {
    ReloadOptions opts;
    opts.layers.files = {{path_}};
    opts.layers.environment = Environment{};
    return opts;
  }
  // Writes a temp file and renames it over the config, as editors do.
  void replace(const std::string& text) {
    const std::string temp = dir_.write("config.yaml.tmp", text);
    std::filesystem::rename(temp, path_);
  }
  static std::optional<Event> await(EventQueue& queue, std::string_view type) {
    while (auto event = queue.recv(std::chrono::seconds(30))) {
      if (event->type == type) return event;
    }
    return std::nullopt;
  }
  testing::TempDir dir_;
  std::string path_ = dir_.write("config.yaml", "limit: 1\n");
};

TEST_F(WatchReloadTest, AChangedFileIsReportedThenReloaded) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start());
  auto queue = reloader.events().open_queue();
  auto watcher = watch_layer_files(reloader, {.debounce = std::chrono::milliseconds(0)});
  ASSERT_TRUE(watcher) << watcher.error().to_string();

  replace("limit: 2\n");
  auto changed = await(*queue, event_type::file_changed);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->files, std::vector<std::string>{path_});
  auto completed = await(*queue, event_type::completed);
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->trigger, Trigger::file);
  EXPECT_EQ(reloader.read()->limit, 2);
}

TEST_F(WatchReloadTest, AMissingFileKeepsTheConfigAndItsReturnReloads) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start());
  auto queue = reloader.events().open_queue();
  auto watcher = watch_layer_files(reloader, {.debounce = std::chrono::milliseconds(0)});
  ASSERT_TRUE(watcher);

  std::filesystem::remove(path_);
  auto missing = await(*queue, event_type::file_missing);
  ASSERT_TRUE(missing);
  ASSERT_EQ(missing->errors.size(), 1u);
  EXPECT_EQ(missing->errors[0].location.file, path_);
  EXPECT_EQ(reloader.read()->limit, 1);

  replace("limit: 3\n");
  ASSERT_TRUE(await(*queue, event_type::completed));
  EXPECT_EQ(reloader.read()->limit, 3);
}

// A change made after start() but before the watcher first looked is applied by the call itself.
TEST_F(WatchReloadTest, AChangeBeforeTheWatcherStartedIsCaughtUp) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start());
  replace("limit: 4\n");
  auto watcher = watch_layer_files(reloader);
  ASSERT_TRUE(watcher);
  EXPECT_EQ(reloader.read()->limit, 4);
}

TEST_F(WatchReloadTest, OnlyFileLayersAreWatched) {
  LayerOptions layers;
  layers.files = {{"a.yaml"}, {"b.yaml", true}};
  EXPECT_EQ(layer_files(layers), (std::vector<std::string>{"a.yaml", "b.yaml"}));
}

}  // namespace hotreload::watch_reload_test
