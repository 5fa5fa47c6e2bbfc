#include "hotreload/reloader.hpp"

#include <gtest/gtest.h>

#include "support/reload_support.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::reloader_test {

using Config = testing::ServiceConfig;
using testing::config_text;

class ReloaderTest : public ::testing::Test {
 protected:
  ReloadOptions options() {
    ReloadOptions opts;
    opts.layers.files = {{path_, false, std::nullopt, ""}};
    opts.layers.environment = Environment{};
    opts.fields.restart("port").secret("password");
    return opts;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.write("config.yaml", config_text("info", 8080, 10));
};

TEST_F(ReloaderTest, StartLoadsAndPublishesTheFirstSnapshot) {
  Reloader<Config> reloader(options());
  auto queue = reloader.events().open_queue();
  ASSERT_TRUE(reloader.start().has_value());
  EXPECT_EQ(reloader.read()->log_level, "info");
  EXPECT_EQ(reloader.load()->max_conns, 10);
  EXPECT_EQ(reloader.generation(), 1u);
  EXPECT_EQ(testing::event_types(*queue), (std::vector<std::string>{"reload.started", "reload.validated", "reload.completed"}));
}

TEST_F(ReloaderTest, StartFailsLoudlyOnAMissingFile) {
  ReloadOptions opts = options();
  opts.layers.files[0].path = dir_.file("absent.yaml");
  Reloader<Config> reloader(opts);
  auto started = reloader.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(to_string(started.error()), dir_.file("absent.yaml") + ": cannot read: No such file or directory\n");
  EXPECT_THROW((void)reloader.read(), std::logic_error);
  EXPECT_THROW((void)reloader.peek(), std::logic_error);
  EXPECT_EQ(reloader.reload().errors.at(0).code, ErrorCode::usage);
}

TEST_F(ReloaderTest, ReloadAppliesChangesAndReportsThem) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text("debug", 8080, 20));

  ReloadOutcome outcome = reloader.reload(Trigger::file);
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  ASSERT_EQ(outcome.changes.size(), 2u);
  EXPECT_EQ(to_line(outcome.changes[0]), "log_level: \"info\" -> \"debug\"");
  EXPECT_EQ(to_line(outcome.changes[1]), "max_conns: 10 -> 20");
  EXPECT_EQ(outcome.generation, 2u);
  EXPECT_EQ(reloader.read()->log_level, "debug");
  EXPECT_EQ(reloader.peek().max_conns, 20);

  auto started = queue->try_recv();
  ASSERT_TRUE(started.has_value());
  EXPECT_EQ(started->trigger, Trigger::file);
  EXPECT_EQ(started->reload_id, outcome.reload_id);
  EXPECT_EQ(testing::event_types(*queue), (std::vector<std::string>{"reload.validated", "reload.completed"}));
}

TEST_F(ReloaderTest, ReloadWithoutChangesEndsInOneUnchangedCompletedEvent) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto before = reloader.load();
  auto queue = reloader.events().open_queue();
  // Same content, different layout: no change.
  dir_.write("config.yaml", "max_conns: 10\nlog_level: info\npassword: hunter2\nport: 8080\n");
  ReloadOutcome outcome = reloader.reload();
  EXPECT_EQ(outcome.status, ReloadStatus::unchanged);
  EXPECT_TRUE(outcome.changes.empty());
  EXPECT_EQ(reloader.generation(), 1u);
  EXPECT_EQ(reloader.load(), before);
  auto events = testing::drain(*queue);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, event_type::started);
  EXPECT_EQ(events[1].type, event_type::validated);
  // Every attempt ends in exactly one outcome event, so an operator sees that it ran.
  EXPECT_EQ(events[2].type, event_type::completed);
  EXPECT_EQ(events[2].status, "unchanged");
  EXPECT_EQ(events[2].trigger, Trigger::api);
  EXPECT_TRUE(events[2].changes.empty());
  EXPECT_EQ(events[2].generation, 1u);
  const auto data = to_cloudevent(events[2], "test").at("data");
  EXPECT_EQ(data.at("status"), "unchanged");
  EXPECT_EQ(data.at("changeCount"), 0);
}

TEST_F(ReloaderTest, ParseErrorKeepsTheOldConfigAndSaysWhere) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", "log_level: debug\nport: [8080\n");
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].code, ErrorCode::parse);
  EXPECT_EQ(outcome.errors[0].location.file, path_);
  EXPECT_GT(outcome.errors[0].location.line, 0u);
  EXPECT_EQ(reloader.read()->log_level, "info");
  EXPECT_EQ(reloader.generation(), 1u);
  EXPECT_EQ(testing::event_types(*queue), (std::vector<std::string>{"reload.started", "reload.failed"}));
}

TEST_F(ReloaderTest, TypeErrorKeepsTheOldConfig) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", "log_level: info\nport: 8080\nmax_conns: ten\npassword: hunter2\n");
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_EQ(outcome.errors.at(0).to_string(), path_ + ":3:12: max_conns: expected number, got string \"ten\"");
  EXPECT_EQ(reloader.read()->max_conns, 10);
}

TEST_F(ReloaderTest, ValidatorsSeePreviousAndLocateTheirErrors) {
  Reloader<Config> reloader(options());
  std::vector<int> previous_seen;
  reloader.add_validator([&](const Config* previous, const Config& next) -> Errors {
    previous_seen.push_back(previous ? previous->max_conns : -1);
    if (next.max_conns > 100) return {{ErrorCode::validation, "must be at most 100", {}, "max_conns"}};
    return {};
  });
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("info", 8080, 500));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_EQ(outcome.errors.at(0).to_string(), path_ + ":3:12: max_conns: must be at most 100");
  EXPECT_EQ(previous_seen, (std::vector<int>{-1, 10}));
  EXPECT_EQ(reloader.read()->max_conns, 10);
}

TEST_F(ReloaderTest, RestartOnlyFieldRefusesTheReloadByDefault) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("debug", 9090, 10));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].code, ErrorCode::restart_required);
  EXPECT_EQ(outcome.errors[0].to_string(), path_ + ":2:7: port: changed from 8080 to 9090, but this field needs a restart");
  EXPECT_EQ(reloader.read()->log_level, "info");
}

TEST_F(ReloaderTest, RestartOnlyFieldCanBeLeftPendingWhileDynamicOnesApply) {
  ReloadOptions opts = options();
  opts.apply_dynamic_with_pending_restart = true;
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text("debug", 9090, 10));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  EXPECT_EQ(outcome.pending_restart, std::vector<std::string>{"port"});
  ASSERT_EQ(outcome.changes.size(), 1u);
  EXPECT_EQ(outcome.changes[0].path, "log_level");
  EXPECT_EQ(reloader.read()->log_level, "debug");
  EXPECT_EQ(reloader.read()->port, 8080);
  std::optional<Event> completed;
  while (auto event = queue->try_recv()) {
    if (event->type == event_type::completed) completed = event;
  }
  ASSERT_TRUE(completed.has_value());
  EXPECT_EQ(completed->pending_restart, std::vector<std::string>{"port"});
}

TEST_F(ReloaderTest, ListenerVetoKeepsTheOldConfig) {
  Reloader<Config> reloader(options());
  reloader.on_change("pool", [](const Config&, const Config& next, const std::vector<Change>&) -> Result<void, std::string> {
    if (next.max_conns > 50) return unexpected(std::string("pool cannot grow past 50"));
    return {};
  });
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("info", 8080, 60));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_EQ(outcome.errors.at(0).code, ErrorCode::vetoed);
  EXPECT_EQ(outcome.errors.at(0).message, "vetoed by pool: pool cannot grow past 50");
  EXPECT_EQ(reloader.read()->max_conns, 10);

  dir_.write("config.yaml", config_text("info", 8080, 40));
  EXPECT_EQ(reloader.reload().status, ReloadStatus::applied);
  EXPECT_EQ(reloader.read()->max_conns, 40);
}

TEST_F(ReloaderTest, ThrowingListenerIsReportedNotPropagated) {
  Reloader<Config> reloader(options());
  reloader.on_change("broken", [](const Config&, const Config&, const std::vector<Change>&) -> Result<void, std::string> {
    throw std::runtime_error("listener exploded");
  });
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("debug", 8080, 10));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_EQ(outcome.errors.at(0).to_string(), "module broken threw during prepare: listener exploded");
  EXPECT_EQ(outcome.failed_module, "broken");
  EXPECT_EQ(reloader.read()->log_level, "info");
}

TEST_F(ReloaderTest, SecretsNeverAppearInChangesOrEvents) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text("info", 8080, 10, "s3cr3t-new"));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::applied);
  ASSERT_EQ(outcome.changes.size(), 1u);
  EXPECT_EQ(to_line(outcome.changes[0]), "password: <redacted> -> <redacted>");
  while (auto event = queue->try_recv()) {
    std::string line = to_cloudevent_line(*event, "test");
    EXPECT_EQ(line.find("s3cr3t-new"), std::string::npos) << line;
    EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
  }
  EXPECT_EQ(reloader.read()->password, "s3cr3t-new");
}

TEST_F(ReloaderTest, CompletedEventsCanCarryTheRedactedConfig) {
  ReloadOptions opts = options();
  opts.config_in_events = true;
  Reloader<Config> reloader(opts);
  auto queue = reloader.events().open_queue();
  ASSERT_TRUE(reloader.start().has_value());
  std::optional<Event> completed;
  while (auto event = queue->try_recv()) {
    if (event->type == event_type::completed) completed = event;
  }
  ASSERT_TRUE(completed.has_value());
  ASSERT_TRUE(completed->config.has_value());
  EXPECT_EQ(to_json_text(*completed->config),
            R"({"log_level":"info","port":8080,"max_conns":10,"password":"<redacted>"})");
}

TEST_F(ReloaderTest, EnvironmentOverlayAppliesLast) {
  ReloadOptions opts = options();
  opts.layers.env = EnvOverlay{"APP"};
  opts.layers.environment = Environment{{"APP_MAX_CONNS", "200"}};
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  EXPECT_EQ(reloader.read()->max_conns, 200);
  const Value* max_conns = reloader.document()->root.find_dotted("max_conns");
  ASSERT_NE(max_conns, nullptr);
  EXPECT_EQ(reloader.document()->location_of(max_conns->origin).file, "env:APP_MAX_CONNS");
}

TEST_F(ReloaderTest, DeferredReloadRunsOnceWhenTheLastGuardGoes) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  {
    auto outer = reloader.defer();
    {
      auto inner = reloader.defer();
      dir_.write("config.yaml", config_text("debug", 8080, 10));
      EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::deferred);
      dir_.write("config.yaml", config_text("warn", 8080, 10));
      EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::deferred);
    }
    EXPECT_EQ(reloader.read()->log_level, "info");  // still held by the outer guard
    EXPECT_EQ(queue->size(), 0u);
  }
  // Released: one reload ran, with the latest file.
  EXPECT_EQ(reloader.read()->log_level, "warn");
  EXPECT_EQ(reloader.generation(), 2u);
  std::vector<std::string> seen;
  std::optional<Trigger> trigger;
  while (auto event = queue->try_recv()) {
    seen.push_back(event->type);
    trigger = event->trigger;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"reload.started", "reload.validated", "reload.completed"}));
  EXPECT_EQ(trigger, Trigger::file);
}

TEST_F(ReloaderTest, RequestDuringTheFirstLoadIsDeferredNotLost) {
  Reloader<Config> reloader(options());
  std::optional<DeferGuard> hold(reloader.defer());
  // A watcher started before the first load may ask for a reload before start() returns.
  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::deferred);
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("debug", 8080, 10));
  hold.reset();
  EXPECT_EQ(reloader.read()->log_level, "debug");
  EXPECT_EQ(reloader.generation(), 2u);
}

TEST_F(ReloaderTest, ReleasingAGuardWithoutRequestsReloadsNothing) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  { auto hold = reloader.defer(); }
  EXPECT_EQ(queue->size(), 0u);
  EXPECT_EQ(reloader.generation(), 1u);
}

TEST_F(ReloaderTest, ReloadingNamedSectionsKeepsTheRestLive) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("debug", 8080, 20));
  ReloadOutcome outcome = reloader.reload_sections({"max_conns"});
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  ASSERT_EQ(outcome.changes.size(), 1u);
  EXPECT_EQ(outcome.changes[0].path, "max_conns");
  EXPECT_EQ(reloader.read()->max_conns, 20);
  EXPECT_EQ(reloader.read()->log_level, "info");
  // A full reload then picks up the rest.
  outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::applied);
  EXPECT_EQ(reloader.read()->log_level, "debug");
}

TEST_F(ReloaderTest, ReloadingASectionWithoutChangesChangesNothing) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("debug", 9090, 10));
  // port (restart-only) and log_level changed, but neither is in the section: nothing to do.
  EXPECT_EQ(reloader.reload_sections({"max_conns"}).status, ReloadStatus::unchanged);
  EXPECT_EQ(reloader.read()->log_level, "info");
}

TEST_F(ReloaderTest, ReloadOfAnUnknownSectionFailsAtOnceWithAUsageError) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text("debug", 8080, 20));
  ReloadOutcome outcome = reloader.reload_sections({"max_conns", "zzz"});
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].code, ErrorCode::usage);
  EXPECT_EQ(outcome.errors[0].message, R"(unknown section "zzz": neither the live config nor the files have it)");
  EXPECT_EQ(outcome.generation, 1u);
  EXPECT_EQ(reloader.read()->max_conns, 10);  // max_conns was named too: nothing applies
  EXPECT_EQ(testing::event_types(*queue), std::vector<std::string>{});  // refused before it was an attempt

  auto later = reloader.request_reload_async({"zzz.deeper"});
  ReloadOutcome async_outcome = later.get();
  EXPECT_EQ(async_outcome.status, ReloadStatus::failed);
  ASSERT_EQ(async_outcome.errors.size(), 1u);
  EXPECT_EQ(async_outcome.errors[0].code, ErrorCode::usage);
}

TEST_F(ReloaderTest, SectionTheFilesJustAddedIsNotUnknown) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("info", 8080, 10) + "cache:\n  size: 3\n");
  ReloadOutcome outcome = reloader.reload_sections({"cache"});
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  ASSERT_FALSE(outcome.changes.empty());
  EXPECT_EQ(outcome.changes[0].path.rfind("cache", 0), 0u);
  EXPECT_EQ(reloader.reload_sections({"cache.size"}).status, ReloadStatus::unchanged);
}

TEST_F(ReloaderTest, ReadHandleKeepsItsSnapshotAcrossAReload) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto handle = reloader.read();
  dir_.write("config.yaml", config_text("debug", 8080, 10));
  ASSERT_EQ(reloader.reload().status, ReloadStatus::applied);
  EXPECT_EQ(handle->log_level, "info");
  EXPECT_EQ(reloader.read()->log_level, "debug");
}

}  // namespace hotreload::reloader_test
