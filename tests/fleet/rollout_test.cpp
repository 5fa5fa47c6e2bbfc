// The rollout record and the cohort rule, without etcd (tests/cli/rollout_command_test.cpp runs
// rollouts against a real one).
#include <gtest/gtest.h>

#include "hotreload/json_text.hpp"
#include "hotreload/rollout.hpp"

namespace hotreload {
namespace {

TEST(Rollout, TheCohortComesFromTheInstanceIdAlone) {
  EXPECT_EQ(cohort_bucket("a"), 10);  // sha256("a") = ca978112...: 0xca978112 % 100
  EXPECT_EQ(cohort_bucket("c"), 3);
  EXPECT_EQ(pick_canaries({"c", "b", "a"}, 50), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(pick_canaries({"a", "b", "c"}, 50), pick_canaries({"b", "c", "a", "a"}, 50));  // order, duplicates
  EXPECT_EQ(pick_canaries({"a", "b", "c"}, 100), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Rollout, APercentThatPicksNobodyPicksTheLowestBucket) {
  EXPECT_EQ(pick_canaries({"a", "b", "c"}, 1), (std::vector<std::string>{"c"}));  // buckets 10, 66, 3
  EXPECT_EQ(pick_canaries({"a", "b"}, 1), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(pick_canaries({}, 50).empty());
}

TEST(Rollout, TheRecordRoundTripsThroughJson) {
  RolloutRecord record{.id = "0123456789abcdef", .key = "/app/config.yaml", .fleet = "etcd://127.0.0.1:2379/fleet/",
                       .candidate = "a: 1\n", .candidate_hash = "h", .percent = 10, .bake = std::chrono::seconds(30),
                       .phase = std::string(rollout_phase::baking), .canaries = {"a", "c"}, .base_revision = 7,
                       .bake_until_ms = 1234, .promoted_revision = 0, .started = "2026-12-04T12:00:00Z", .reason = ""};
  auto parsed = parse_rollout_record(dump_json(to_json(record)));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(dump_json(to_json(*parsed)), dump_json(to_json(record)));
  EXPECT_TRUE(parsed->active());
  EXPECT_TRUE(parsed->is_canary("c"));
  EXPECT_FALSE(parsed->is_canary("b"));
  EXPECT_EQ(rollout_record_key("/app/config.yaml"), "/app/config.yaml.rollout");
  EXPECT_EQ(rollout_version(record.id), "rollout-0123456789abcdef");
}

TEST(Rollout, ARecordWithoutItsFieldsIsAParseError) {
  EXPECT_FALSE(parse_rollout_record("[]"));
  EXPECT_FALSE(parse_rollout_record("{\"id\":\"x\"}"));
  EXPECT_FALSE(parse_rollout_record("not json"));
}

}  // namespace
}  // namespace hotreload
