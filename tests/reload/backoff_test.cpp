// Failure backoff: the schedule, jitter, reset, and how the reloader applies it. Time comes from
// an injected clock, so nothing here waits.
#include <gtest/gtest.h>

#include "hotreload/backoff.hpp"
#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::backoff_test {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct FakeClock {
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::time_point{} + std::chrono::hours(1));
  std::function<std::chrono::steady_clock::time_point()> function() const {
    return [now = now] { return *now; };
  }
  void advance(std::chrono::nanoseconds by) const { *now += by; }
};

TEST(Backoff, DoublesFromTheBaseUpToTheCap) {
  BackoffOptions options{.base = seconds(1), .cap = seconds(30)};
  std::vector<long long> schedule;
  for (unsigned failures = 0; failures <= 8; ++failures) {
    schedule.push_back(std::chrono::duration_cast<milliseconds>(Backoff::delay_for(failures, options)).count());
  }
  EXPECT_EQ(schedule, (std::vector<long long>{0, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000}));
  EXPECT_EQ(Backoff::delay_for(1000, options), seconds(30)) << "no overflow after many failures";
}

TEST(Backoff, BlocksUntilTheDelayPassesAndASuccessResets) {
  FakeClock clock;
  Backoff backoff({.base = milliseconds(100), .cap = seconds(1), .jitter = 0.0}, clock.function(), [] { return 0.0; });
  EXPECT_TRUE(backoff.allows());
  backoff.record_failure();
  EXPECT_FALSE(backoff.allows());
  EXPECT_EQ(backoff.state().consecutive_failures, 1u);
  EXPECT_EQ(backoff.state().delay, milliseconds(100));
  clock.advance(milliseconds(99));
  EXPECT_FALSE(backoff.allows());
  clock.advance(milliseconds(1));
  EXPECT_TRUE(backoff.allows());

  backoff.record_failure();
  EXPECT_EQ(backoff.state().delay, milliseconds(200));
  EXPECT_EQ(backoff.state().next_attempt, clock.function()() + milliseconds(200));
  backoff.record_success();
  EXPECT_TRUE(backoff.allows());
  EXPECT_EQ(backoff.state().consecutive_failures, 0u);
}

TEST(Backoff, JitterShortensTheDelayByUpToItsFraction) {
  FakeClock clock;
  double draw = 0.5;
  Backoff backoff({.base = seconds(1), .cap = seconds(10), .jitter = 0.2}, clock.function(), [&] { return draw; });
  backoff.record_failure();
  EXPECT_EQ(backoff.state().delay, milliseconds(900));  // 1 s * (1 - 0.2 * 0.5)
  draw = 0.999;
  backoff.record_failure();
  EXPECT_GT(backoff.state().delay, milliseconds(1600));
  EXPECT_LE(backoff.state().delay, milliseconds(2000));
}

TEST(Backoff, DisabledNeverBlocksButStillCounts) {
  Backoff backoff({.enabled = false});
  backoff.record_failure();
  EXPECT_TRUE(backoff.allows());
  EXPECT_EQ(backoff.state().consecutive_failures, 1u);
}

struct Config {
  int limit = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, limit)

class ReloaderBackoffTest : public ::testing::Test {
 protected:
  ReloadOptions options() {
    ReloadOptions opts;
    opts.layers.files = {{path_, false, std::nullopt, ""}};
    opts.layers.environment = Environment{};
    opts.backoff = {.base = seconds(1), .cap = seconds(4), .jitter = 0.0};
    opts.clock = clock_.function();
    return opts;
  }
  testing::TempDir dir_;
  std::string path_ = dir_.write("config.yaml", "limit: 1\n");
  FakeClock clock_;
};

TEST_F(ReloaderBackoffTest, AutomaticReloadsBackOffAfterFailuresAndExplicitOnesBypass) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", "limit: [broken\n");

  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);
  EXPECT_EQ(reloader.backoff().consecutive_failures, 1u);
  EXPECT_EQ(reloader.backoff().delay, seconds(1));

  ReloadOutcome skipped = reloader.reload(Trigger::file);
  EXPECT_EQ(skipped.status, ReloadStatus::skipped);
  EXPECT_EQ(skipped.skip_reason, "backing off after 1 consecutive failed reloads; next attempt in 1000 ms");
  EXPECT_TRUE(skipped.ok());

  // An explicit request runs anyway, and its failure counts.
  EXPECT_EQ(reloader.request_reload().status, ReloadStatus::failed);
  EXPECT_EQ(reloader.backoff().consecutive_failures, 2u);
  EXPECT_EQ(reloader.backoff().delay, seconds(2));

  clock_.advance(seconds(2));
  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);
  EXPECT_EQ(reloader.backoff().delay, seconds(4));
  clock_.advance(seconds(4));
  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);
  EXPECT_EQ(reloader.backoff().delay, seconds(4)) << "capped";

  std::vector<Event> failed, skipped_events;
  while (auto event = queue->try_recv()) {
    if (event->type == event_type::failed) failed.push_back(*event);
    if (event->type == event_type::skipped) skipped_events.push_back(*event);
  }
  ASSERT_EQ(failed.size(), 4u);
  EXPECT_EQ(failed[1].consecutive_failures, 2u);
  EXPECT_EQ(failed[1].backoff, seconds(2));
  ASSERT_EQ(skipped_events.size(), 1u);
  EXPECT_EQ(skipped_events[0].trigger, Trigger::file);

  clock_.advance(seconds(4));
  dir_.write("config.yaml", "limit: 2\n");
  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::applied);
  EXPECT_EQ(reloader.backoff().consecutive_failures, 0u) << "a success resets";
  EXPECT_EQ(reloader.read()->limit, 2);
}

TEST_F(ReloaderBackoffTest, ResetClearsTheBackoff) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", "limit: [broken\n");
  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);
  dir_.write("config.yaml", "limit: 3\n");
  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::skipped);
  reloader.reset_backoff();
  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::applied);
}

TEST_F(ReloaderBackoffTest, ASkippedChangeIsRetriedWhenTheBackoffExpires) {
  ReloadOptions opts = options();
  opts.clock = {};  // the background thread waits on the real clock here
  opts.backoff = {.base = milliseconds(1), .cap = milliseconds(1), .jitter = 0.0};
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", "limit: [broken\n");
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);
  dir_.write("config.yaml", "limit: 5\n");
  // Either still backing off (then the background thread retries) or already past it.
  ReloadStatus status = reloader.reload(Trigger::file).status;
  ASSERT_TRUE(status == ReloadStatus::skipped || status == ReloadStatus::applied) << to_string(status);
  while (auto event = queue->recv(std::chrono::seconds(30))) {
    if (event->type == event_type::completed) break;
  }
  EXPECT_EQ(reloader.read()->limit, 5);
}

}  // namespace hotreload::backoff_test
