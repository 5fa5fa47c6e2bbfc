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

TEST_F(WatchReloadTest, OnlyPlainFileLayersAreWatchedAsFiles) {
  LayerOptions layers;
  layers.files = {{"a.yaml"}, {"b.yaml", true}, {.path = "conf.d", .directory_glob = "*.yaml"}};
  EXPECT_EQ(layer_files(layers), (std::vector<std::string>{"a.yaml", "b.yaml"}));
}

// conf.d: a file added, edited or removed is a change to the config (removing one takes its layer
// away), each reported as file.changed with what happened, then reloaded.
TEST_F(WatchReloadTest, ADirectoryLayerFollowsFilesAddedEditedAndRemoved) {
  dir_.write("conf.d/10-base.yaml", "limit: 10\n");
  ReloadOptions opts = options();
  opts.layers.files.push_back({.path = dir_.file("conf.d"), .directory_glob = "*.yaml"});
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start());
  EXPECT_EQ(reloader.read()->limit, 10);
  auto queue = reloader.events().open_queue();
  auto watcher = watch_layer_files(reloader, {.debounce = std::chrono::milliseconds(0)});
  ASSERT_TRUE(watcher) << watcher.error().to_string();

  const std::string extra = dir_.file("conf.d/20-extra.yaml");
  std::filesystem::rename(dir_.write("20-extra.yaml.tmp", "limit: 20\n"), extra);
  auto added = await(*queue, event_type::file_changed);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->files, std::vector<std::string>{extra});
  EXPECT_EQ(added->reason, "added");
  ASSERT_TRUE(await(*queue, event_type::completed));
  EXPECT_EQ(reloader.read()->limit, 20);

  std::filesystem::rename(dir_.write("20-extra.yaml.tmp", "limit: 21\n"), extra);
  auto modified = await(*queue, event_type::file_changed);
  ASSERT_TRUE(modified);
  EXPECT_EQ(modified->reason, "modified");
  ASSERT_TRUE(await(*queue, event_type::completed));
  EXPECT_EQ(reloader.read()->limit, 21);

  std::filesystem::remove(extra);
  auto removed = await(*queue, event_type::file_changed);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->reason, "removed");
  ASSERT_TRUE(await(*queue, event_type::completed));
  EXPECT_EQ(reloader.read()->limit, 10);
}

// A broken file dropped into conf.d fails the reload with its position; the old config stays
// live until the file is fixed.
TEST_F(WatchReloadTest, ABrokenFileInADirectoryLayerKeepsTheOldConfig) {
  dir_.write("conf.d/10-base.yaml", "limit: 10\n");
  ReloadOptions opts = options();
  opts.layers.files.push_back({.path = dir_.file("conf.d"), .directory_glob = "*.yaml"});
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start());
  auto queue = reloader.events().open_queue();
  auto watcher = watch_layer_files(reloader, {.debounce = std::chrono::milliseconds(0)});
  ASSERT_TRUE(watcher) << watcher.error().to_string();

  const std::string broken = dir_.file("conf.d/20-broken.yaml");
  std::filesystem::rename(dir_.write("20-broken.yaml.tmp", "limit: [20\n"), broken);
  auto failed = await(*queue, event_type::failed);
  ASSERT_TRUE(failed);
  ASSERT_FALSE(failed->errors.empty());
  EXPECT_EQ(failed->errors[0].location.file, broken);
  EXPECT_EQ(failed->errors[0].code, ErrorCode::parse);
  EXPECT_EQ(reloader.read()->limit, 10);

  std::filesystem::rename(dir_.write("20-broken.yaml.tmp", "limit: 20\n"), broken);
  ASSERT_TRUE(await(*queue, event_type::completed));
  EXPECT_EQ(reloader.read()->limit, 20);
}

// An optional conf.d that does not exist yet when watching starts is loaded when it appears, and
// unloaded when it goes.
TEST_F(WatchReloadTest, AnOptionalDirectoryLayerThatAppearsLaterIsLoaded) {
  const std::string directory = dir_.file("conf.d");
  ReloadOptions opts = options();
  opts.layers.files.push_back({.path = directory, .optional = true, .directory_glob = "*.yaml"});
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start());
  EXPECT_EQ(reloader.read()->limit, 1);
  auto queue = reloader.events().open_queue();
  auto watcher = watch_layer_files(reloader, {.debounce = std::chrono::milliseconds(0)});
  ASSERT_TRUE(watcher) << watcher.error().to_string();

  dir_.write("staging/10-base.yaml", "limit: 10\n");
  std::filesystem::rename(dir_.file("staging"), directory);
  auto added = await(*queue, event_type::file_changed);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->files, std::vector<std::string>{directory + "/10-base.yaml"});
  EXPECT_EQ(added->reason, "added");
  ASSERT_TRUE(await(*queue, event_type::completed));
  EXPECT_EQ(reloader.read()->limit, 10);

  std::filesystem::remove_all(directory);
  auto removed = await(*queue, event_type::file_changed);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->reason, "removed");
  ASSERT_TRUE(await(*queue, event_type::completed));
  EXPECT_EQ(reloader.read()->limit, 1);
}

// A watcher's problems reach the reloader's events: the fallback to polling as watch.fallback,
// its own failures as watch.error; neither reloads.
TEST(WatchProblems, AreEventsAndDoNotReload) {
  EventBus events;
  auto queue = events.open_queue();
  int reloads = 0;
  LayerChangeCallbacks callbacks = reloading_callbacks(events, [&reloads] { ++reloads; });
  callbacks.on_problem({WatchProblem::Kind::polling, "inotify_init1 failed: Too many open files; falling back"});
  callbacks.on_problem({WatchProblem::Kind::callback, "change callback threw: boom"});

  auto fallback = queue->try_recv();
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->type, event_type::watch_fallback);
  EXPECT_EQ(fallback->trigger, Trigger::file);
  EXPECT_EQ(fallback->reason, "polling");
  ASSERT_EQ(fallback->errors.size(), 1u);
  EXPECT_EQ(fallback->errors[0].message, "inotify_init1 failed: Too many open files; falling back");
  auto failed = queue->try_recv();
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->type, event_type::watch_error);
  EXPECT_EQ(failed->reason, "callback");
  EXPECT_EQ(reloads, 0);
}

}  // namespace hotreload::watch_reload_test
