#include "hotreload/reload_metrics.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "hotreload/reloader.hpp"
#include "metrics/exposition.hpp"
#include "support/temp_dir.hpp"

// A named namespace, not an anonymous one: clang flags the unused to_json that
// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE defines for a type with internal linkage.
namespace hotreload::reload_metrics_test {

using namespace std::chrono_literals;
using testing::sample;

Event make(std::string_view type, Trigger trigger = Trigger::file) {
  Event event;
  event.type = std::string(type);
  event.trigger = trigger;
  event.reload_id = 1;
  return event;
}

Event failed(Trigger trigger, Errors errors) {
  Event event = make(event_type::failed, trigger);
  event.errors = std::move(errors);
  return event;
}

class MetricsReload : public ::testing::Test {
 protected:
  std::string scrape() const { return registry_.expose(); }
  std::optional<double> value(std::string_view series) const { return sample(scrape(), series); }

  EventBus bus_;
  MetricsRegistry registry_;
  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::time_point(1'700'000'000s);
  ReloadMetrics metrics_{bus_, registry_, {.clock = [this] { return now_; }}};
};

TEST_F(MetricsReload, AttemptsAreCountedByTriggerFromZero) {
  EXPECT_EQ(value("hotreload_reload_attempts_total{trigger=\"file\"}"), 0.0);
  bus_.publish(make(event_type::started, Trigger::file));
  bus_.publish(make(event_type::started, Trigger::file));
  bus_.publish(make(event_type::started, Trigger::signal));
  EXPECT_EQ(value("hotreload_reload_attempts_total{trigger=\"file\"}"), 2.0);
  EXPECT_EQ(value("hotreload_reload_attempts_total{trigger=\"signal\"}"), 1.0);
  EXPECT_EQ(value("hotreload_reload_attempts_total{trigger=\"api\"}"), 0.0);
  EXPECT_EQ(value("hotreload_reload_attempts_total{trigger=\"initial\"}"), 0.0);
}

TEST_F(MetricsReload, FailuresAreCountedByTriggerAndFirstErrorCodeNeverByMessage) {
  bus_.publish(failed(Trigger::file, {{ErrorCode::parse, "unexpected ':' near \"s3cr3t\"", {"c.yaml", 3, 4}, "a"},
                                      {ErrorCode::validation, "second", {}, {}}}));
  bus_.publish(failed(Trigger::file, {{ErrorCode::parse, "again", {}, {}}}));
  bus_.publish(failed(Trigger::api, {{ErrorCode::vetoed, "pool busy", {}, {}}}));
  bus_.publish(failed(Trigger::http, {}));
  EXPECT_EQ(value("hotreload_reload_failures_total{trigger=\"file\",reason=\"parse\"}"), 2.0);
  EXPECT_EQ(value("hotreload_reload_failures_total{trigger=\"api\",reason=\"vetoed\"}"), 1.0);
  EXPECT_EQ(value("hotreload_reload_failures_total{trigger=\"http\",reason=\"unknown\"}"), 1.0);
  EXPECT_EQ(value("hotreload_reload_failures_total{trigger=\"file\",reason=\"validation\"}"), std::nullopt);
  EXPECT_EQ(scrape().find("s3cr3t"), std::string::npos);
  EXPECT_EQ(scrape().find("pool busy"), std::string::npos);
}

TEST_F(MetricsReload, CompletedSetsGenerationAndLastSuccessAndEndsTheFailureStreak) {
  bus_.publish(failed(Trigger::file, {{ErrorCode::parse, "x", {}, {}}}));
  bus_.publish(failed(Trigger::file, {{ErrorCode::parse, "x", {}, {}}}));
  EXPECT_EQ(value("hotreload_consecutive_failures"), 2.0);
  EXPECT_EQ(value("hotreload_last_success_timestamp_seconds"), 0.0);

  Event completed = make(event_type::completed);
  completed.generation = 5;
  completed.time = std::chrono::system_clock::time_point(1'699'999'990'500ms);
  bus_.publish(completed);
  EXPECT_EQ(value("hotreload_config_generation"), 5.0);
  EXPECT_EQ(value("hotreload_last_success_timestamp_seconds"), 1699999990.5);
  EXPECT_EQ(value("hotreload_consecutive_failures"), 0.0);
}

TEST_F(MetricsReload, SecondsSinceLastSuccessIsComputedAtScrapeTime) {
  EXPECT_EQ(value("hotreload_seconds_since_last_success"), std::nullopt);  // none seen yet
  EXPECT_NE(scrape().find("# TYPE hotreload_seconds_since_last_success gauge\n"), std::string::npos);
  Event completed = make(event_type::completed);
  completed.time = now_;
  bus_.publish(completed);
  EXPECT_EQ(value("hotreload_seconds_since_last_success"), 0.0);
  now_ += 90s;
  EXPECT_EQ(value("hotreload_seconds_since_last_success"), 90.0);
  now_ += 500ms;
  EXPECT_EQ(value("hotreload_seconds_since_last_success"), 90.5);
}

TEST_F(MetricsReload, AnUnchangedReloadIsASuccess) {
  bus_.publish(failed(Trigger::file, {{ErrorCode::io, "x", {}, {}}}));
  Event unchanged = make(event_type::completed, Trigger::signal);
  unchanged.status = "unchanged";
  unchanged.time = now_ - 10s;
  bus_.publish(unchanged);
  EXPECT_EQ(value("hotreload_consecutive_failures"), 0.0);
  EXPECT_EQ(value("hotreload_seconds_since_last_success"), 10.0);
  EXPECT_EQ(value("hotreload_reload_outcomes_total{trigger=\"signal\",outcome=\"unchanged\"}"), 1.0);
  EXPECT_EQ(value("hotreload_reload_outcomes_total{trigger=\"file\",outcome=\"failed\"}"), 1.0);

  // A validated event is a step, not an outcome.
  Event validated = make(event_type::validated);
  validated.time = now_;
  bus_.publish(validated);
  EXPECT_EQ(value("hotreload_seconds_since_last_success"), 10.0);
}

TEST_F(MetricsReload, DurationsGoToTheHistogramByOutcome) {
  Event completed = make(event_type::completed);
  completed.duration = 3ms;
  bus_.publish(completed);
  Event bad = failed(Trigger::file, {{ErrorCode::type, "x", {}, {}}});
  bad.duration = 40s;
  bus_.publish(bad);
  const std::string text = scrape();
  EXPECT_EQ(sample(text, "hotreload_reload_duration_seconds_bucket{outcome=\"success\",le=\"0.0025\"}"), 0.0);
  EXPECT_EQ(sample(text, "hotreload_reload_duration_seconds_bucket{outcome=\"success\",le=\"0.005\"}"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_reload_duration_seconds_count{outcome=\"success\"}"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_reload_duration_seconds_sum{outcome=\"success\"}"), 0.003);
  EXPECT_EQ(sample(text, "hotreload_reload_duration_seconds_bucket{outcome=\"failure\",le=\"30\"}"), 0.0);
  EXPECT_EQ(sample(text, "hotreload_reload_duration_seconds_bucket{outcome=\"failure\",le=\"+Inf\"}"), 1.0);
}

TEST_F(MetricsReload, RollbacksAndModuleDurations) {
  Event rolled = make(event_type::rolled_back);
  rolled.module = "cache";
  rolled.reason = "commit failed";
  bus_.publish(rolled);
  Event module = make(event_type::module_completed);
  module.module = "database";
  module.duration = 20ms;
  bus_.publish(module);
  const std::string text = scrape();
  EXPECT_EQ(sample(text, "hotreload_reload_rollbacks_total"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_module_reload_duration_seconds_count{module=\"database\"}"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_module_reload_duration_seconds_bucket{module=\"database\",le=\"0.025\"}"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_module_reload_duration_seconds_bucket{module=\"database\",le=\"0.01\"}"), 0.0);
}

TEST_F(MetricsReload, BackoffFollowsTheSetterFailedAndSkippedEventsAndSuccess) {
  EXPECT_EQ(value("hotreload_reload_backoff_seconds"), 0.0);
  metrics_.set_backoff(2s);
  EXPECT_EQ(value("hotreload_reload_backoff_seconds"), 2.0);
  Event bad = failed(Trigger::file, {{ErrorCode::parse, "x", {}, {}}});
  bad.backoff = 4s;
  bus_.publish(bad);
  EXPECT_EQ(value("hotreload_reload_backoff_seconds"), 4.0);
  Event skipped = make(event_type::skipped);
  skipped.backoff = 1500ms;
  bus_.publish(skipped);
  EXPECT_EQ(value("hotreload_reload_backoff_seconds"), 1.5);
  bus_.publish(make(event_type::completed));
  EXPECT_EQ(value("hotreload_reload_backoff_seconds"), 0.0);
}

TEST_F(MetricsReload, WatchedFilesGenerationAndLastSuccessSetters) {
  metrics_.set_watched_files(3);
  metrics_.set_generation(9);
  metrics_.set_last_success(now_ - 4s);
  EXPECT_EQ(value("hotreload_watched_files"), 3.0);
  EXPECT_EQ(value("hotreload_config_generation"), 9.0);
  EXPECT_EQ(value("hotreload_seconds_since_last_success"), 4.0);
}

TEST_F(MetricsReload, FileEventsAreCounted) {
  bus_.publish(make(event_type::file_changed));
  bus_.publish(make(event_type::file_changed));
  bus_.publish(make(event_type::file_missing));
  EXPECT_EQ(value("hotreload_file_events_total{event=\"changed\"}"), 2.0);
  EXPECT_EQ(value("hotreload_file_events_total{event=\"missing\"}"), 1.0);
}

TEST(MetricsReloadFlags, EvaluationsAreCountedByFlagAndReasonWithBoundedLabels) {
  EventBus bus;
  MetricsRegistry registry;
  ReloadMetrics metrics(bus, registry, {.max_flags = 2, .max_flag_reasons = 2});
  metrics.count_flag_evaluation("new-player", "TARGETING_MATCH");
  metrics.count_flag_evaluation("new-player", "TARGETING_MATCH");
  metrics.count_flag_evaluation("dark-mode", "DISABLED");
  metrics.count_flag_evaluation("third-flag", "DISABLED");   // past max_flags
  metrics.count_flag_evaluation("fourth-flag", "DISABLED");  // past max_flags
  metrics.count_flag_evaluation("new-player", "ERROR");      // past max_flag_reasons
  metrics.count_flag_evaluation("dark-mode", "TARGETING_MATCH");
  const std::string text = registry.expose();
  EXPECT_EQ(sample(text, "hotreload_flag_evaluations_total{flag=\"new-player\",reason=\"TARGETING_MATCH\"}"), 2.0);
  EXPECT_EQ(sample(text, "hotreload_flag_evaluations_total{flag=\"dark-mode\",reason=\"DISABLED\"}"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_flag_evaluations_total{flag=\"other\",reason=\"DISABLED\"}"), 2.0);
  EXPECT_EQ(sample(text, "hotreload_flag_evaluations_total{flag=\"new-player\",reason=\"other\"}"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_flag_evaluations_total{flag=\"dark-mode\",reason=\"TARGETING_MATCH\"}"), 1.0);
  EXPECT_EQ(text.find("third-flag"), std::string::npos);
  EXPECT_EQ(text.find("fourth-flag"), std::string::npos);
}

TEST(MetricsReloadLifetime, DestructionUnsubscribesAndRemovesTheScrapeTimeGauge) {
  EventBus bus;
  MetricsRegistry registry;
  {
    ReloadMetrics metrics(bus, registry);
    bus.publish(make(event_type::started));
    EXPECT_THROW((ReloadMetrics{bus, registry}), std::invalid_argument);  // same prefix, still alive
  }
  bus.publish(make(event_type::started));  // nobody listening: no crash, no count
  std::string text = registry.expose();
  EXPECT_EQ(sample(text, "hotreload_reload_attempts_total{trigger=\"file\"}"), 1.0);
  EXPECT_EQ(text.find("hotreload_seconds_since_last_success"), std::string::npos);

  ReloadMetrics again(bus, registry);  // takes over the same families
  bus.publish(make(event_type::started));
  EXPECT_EQ(sample(registry.expose(), "hotreload_reload_attempts_total{trigger=\"file\"}"), 2.0);
}

TEST(MetricsReloadLifetime, PrefixNamesEveryMetricAndMustBeValid) {
  EventBus bus;
  MetricsRegistry registry;
  ReloadMetrics metrics(bus, registry, {.prefix = "svc_config_"});
  const std::string text = registry.expose();
  EXPECT_NE(text.find("# TYPE svc_config_reload_attempts_total counter"), std::string::npos);
  EXPECT_EQ(text.find("hotreload_"), std::string::npos);
  EXPECT_THROW((ReloadMetrics{bus, registry, {.prefix = "bad-prefix_"}}), std::invalid_argument);
}

// End to end: a real Reloader on temp files, a good and a bad reload.
struct Database {
  std::string host;
  int max_conns = 0;
  std::string password;
};
struct Config {
  Database database;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Database, host, max_conns, password)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, database)

std::string config_text(std::string_view max_conns, std::string_view password) {
  return "database:\n  host: db.local\n  max_conns: " + std::string(max_conns) + "\n  password: " +
         std::string(password) + "\n";
}

TEST(MetricsReloadEndToEnd, GoodAndBadReloadsShowInTheExposition) {
  testing::TempDir dir;
  const std::string path = dir.write("config.yaml", config_text("100", "hunter2-initial"));
  ReloadOptions options;
  options.layers.files = {{path, false, std::nullopt, ""}};
  options.layers.environment = Environment{};
  options.fields.secret("database.password");
  // A clock that never moves keeps the backoff after a failure in force; no jitter: 1 s exactly.
  options.clock = [] { return std::chrono::steady_clock::time_point(1h); };
  options.backoff.jitter = 0;
  Reloader<Config> reloader(options);
  MetricsRegistry registry;
  ReloadMetrics metrics(reloader.events(), registry);
  ASSERT_TRUE(reloader.start().has_value());

  dir.write("config.yaml", config_text("200", "hunter2-rotated"));
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::applied);
  dir.write("config.yaml", config_text("\"ten\"", "hunter2-broken"));
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);

  std::string text = registry.expose();
  EXPECT_EQ(sample(text, "hotreload_reload_attempts_total{trigger=\"initial\"}"), 1.0) << text;
  EXPECT_EQ(sample(text, "hotreload_reload_attempts_total{trigger=\"file\"}"), 2.0);
  EXPECT_EQ(sample(text, "hotreload_reload_failures_total{trigger=\"file\",reason=\"type\"}"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_config_generation"), 2.0);
  EXPECT_EQ(sample(text, "hotreload_consecutive_failures"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_reload_backoff_seconds"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_reload_duration_seconds_count{outcome=\"success\"}"), 2.0);
  EXPECT_EQ(sample(text, "hotreload_reload_duration_seconds_count{outcome=\"failure\"}"), 1.0);
  EXPECT_GT(sample(text, "hotreload_last_success_timestamp_seconds").value_or(0), 1.6e9);
  EXPECT_GE(sample(text, "hotreload_seconds_since_last_success").value_or(-1), 0.0);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);  // no secret, initial, rotated or broken

  // The fix arrives while automatic reloads back off: skipped, not an attempt.
  dir.write("config.yaml", config_text("300", "hunter2-fixed"));
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::skipped);
  text = registry.expose();
  EXPECT_EQ(sample(text, "hotreload_reload_attempts_total{trigger=\"file\"}"), 2.0);
  EXPECT_EQ(sample(text, "hotreload_reload_backoff_seconds"), 1.0);

  // An explicit reload runs anyway, and its success ends the streak and the backoff.
  ASSERT_EQ(reloader.reload(Trigger::api).status, ReloadStatus::applied);
  text = registry.expose();
  EXPECT_EQ(sample(text, "hotreload_reload_attempts_total{trigger=\"api\"}"), 1.0);
  EXPECT_EQ(sample(text, "hotreload_consecutive_failures"), 0.0);
  EXPECT_EQ(sample(text, "hotreload_reload_backoff_seconds"), 0.0);
  EXPECT_EQ(sample(text, "hotreload_config_generation"), 3.0);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
}

}  // namespace hotreload::reload_metrics_test
