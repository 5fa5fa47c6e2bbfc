// The real `promtool check metrics` on a full exposition. scripts/test fetches promtool and sets
// HOTRELOAD_PROMTOOL; without it these tests skip.
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <limits>

#include "hotreload/ofrep.hpp"
#include "hotreload/reload_metrics.hpp"
#include "hotreload/reloader.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

// A named namespace, not an anonymous one: clang flags the unused to_json that
// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE defines for a type with internal linkage.
namespace hotreload::promtool_test {

// promtool reads the exposition from stdin; run_command gives the child /dev/null, so a shell
// redirects the file in (no user text reaches the shell: both paths are arguments).
testing::CommandResult promtool_check(const std::string& promtool, const std::string& exposition) {
  testing::TempDir dir;
  const std::string file = dir.write("metrics.txt", exposition);
  return testing::run_command({"/bin/sh", "-c", "exec \"$0\" check metrics < \"$1\"", promtool, file});
}

class MetricsPromtool : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* promtool = std::getenv("HOTRELOAD_PROMTOOL");
    if (promtool == nullptr || *promtool == '\0' || ::access(promtool, X_OK) != 0) {
      GTEST_SKIP() << "HOTRELOAD_PROMTOOL does not name an executable promtool; scripts/test sets it "
                      "(source scripts/lib.sh; export HOTRELOAD_PROMTOOL=$(fetch_promtool))";
    }
    promtool_ = promtool;
  }

  void expect_clean(const std::string& exposition) const {
    testing::CommandResult result = promtool_check(promtool_, exposition);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err << "\n--- exposition:\n" << exposition;
    EXPECT_EQ(result.out, "") << exposition;
    EXPECT_EQ(result.err, "") << exposition;
  }

  std::string promtool_;
};

TEST_F(MetricsPromtool, ItRejectsABrokenExposition) {
  // Proves the check can fail: a counter without _total is a lint problem, a bad line a parse error.
  EXPECT_EQ(promtool_check(promtool_, "# HELP c C.\n# TYPE c counter\nc 1\n").exit_code, 3);
  EXPECT_EQ(promtool_check(promtool_, "# TYPE x gauge\nx{a=\"unterminated} 1\n").exit_code, 1);
}

TEST_F(MetricsPromtool, EveryMetricTypeAndEdgeCaseLabelsPassCleanly) {
  MetricsRegistry registry;
  auto& counter = registry.counter("edge_requests_total", "Requests with \"awkward\" labels \\ and\nnewlines.",
                                   {"path", "method"});
  counter.with({"/a\\b", "GET"}).inc();
  counter.with({"say \"hi\"", "POST"}).inc(3);
  counter.with({"two\nlines", "PUT"}).add(0.5);
  counter.with({"", "DELETE"}).inc();
  counter.with({"caf\xC3\xA9 \xF0\x9F\x98\x80", "GET"}).inc();
  counter.with({"broken \xFF utf8", "GET"}).inc();
  auto& gauge = registry.gauge("edge_values", "Special floats.", {"kind"});
  gauge.with({"inf"}).set(std::numeric_limits<double>::infinity());
  gauge.with({"minus_inf"}).set(-std::numeric_limits<double>::infinity());
  gauge.with({"nan"}).set(std::numeric_limits<double>::quiet_NaN());
  gauge.with({"tiny"}).set(1.5e-300);
  gauge.with({"huge"}).set(-1.7976931348623157e308);
  (void)registry.gauge("edge_empty", "A family without children.", {"x"});
  auto& histogram = registry.histogram("edge_latency_seconds", "Latency.", exponential_buckets(0.0001, 10, 6), {"op"});
  histogram.with({"read"}).observe(0.0042);
  histogram.with({"read"}).observe(12);
  histogram.with({"write"}).observe(std::numeric_limits<double>::quiet_NaN());
  registry.histogram("edge_plain_seconds", "No labels.", {1}).with().observe(0.5);
  CallbackMetric computed = registry.gauge_callback("edge_computed", "Computed.", [] { return 42.0; });
  CallbackMetric missing = registry.gauge_callback("edge_absent", "No sample yet.", [] { return std::nullopt; });
  CallbackMetric external = registry.counter_callback("edge_external_total", "Counted elsewhere.", [] { return 7.0; });
  // Not here: a name with ':' is valid in the format, but promtool's lint reserves colons for
  // recording rules (MetricsRegistry.NameValidation covers it).
  expect_clean(registry.expose());
}

struct Config {
  int max_conns = 0;
  std::string password;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, max_conns, password)

TEST_F(MetricsPromtool, ReloadMetricsAfterRealReloadsPassCleanly) {
  testing::TempDir dir;
  const std::string path = dir.write("config.yaml", "max_conns: 1\npassword: p1\n");
  ReloadOptions options;
  options.layers.files = {{path, false, std::nullopt, ""}};
  options.layers.environment = Environment{};
  options.fields.secret("password");
  Reloader<Config> reloader(options);
  MetricsRegistry registry;
  ReloadMetrics metrics(reloader.events(), registry);
  // A module, so that per-module durations have a child when the pipeline reports them.
  reloader.add_module({.name = "pool", .sections = {"max_conns"}, .commit = [](const ModuleUpdate<Config>&) -> ModuleResult {
                         return {};
                       }});
  ASSERT_TRUE(reloader.start().has_value());
  dir.write("config.yaml", "max_conns: 2\npassword: p2\n");
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::applied);
  dir.write("config.yaml", "max_conns: [\n");
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);
  dir.write("config.yaml", "max_conns: two\npassword: p3\n");
  ASSERT_EQ(reloader.reload(Trigger::signal).status, ReloadStatus::failed);
  metrics.set_watched_files(1);
  metrics.set_backoff(std::chrono::milliseconds(1500));
  metrics.count_flag_evaluation("new-player", "TARGETING_MATCH");
  metrics.count_flag_evaluation("we\"ird\\flag\n", "DEFAULT");
  expect_clean(registry.expose());
}

TEST_F(MetricsPromtool, OfrepMetricsAfterEvaluationsPassCleanly) {
  FlagdStore flags;
  ASSERT_TRUE(flags.load(R"({"flags": {"a": {"state": "ENABLED", "variants": {"on": true}, "defaultVariant": "on"}}})",
                         "flags.json")
                  .has_value());
  MetricsRegistry registry;
  OfrepServer server(flags, {}, &registry);
  ASSERT_TRUE(server.start().has_value());
  httplib::Client client("127.0.0.1", server.port());
  for (const char* key : {"a", "missing"}) {
    ASSERT_TRUE(client.Post(std::string("/ofrep/v1/evaluate/flags/") + key, R"({"context": {}})", "application/json"));
  }
  ASSERT_TRUE(client.Post("/ofrep/v1/evaluate/flags", "not json", "application/json"));
  server.flags_changed();
  expect_clean(registry.expose());
}

}  // namespace hotreload::promtool_test
