#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hotreload/log.hpp"
#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

// A named namespace, not an anonymous one: clang flags the unused to_json that
// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE defines for a type with internal linkage.
namespace hotreload::log_events_test {

using namespace std::chrono_literals;

struct Captured {
  std::vector<std::string> lines;
  CallbackSink sink{[this](LogLevel level, std::string_view message) {
                      lines.push_back(std::string(level_tag(level)) + " " + std::string(message));
                    },
                    LogLevel::trace};
  std::string all() const {
    std::string out;
    for (const std::string& line : lines) out += line + "\n";
    return out;
  }
};

Event make(std::string_view type, Trigger trigger = Trigger::file) {
  Event event;
  event.type = std::string(type);
  event.trigger = trigger;
  event.reload_id = 7;
  return event;
}

TEST(LogEvents, CompletedLogsTheChangeLinesAtInfo) {
  EventBus bus;
  Captured captured;
  auto logging = log_events(bus, captured.sink);
  Event completed = make(event_type::completed);
  completed.generation = 4;
  completed.duration = 1500us;
  completed.changes.push_back({"database.max_conns", ChangeOp::modified, Value(100), Value(200), false});
  completed.changes.push_back({"database.password", ChangeOp::modified, Value("<redacted>"), Value("<redacted>"), true});
  bus.publish(completed);
  EXPECT_EQ(captured.lines, (std::vector<std::string>{
                                "INFO reload 7 applied (trigger file): generation 4, 2 changes in 1.5 ms\n"
                                "  database.max_conns: 100 -> 200\n"
                                "  database.password: <redacted> -> <redacted>",
                            }));
}

TEST(LogEvents, PendingRestartFieldsAreAWarning) {
  EventBus bus;
  Captured captured;
  auto logging = log_events(bus, captured.sink);
  Event completed = make(event_type::completed, Trigger::signal);
  completed.generation = 2;
  completed.changes.push_back({"log_level", ChangeOp::modified, Value("info"), Value("debug"), false});
  completed.pending_restart = {"server.port", "database.host"};
  bus.publish(completed);
  ASSERT_EQ(captured.lines.size(), 2u);
  EXPECT_EQ(captured.lines[1],
            "WARN reload 7 left restart-only fields at their live values (trigger signal); restart to apply: "
            "server.port, database.host");
}

TEST(LogEvents, TheInitialLoadIsOneLineWithoutTheWholeConfig) {
  EventBus bus;
  Captured captured;
  auto logging = log_events(bus, captured.sink);
  Event completed = make(event_type::completed, Trigger::initial);
  completed.generation = 1;
  completed.changes.push_back({"a", ChangeOp::added, std::nullopt, Value(1), false});
  bus.publish(completed);
  EXPECT_EQ(captured.lines,
            (std::vector<std::string>{"INFO reload 7 loaded the config (trigger initial): generation 1 in 0.0 ms"}));
}

TEST(LogEvents, FailedLogsEachErrorWithItsPosition) {
  EventBus bus;
  Captured captured;
  auto logging = log_events(bus, captured.sink);
  Event failed = make(event_type::failed);
  failed.errors = {{ErrorCode::type, "expected integer, got string \"ten\"", {"config.yaml", 12, 7}, "database.max_conns"},
                   {ErrorCode::validation, "must be positive", {"config.yaml", 3, 1}, "workers"}};
  failed.backoff = 2s;
  bus.publish(failed);
  EXPECT_EQ(captured.lines, (std::vector<std::string>{
                                "ERROR reload 7 failed (trigger file); the live config is unchanged; automatic "
                                "reloads wait 2000.0 ms:\n"
                                "  config.yaml:12:7: database.max_conns: expected integer, got string \"ten\"\n"
                                "  config.yaml:3:1: workers: must be positive",
                            }));
}

TEST(LogEvents, AVetoIsAWarningNamingTheModule) {
  EventBus bus;
  Captured captured;
  auto logging = log_events(bus, captured.sink);
  Event failed = make(event_type::failed, Trigger::api);
  failed.module = "pool";
  failed.errors = {{ErrorCode::vetoed, "pool: pool busy", {}, {}}};
  bus.publish(failed);
  EXPECT_EQ(captured.lines, (std::vector<std::string>{"WARN reload 7 failed (trigger api); the live config is "
                                                      "unchanged (module pool):\n  pool: pool busy"}));
}

TEST(LogEvents, RollbackSkipOverdueAndFileEvents) {
  EventBus bus;
  Captured captured;
  auto logging = log_events(bus, captured.sink);
  Event rolled = make(event_type::rolled_back);
  rolled.module = "cache";
  rolled.reason = "commit failed: disk full";
  bus.publish(rolled);
  Event skipped = make(event_type::skipped);
  skipped.reason = "backing off";
  bus.publish(skipped);
  Event overdue = make(event_type::deferral_overdue);
  overdue.reason = "quality gate";
  bus.publish(overdue);
  Event changed = make(event_type::file_changed);
  changed.files = {"a.yaml", "b.yaml"};
  bus.publish(changed);
  Event missing = make(event_type::file_missing);
  missing.files = {"a.yaml"};
  bus.publish(missing);
  Event fallback = make(event_type::watch_fallback);
  fallback.errors = {{ErrorCode::io, "inotify_init1 failed: Too many open files", {}, ""}};
  bus.publish(fallback);
  Event stopped = make(event_type::watch_error);
  stopped.reason = "stopped";
  stopped.errors = {{ErrorCode::io, "poll failed: Bad file descriptor", {}, ""}};
  bus.publish(stopped);
  bus.publish(make(event_type::started));
  Event module = make(event_type::module_completed);
  module.module = "db";
  module.duration = 2ms;
  bus.publish(module);
  bus.publish(make(event_type::validated));  // not logged: completed says it all
  EXPECT_EQ(captured.lines, (std::vector<std::string>{
                                "WARN reload 7 rolled back (trigger file) (module cache): commit failed: disk full",
                                "INFO reload skipped (trigger file): backing off",
                                "WARN reload overdue, held off by deferrals: quality gate",
                                "DEBUG file changed: a.yaml, b.yaml",
                                "WARN file missing: a.yaml",
                                "WARN watcher polls from now on\n  inotify_init1 failed: Too many open files",
                                "ERROR watcher failed (stopped)\n  poll failed: Bad file descriptor",
                                "DEBUG reload 7 started (trigger file)",
                                "DEBUG reload 7 module db applied (trigger file) in 2.0 ms",
                            }));
}

TEST(LogEvents, DroppingTheSubscriptionStopsLogging) {
  EventBus bus;
  Captured captured;
  {
    auto logging = log_events(bus, captured.sink);
    bus.publish(make(event_type::started));
  }
  bus.publish(make(event_type::started));
  EXPECT_EQ(captured.lines.size(), 1u);
}

// End to end with a real Reloader: what an operator sees, and never a secret.
struct Config {
  std::string log_level;
  int max_conns = 0;
  std::string password;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, log_level, max_conns, password)

class LogEndToEnd : public ::testing::Test {
 protected:
  static std::string text(std::string_view level, std::string_view max_conns, std::string_view password) {
    return "log_level: " + std::string(level) + "\nmax_conns: " + std::string(max_conns) +
           "\npassword: " + std::string(password) + "\n";
  }
  ReloadOptions options() const {
    ReloadOptions opts;
    opts.layers.files = {{path_, false, std::nullopt, ""}};
    opts.layers.environment = Environment{};
    opts.fields.secret("password");
    opts.backoff.enabled = false;  // every file reload below runs; backoff is not the subject
    return opts;
  }
  testing::TempDir dir_;
  std::string path_ = dir_.write("config.yaml", text("trace", "100", "s3cr3t-initial"));
};

TEST_F(LogEndToEnd, ReloadsAreLoggedAndNoSecretValueEverIs) {
  Reloader<Config> reloader(options());
  Captured captured;
  auto logging = log_events(reloader.events(), captured.sink);
  ASSERT_TRUE(reloader.start().has_value());

  dir_.write("config.yaml", text("trace", "200", "s3cr3t-rotated"));
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::applied);
  dir_.write("config.yaml", text("trace", "\"ten\"", "s3cr3t-broken"));
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);
  dir_.write("config.yaml", text("trace", "300", "[1, 2]"));  // the secret itself has the wrong type
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);

  const std::string all = captured.all();
  EXPECT_NE(all.find("  max_conns: 100 -> 200\n"), std::string::npos) << all;
  EXPECT_NE(all.find("  password: <redacted> -> <redacted>\n"), std::string::npos) << all;
  EXPECT_NE(all.find("ERROR reload 3 failed (trigger file); the live config is unchanged:\n  " + path_ + ":2:12: max_conns: "),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("s3cr3t"), std::string::npos) << all;
  EXPECT_EQ(all.find("[1, 2]"), std::string::npos) << all;
  EXPECT_EQ(all.find("[1,2]"), std::string::npos) << all;
}

TEST_F(LogEndToEnd, TheLogLevelItselfReloads) {
  Reloader<Config> reloader(options());
  StderrSink unused;  // the default sink's level starts at info
  EXPECT_EQ(unused.level(), LogLevel::info);
  Captured captured;
  auto logging = log_events(reloader.events(), captured.sink);
  reloader.on_change("log level", [&](const Config&, const Config& next) -> Result<void, std::string> {
    if (auto level = parse_log_level(next.log_level)) captured.sink.set_level(*level);
    return {};
  });
  ASSERT_TRUE(reloader.start().has_value());
  EXPECT_EQ(captured.sink.level(), LogLevel::trace);  // the first load is not a change

  dir_.write("config.yaml", text("warn", "100", "s3cr3t-initial"));
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::applied);
  EXPECT_EQ(captured.sink.level(), LogLevel::warn);
  const std::size_t before = captured.lines.size();
  dir_.write("config.yaml", text("warn", "150", "s3cr3t-initial"));
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::applied);
  EXPECT_EQ(captured.lines.size(), before);  // info and debug lines are now below the level
}

}  // namespace hotreload::log_events_test
