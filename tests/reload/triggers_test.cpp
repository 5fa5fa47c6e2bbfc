// Triggers and lifecycle: asynchronous requests, SIGHUP, the automatic-reload switch and dev
// mode, deferral limits, start/stop.
#include <csignal>
#include <thread>

#include <gtest/gtest.h>

#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::triggers_test {

struct Config {
  int limit = 0;
  std::string mode;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, limit, mode)

std::string config_text(int limit, std::string_view mode = "a") {
  return "limit: " + std::to_string(limit) + "\nmode: " + std::string(mode) + "\n";
}

class TriggersTest : public ::testing::Test {
 protected:
  ReloadOptions options() {
    ReloadOptions opts;
    opts.layers.files = {{path_, false, std::nullopt, ""}};
    opts.layers.environment = Environment{};
    return opts;
  }
  // Waits for the next event of `type`; nullopt if none came within a generous bound.
  static std::optional<Event> await(EventQueue& queue, std::string_view type) {
    while (auto event = queue.recv(std::chrono::seconds(30))) {
      if (event->type == type) return event;
    }
    return std::nullopt;
  }
  testing::TempDir dir_;
  std::string path_ = dir_.write("config.yaml", config_text(1));
};

TEST_F(TriggersTest, AsyncRequestsRunOnTheBackgroundThreadAndReturnTheOutcome) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text(2, "b"));
  std::future<ReloadOutcome> pending = reloader.request_reload_async({"limit"});
  ReloadOutcome outcome = pending.get();
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  EXPECT_EQ(reloader.read()->limit, 2);
  EXPECT_EQ(reloader.read()->mode, "a") << "only the requested section";
  EXPECT_EQ(reloader.request_reload_async().get().status, ReloadStatus::applied);
  EXPECT_EQ(reloader.read()->mode, "b");
}

TEST_F(TriggersTest, AsyncRequestsBeforeStartOrAfterStopFailCleanly) {
  Reloader<Config> reloader(options());
  ReloadOutcome early = reloader.request_reload_async().get();
  EXPECT_EQ(early.status, ReloadStatus::failed);
  EXPECT_EQ(early.errors.at(0).message, "the reloader is not running: call start() first");
  ASSERT_TRUE(reloader.start().has_value());
  reloader.stop();
  reloader.stop();  // idempotent
  EXPECT_EQ(reloader.request_reload_async().get().errors.at(0).code, ErrorCode::usage);
  dir_.write("config.yaml", config_text(3));
  EXPECT_EQ(reloader.reload().status, ReloadStatus::applied) << "synchronous reloads still work after stop()";
  ASSERT_TRUE(reloader.start().has_value()) << "start() again restarts the background thread";
  EXPECT_EQ(reloader.generation(), 2u) << "without a second initial load";
  EXPECT_EQ(reloader.request_reload_async().get().status, ReloadStatus::unchanged);
}

TEST_F(TriggersTest, SighupReloadsWhenEnabled) {
  ReloadOptions opts = options();
  opts.reload_on_sighup = true;
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text(4));
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  auto completed = await(*queue, event_type::completed);
  ASSERT_TRUE(completed.has_value());
  EXPECT_EQ(completed->trigger, Trigger::signal);
  EXPECT_EQ(reloader.read()->limit, 4);
}

TEST_F(TriggersTest, StoppingRestoresTheProgramsOwnSighupAction) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction saved {};
  ASSERT_EQ(::sigaction(SIGHUP, &ignore, &saved), 0);
  {
    ReloadOptions opts = options();
    opts.reload_on_sighup = true;
    Reloader<Config> reloader(opts);
    ASSERT_TRUE(reloader.start().has_value());
    struct sigaction during {};
    ::sigaction(SIGHUP, nullptr, &during);
    EXPECT_NE(during.sa_handler, SIG_IGN);
  }
  struct sigaction after {};
  ::sigaction(SIGHUP, nullptr, &after);
  EXPECT_EQ(after.sa_handler, SIG_IGN);
  ::sigaction(SIGHUP, &saved, nullptr);
}

TEST_F(TriggersTest, DisabledAutomaticReloadsSkipFileChangesAndCatchUpWhenEnabled) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  reloader.set_auto_reload(false);
  EXPECT_FALSE(reloader.auto_reload());
  dir_.write("config.yaml", config_text(5));
  ReloadOutcome skipped = reloader.reload(Trigger::file);
  EXPECT_EQ(skipped.status, ReloadStatus::skipped);
  EXPECT_EQ(skipped.skip_reason, "automatic reloads are disabled");
  EXPECT_EQ(reloader.read()->limit, 1);
  reloader.set_auto_reload(true);
  EXPECT_EQ(reloader.read()->limit, 5) << "the skipped change is applied when re-enabled";

  reloader.set_auto_reload(false);
  dir_.write("config.yaml", config_text(6));
  EXPECT_EQ(reloader.request_reload().status, ReloadStatus::applied) << "explicit requests still run";
}

TEST_F(TriggersTest, DevModeOnlyFollowsTheDevModeVariable) {
  ReloadOptions opts = options();
  opts.dev_mode_only = true;
  EXPECT_FALSE(Reloader<Config>(opts).auto_reload());
  opts.layers.environment = Environment{{"DEV_MODE", "true"}};
  EXPECT_TRUE(Reloader<Config>(opts).auto_reload());
  opts.layers.environment = Environment{{"DEV_MODE", "0"}};
  EXPECT_FALSE(Reloader<Config>(opts).auto_reload());
  opts.auto_reload = false;
  opts.layers.environment = Environment{{"DEV_MODE", "1"}};
  EXPECT_FALSE(Reloader<Config>(opts).auto_reload());
}

TEST_F(TriggersTest, AnOverdueDeferralIsReportedAndCanProceed) {
  ReloadOptions opts = options();
  opts.max_defer = std::chrono::milliseconds(1);
  opts.reload_when_overdue = true;
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  auto hold = reloader.defer("quality gate");
  dir_.write("config.yaml", config_text(7));
  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::deferred);
  auto overdue = await(*queue, event_type::deferral_overdue);
  ASSERT_TRUE(overdue.has_value());
  EXPECT_EQ(overdue->reason, "a reload has been deferred for over 1 ms by: quality gate; reloading now");
  EXPECT_EQ(overdue->trigger, Trigger::file);
  ASSERT_TRUE(await(*queue, event_type::completed).has_value());
  EXPECT_EQ(reloader.read()->limit, 7);
}

TEST_F(TriggersTest, AnOverdueDeferralOnlyReportedKeepsWaitingForTheGuard) {
  ReloadOptions opts = options();
  opts.max_defer = std::chrono::milliseconds(1);
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  {
    auto outer = reloader.defer("migration");
    auto inner = reloader.defer();
    dir_.write("config.yaml", config_text(8));
    EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::deferred);
    auto overdue = await(*queue, event_type::deferral_overdue);
    ASSERT_TRUE(overdue.has_value());
    EXPECT_EQ(overdue->reason, "a reload has been deferred for over 1 ms by: migration, unnamed");
    EXPECT_EQ(reloader.read()->limit, 1);
  }
  EXPECT_EQ(reloader.read()->limit, 8) << "released with the last guard";
}

TEST_F(TriggersTest, StopWhenFollowsAStopToken) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  std::stop_source source;
  reloader.stop_when(source.get_token());
  source.request_stop();
  EXPECT_EQ(reloader.request_reload_async().get().errors.at(0).code, ErrorCode::usage);
}

TEST_F(TriggersTest, StopFromInsideAnAsynchronousReloadIsSafe) {
  // A module that stops the reloader from the background thread's own reload: the thread cannot
  // join itself, so it ends after that reload and a later stop() or start() from another thread,
  // or the destructor, joins it (it used to be detached and could outlive the reloader).
  for (int round = 0; round < 20; ++round) {
    ReloadOptions opts = options();
    opts.module_timeout = std::chrono::milliseconds(0);  // modules run on the reloading thread
    auto reloader = std::make_unique<Reloader<Config>>(opts);
    std::atomic<int> stops{0};
    reloader->on_change("limit", [&](const Config&, const Config&) -> ModuleResult {
      reloader->stop();
      ++stops;
      return {};
    });
    ASSERT_TRUE(reloader->start().has_value());
    dir_.write("config.yaml", config_text(10 + round));
    ReloadOutcome outcome = reloader->request_reload_async().get();
    ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
    EXPECT_EQ(stops.load(), 1);
    EXPECT_EQ(reloader->request_reload_async().get().errors.at(0).code, ErrorCode::usage) << "stopped";
    if (round % 2 == 0) {
      ASSERT_TRUE(reloader->start().has_value()) << "start() joins the stopped thread and starts a new one";
      EXPECT_EQ(reloader->request_reload_async().get().status, ReloadStatus::unchanged);
    }
    reloader.reset();  // joins whatever thread is left; ASan reports any use after this
  }
}

TEST_F(TriggersTest, DestroyingTheReloaderJoinsAnOverrunningModule) {
  std::atomic<bool> stopped{false};
  {
    ReloadOptions opts = options();
    opts.module_timeout = std::chrono::milliseconds(5);
    Reloader<Config> reloader(opts);
    reloader.add_module({.name = "stuck", .prepare = [&](const ModuleUpdate<Config>& update) -> ModuleResult {
                           std::mutex mutex;
                           std::condition_variable_any cv;
                           std::unique_lock lock(mutex);
                           cv.wait(lock, update.stop, [] { return false; });
                           stopped = true;
                           return {};
                         }});
    ASSERT_TRUE(reloader.start().has_value());
    dir_.write("config.yaml", config_text(9));
    EXPECT_EQ(reloader.request_reload_async().get().errors.at(0).code, ErrorCode::timeout);
  }
  EXPECT_TRUE(stopped) << "the destructor asked the call to stop and waited for it";
}

}  // namespace hotreload::triggers_test
