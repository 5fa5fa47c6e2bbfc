#include "hotreload/duration.hpp"

#include <gtest/gtest.h>

namespace hotreload {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ParsesCommonForms) {
  EXPECT_EQ(*parse_duration("500ms"), 500ms);
  EXPECT_EQ(*parse_duration("5s"), 5s);
  EXPECT_EQ(*parse_duration("2m"), 2min);
  EXPECT_EQ(*parse_duration("1h30m"), 90min);
  EXPECT_EQ(*parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(*parse_duration("250us"), 250us);
  EXPECT_EQ(*parse_duration("10ns"), 10ns);
  EXPECT_EQ(*parse_duration("1d"), 24h);
  EXPECT_EQ(*parse_duration("-5s"), -5s);
  EXPECT_EQ(*parse_duration("0"), 0s);
}

TEST(Duration, ParsesIso8601) {
  EXPECT_EQ(*parse_duration("PT5S"), 5s);
  EXPECT_EQ(*parse_duration("PT1H30M"), 90min);
  EXPECT_EQ(*parse_duration("P1DT2H"), 26h);
  EXPECT_EQ(*parse_duration("PT0.5S"), 500ms);
}

TEST(Duration, RefusesAmbiguousOrBrokenText) {
  EXPECT_EQ(parse_duration("5").error(), "missing unit (ns, us, ms, s, m, h, d)");
  EXPECT_EQ(parse_duration("ten").error(), "expected a number and a unit (ns, us, ms, s, m, h, d)");
  EXPECT_EQ(parse_duration("5 parsecs").error(), "unknown unit \" parsecs\"");
  EXPECT_EQ(parse_duration("").error(), "empty");
  EXPECT_EQ(parse_duration("PT5X").error(), "unknown ISO 8601 unit 'X'");
  EXPECT_EQ(parse_duration("P").error(), "no value");
  EXPECT_EQ(parse_duration("99999999999h").error(), "out of range");
}

TEST(Duration, FormatsShortestExactForm) {
  EXPECT_EQ(format_duration(500ms), "500ms");
  EXPECT_EQ(format_duration(90min), "1h30m");
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(-5s), "-5s");
  EXPECT_EQ(format_duration(7ns), "7ns");
}

TEST(Duration, BindsThroughNlohmann) {
  nlohmann::json j = "1500ms";
  EXPECT_EQ(j.get<std::chrono::milliseconds>(), 1500ms);
  EXPECT_EQ(j.get<std::chrono::duration<double>>().count(), 1.5);
  nlohmann::json out = std::chrono::seconds(90);
  EXPECT_EQ(out, "1m30s");
}

TEST(Duration, RefusesPrecisionLoss) {
  nlohmann::json j = "1500ms";
  try {
    (void)j.get<std::chrono::seconds>();
    FAIL() << "expected an exception";
  } catch (const nlohmann::json::type_error& error) {
    EXPECT_STREQ(error.what(), "[json.exception.type_error.302] duration \"1500ms\" is not a whole number of 1s");
  }
}

}  // namespace
}  // namespace hotreload
