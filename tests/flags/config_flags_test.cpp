// Flags from the config reload with it, all at once, and a bad list keeps the old flags and config.
#include <gtest/gtest.h>

#include "hotreload/config_flags.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::config_flags_test {

struct Config {
  std::string log_level;
  std::vector<FlagConfig> feature_flags;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, log_level, feature_flags)

std::string config_text(std::string_view flags_yaml, std::string_view log_level = "info") {
  return "log_level: " + std::string(log_level) + "\nfeature_flags:\n" + std::string(flags_yaml);
}

class ConfigFlagsTest : public ::testing::Test {
 protected:
  ReloadOptions options() {
    ReloadOptions opts;
    opts.layers.files = {{path_}};
    opts.layers.environment = Environment{};
    return opts;
  }
  static const std::vector<FlagConfig>& select(const Config& config) { return config.feature_flags; }

  testing::TempDir dir_;
  std::string path_ = dir_.write("config.yaml", config_text("  - name: new-player\n    enabled: true\n"));
  FlagSet flags_{[](std::string_view) {}};
};

TEST_F(ConfigFlagsTest, FlagsLoadAtAttachAndSwapOnReload) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  ASSERT_TRUE(reload_flags_with(reloader, flags_, select));
  EXPECT_TRUE(flags_.is_enabled("new-player"));
  EXPECT_FALSE(flags_.is_enabled("dark-mode"));

  dir_.write("config.yaml", config_text("  - name: new-player\n    enabled: false\n  - name: dark-mode\n    enabled: true\n"));
  ASSERT_EQ(reloader.reload().status, ReloadStatus::applied);
  EXPECT_FALSE(flags_.is_enabled("new-player")) << "kill switch applied";
  EXPECT_TRUE(flags_.is_enabled("dark-mode"));
}

TEST_F(ConfigFlagsTest, ADuplicateFlagVetoesTheReloadAndKeepsEverythingLive) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  ASSERT_TRUE(reload_flags_with(reloader, flags_, select));
  dir_.write("config.yaml", config_text("  - name: a\n  - name: a\n", "debug"));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_EQ(outcome.errors.at(0).message, "vetoed by feature flags: feature flag \"a\" is defined twice");
  EXPECT_TRUE(flags_.is_enabled("new-player"));
  EXPECT_EQ(reloader.read()->log_level, "info");
}

TEST_F(ConfigFlagsTest, AFailedCommitElsewherePutsTheOldFlagsBack) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  ASSERT_TRUE(reload_flags_with(reloader, flags_, select));
  reloader.add_module({.name = "logger", .sections = {"log_level"}, .commit = [](const ModuleUpdate<Config>&) -> ModuleResult {
                         return unexpected(std::string("cannot reopen the log"));
                       }});
  dir_.write("config.yaml", config_text("  - name: new-player\n    enabled: false\n", "debug"));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_TRUE(outcome.rolled_back);
  EXPECT_TRUE(flags_.is_enabled("new-player")) << "rolled back with the config";
}

TEST_F(ConfigFlagsTest, OtherChangesLeaveTheFlagsAlone) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  ASSERT_TRUE(reload_flags_with(reloader, flags_, select));
  ASSERT_TRUE(flags_.set({.name = "runtime-only", .enabled = true}));
  dir_.write("config.yaml", config_text("  - name: new-player\n    enabled: true\n", "debug"));
  ASSERT_EQ(reloader.reload().status, ReloadStatus::applied);
  EXPECT_TRUE(flags_.is_enabled("runtime-only")) << "the flag module only runs when feature_flags changed";
}

}  // namespace hotreload::config_flags_test
