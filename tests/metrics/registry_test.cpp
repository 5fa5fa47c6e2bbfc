#include "hotreload/metrics.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

#include "metrics/exposition.hpp"

namespace hotreload {
namespace {

using testing::sample;

TEST(MetricsRegistry, EmptyRegistryExposesNothing) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.expose(), "");
}

TEST(MetricsRegistry, CounterWithLabelsPrintsHelpTypeAndOneLinePerChild) {
  MetricsRegistry registry;
  auto& requests = registry.counter("app_requests_total", "Requests served.", {"route", "code"});
  requests.with({"/b", "200"}).inc();
  requests.with({"/a", "500"}).inc(2);
  requests.with({"/a", "200"}).inc();
  requests.with({"/a", "200"}).inc();
  EXPECT_EQ(registry.expose(),
            "# HELP app_requests_total Requests served.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{route=\"/a\",code=\"200\"} 2\n"
            "app_requests_total{route=\"/a\",code=\"500\"} 2\n"
            "app_requests_total{route=\"/b\",code=\"200\"} 1\n");
}

TEST(MetricsRegistry, FamiliesPrintInNameOrder) {
  MetricsRegistry registry;
  registry.gauge("zeta", "Last.").with().set(1);
  registry.gauge("alpha", "First.").with().set(2);
  const std::string text = registry.expose();
  EXPECT_LT(text.find("alpha"), text.find("zeta"));
}

TEST(MetricsRegistry, SameChildForSameLabelValues) {
  MetricsRegistry registry;
  auto& family = registry.counter("x_total", "X.", {"k"});
  Counter& first = family.with({"v"});
  const std::string key = "v";
  EXPECT_EQ(&family.with(std::span<const std::string>(&key, 1)), &first);
  EXPECT_NE(&family.with({"w"}), &first);
  EXPECT_EQ(family.size(), 2u);
}

TEST(MetricsRegistry, CounterCountsWholeAndFractionalAmountsAndNeverGoesDown) {
  Counter counter;
  counter.inc();
  counter.add(2.0);
  counter.add(0.25);
  counter.add(-5);
  counter.add(std::numeric_limits<double>::quiet_NaN());
  EXPECT_DOUBLE_EQ(counter.value(), 3.25);
}

TEST(MetricsRegistry, GaugeGoesUpAndDown) {
  MetricsRegistry registry;
  Gauge& gauge = registry.gauge("queue_depth", "Items queued.").with();
  gauge.set(10);
  gauge.inc();
  gauge.dec();
  gauge.dec();
  gauge.add(0.5);
  EXPECT_DOUBLE_EQ(gauge.value(), 9.5);
  EXPECT_EQ(registry.expose(), "# HELP queue_depth Items queued.\n# TYPE queue_depth gauge\nqueue_depth 9.5\n");
}

TEST(MetricsRegistry, GaugePrintsInfinityAndNaN) {
  MetricsRegistry registry;
  auto& family = registry.gauge("odd_values", "Special floats.", {"kind"});
  family.with({"inf"}).set(std::numeric_limits<double>::infinity());
  family.with({"minus_inf"}).set(-std::numeric_limits<double>::infinity());
  family.with({"nan"}).set(std::numeric_limits<double>::quiet_NaN());
  const std::string text = registry.expose();
  EXPECT_NE(text.find("odd_values{kind=\"inf\"} +Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("odd_values{kind=\"minus_inf\"} -Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("odd_values{kind=\"nan\"} NaN\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, HistogramPrintsCumulativeBucketsSumAndCount) {
  MetricsRegistry registry;
  auto& latency = registry.histogram("op_seconds", "Operation time.", {0.125, 0.5, 1}, {"op"});
  Histogram& read = latency.with({"read"});
  read.observe(0.0625);
  read.observe(0.125);  // bounds are inclusive
  read.observe(0.75);
  read.observe(std::chrono::seconds(3));
  EXPECT_EQ(registry.expose(),
            "# HELP op_seconds Operation time.\n"
            "# TYPE op_seconds histogram\n"
            "op_seconds_bucket{op=\"read\",le=\"0.125\"} 2\n"
            "op_seconds_bucket{op=\"read\",le=\"0.5\"} 2\n"
            "op_seconds_bucket{op=\"read\",le=\"1\"} 3\n"
            "op_seconds_bucket{op=\"read\",le=\"+Inf\"} 4\n"
            "op_seconds_sum{op=\"read\"} 3.9375\n"
            "op_seconds_count{op=\"read\"} 4\n");
}

TEST(MetricsRegistry, HistogramWithoutLabelsAndNaNObservation) {
  MetricsRegistry registry;
  Histogram& h = registry.histogram("h_seconds", "H.", {1, std::numeric_limits<double>::infinity()}).with();
  h.observe(std::numeric_limits<double>::quiet_NaN());
  h.observe(-1);
  const std::string text = registry.expose();
  EXPECT_EQ(sample(text, "h_seconds_bucket{le=\"1\"}"), 1.0) << text;
  EXPECT_EQ(sample(text, "h_seconds_bucket{le=\"+Inf\"}"), 2.0) << text;  // the given +Inf is not doubled
  EXPECT_EQ(sample(text, "h_seconds_count"), 2.0);
  EXPECT_NE(text.find("h_seconds_sum NaN\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, BucketHelpers) {
  EXPECT_EQ(exponential_buckets(0.001, 10, 4), (std::vector<double>{0.001, 0.01, 0.1, 1}));
  EXPECT_EQ(linear_buckets(1, 2, 3), (std::vector<double>{1, 3, 5}));
  EXPECT_THROW((void)exponential_buckets(0, 2, 3), std::invalid_argument);
  EXPECT_THROW((void)linear_buckets(0, 0, 3), std::invalid_argument);
}

TEST(MetricsRegistry, LabelValuesAreEscaped) {
  MetricsRegistry registry;
  registry.counter("escapes_total", "Edge-case labels.", {"v"}).with({"a\\b\"c\nd"}).inc();
  EXPECT_NE(registry.expose().find("escapes_total{v=\"a\\\\b\\\"c\\nd\"} 1\n"), std::string::npos);
}

TEST(MetricsRegistry, HelpIsEscaped) {
  MetricsRegistry registry;
  registry.gauge("g", "Line one\nline two \\ end.").with();
  EXPECT_NE(registry.expose().find("# HELP g Line one\\nline two \\\\ end.\n"), std::string::npos);
}

TEST(MetricsRegistry, NameValidation) {
  EXPECT_TRUE(is_valid_metric_name("http_requests_total"));
  EXPECT_TRUE(is_valid_metric_name("job:rate5m"));
  EXPECT_TRUE(is_valid_metric_name("_x"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("1x"));
  EXPECT_FALSE(is_valid_metric_name("a-b"));
  EXPECT_FALSE(is_valid_metric_name("a b"));
  EXPECT_FALSE(is_valid_metric_name("caf\xC3\xA9"));
  EXPECT_TRUE(is_valid_label_name("route"));
  EXPECT_FALSE(is_valid_label_name("__name__"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("9"));
}

TEST(MetricsRegistry, InvalidRegistrationsThrow) {
  MetricsRegistry registry;
  EXPECT_THROW((void)registry.counter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW((void)registry.counter("ok_total", "x", {"bad-label"}), std::invalid_argument);
  EXPECT_THROW((void)registry.counter("ok_total", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW((void)registry.counter("ok_total", "x", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW((void)registry.histogram("h", "x", {1}, {"le"}), std::invalid_argument);
  EXPECT_THROW((void)registry.histogram("h", "x", {2, 1}), std::invalid_argument);
  EXPECT_THROW((void)registry.histogram("h", "x", {1, 1}), std::invalid_argument);
  EXPECT_THROW((void)registry.histogram("h", "x", {std::numeric_limits<double>::quiet_NaN()}), std::invalid_argument);
  EXPECT_EQ(registry.expose(), "");  // nothing half-registered
}

TEST(MetricsRegistry, ReRegistrationReturnsTheSameFamilyOrThrowsOnConflict) {
  MetricsRegistry registry;
  auto& first = registry.counter("c_total", "C.", {"k"});
  EXPECT_EQ(&registry.counter("c_total", "C again.", {"k"}), &first);
  EXPECT_THROW((void)registry.counter("c_total", "C.", {"other"}), std::invalid_argument);
  EXPECT_THROW((void)registry.gauge("c_total", "C."), std::invalid_argument);
  auto& h = registry.histogram("h_seconds", "H.", {1, 2});
  EXPECT_EQ(&registry.histogram("h_seconds", "H.", {1, 2}), &h);
  EXPECT_THROW((void)registry.histogram("h_seconds", "H.", {1, 3}), std::invalid_argument);
}

TEST(MetricsRegistry, HistogramSeriesNamesAreReserved) {
  MetricsRegistry registry;
  (void)registry.histogram("lat_seconds", "H.", {1});
  EXPECT_THROW((void)registry.gauge("lat_seconds_count", "x"), std::invalid_argument);
  EXPECT_THROW((void)registry.counter("lat_seconds_sum", "x"), std::invalid_argument);
  (void)registry.gauge("size_bucket", "x");
  EXPECT_THROW((void)registry.histogram("size", "x", {1}), std::invalid_argument);
}

TEST(MetricsRegistry, WrongNumberOfLabelValuesThrows) {
  MetricsRegistry registry;
  auto& family = registry.counter("c_total", "C.", {"a", "b"});
  EXPECT_THROW((void)family.with({"only one"}), std::invalid_argument);
  EXPECT_THROW((void)family.with(), std::invalid_argument);
  EXPECT_EQ(family.size(), 0u);
}

TEST(MetricsRegistry, CallbackGaugeIsComputedAtScrapeTime) {
  MetricsRegistry registry;
  std::optional<double> value;
  {
    CallbackMetric metric = registry.gauge_callback("computed", "Computed at scrape time.", [&] { return value; });
    EXPECT_EQ(registry.expose(), "# HELP computed Computed at scrape time.\n# TYPE computed gauge\n");
    value = 7.5;
    EXPECT_EQ(sample(registry.expose(), "computed"), 7.5);
    value = 8;
    EXPECT_EQ(sample(registry.expose(), "computed"), 8.0);
    EXPECT_THROW((void)registry.gauge_callback("computed", "Again.", [] { return 1.0; }), std::invalid_argument);
  }
  EXPECT_EQ(registry.expose(), "");  // the handle removed it
  CallbackMetric again = registry.counter_callback("computed_total", "Counted elsewhere.", [] { return 3.0; });
  EXPECT_EQ(registry.expose(), "# HELP computed_total Counted elsewhere.\n# TYPE computed_total counter\ncomputed_total 3\n");
}

TEST(MetricsRegistry, ThrowingCallbackPrintsNoSampleAndOthersStillPrint) {
  MetricsRegistry registry;
  CallbackMetric broken = registry.gauge_callback("broken", "Throws.", []() -> std::optional<double> {
    throw std::runtime_error("no");
  });
  registry.gauge("fine", "Fine.").with().set(1);
  const std::string text = registry.expose();
  EXPECT_EQ(sample(text, "broken"), std::nullopt);
  EXPECT_EQ(sample(text, "fine"), 1.0);
}

TEST(MetricsRegistry, MovedCallbackHandleRemovesOnce) {
  MetricsRegistry registry;
  CallbackMetric a = registry.gauge_callback("a", "A.", [] { return 1.0; });
  CallbackMetric b = std::move(a);
  a.reset();  // moved-from: nothing to remove
  EXPECT_EQ(sample(registry.expose(), "a"), 1.0);
  b.reset();
  EXPECT_EQ(registry.expose(), "");
}

}  // namespace
}  // namespace hotreload
