// The evaluation paths that must not touch the heap: a boolean flag without targeting (the kill
// switch every request checks), and a plain comparison rule.
#include <gtest/gtest.h>

#include <string>

#include "hotreload/flagd.hpp"
#include "support/allocation_counter.hpp"

namespace hotreload {
namespace {

constexpr std::string_view kFlags = R"({
  "flags": {
    "new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
    "kill-switch": {"state": "DISABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
    "no-default": {"state": "ENABLED", "variants": {"on": true, "off": false}},
    "eu-pro": {
      "state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
      "targeting": {"if": [{"and": [{"==": [{"var": "country"}, "de"]},
                                    {">=": [{"var": "age"}, 18]},
                                    {"in": [{"var": "plan"}, ["pro", "team"]]}]}, "on", "off"]}
    }
  }
})";

TEST(FlagdAllocation, BooleanFlagWithoutTargetingDoesNotAllocate) {
  if (!testing::allocation_counting_linked()) {
    GTEST_SKIP() << "allocation counting is not available (ThreadSanitizer, or tests/support/allocation_counter.cpp "
                    "is not linked into this binary)";
  }
  FlagdStore store;
  ASSERT_TRUE(store.load(kFlags, "flags.json"));
  const EvaluationContext context{.targeting_key = "3f2c1a9e-5b7d-4e21-9c0a-8d6f4b2e1a7c"};
  (void)store.boolean_value("new-checkout", false);  // the first read after a load refreshes this thread's cache
  bool sink = false;
  EXPECT_EQ(testing::allocations_during([&] {
              for (int i = 0; i < 100; ++i) {
                auto view = store.view();
                auto resolution = view.evaluate_boolean("new-checkout", false, context);
                sink ^= resolution.value;
                sink ^= resolution.reason == Reason::static_;
                sink ^= view.evaluate_boolean("kill-switch", false).value;
                sink ^= view.evaluate_boolean("no-default", true, context).value;
                sink ^= store.boolean_value("new-checkout", false);
              }
            }),
            0u);
  // The counter itself works: a std::string past the small-string buffer allocates.
  EXPECT_GT(testing::allocations_during([&] { sink ^= std::string(100, 'x').empty(); }), 0u);
  (void)sink;
}

TEST(FlagdAllocation, ComparisonTargetingDoesNotAllocate) {
  if (!testing::allocation_counting_linked()) GTEST_SKIP() << "allocation counting is not available";
  FlagdStore store;
  ASSERT_TRUE(store.load(kFlags, "flags.json"));
  const EvaluationContext context{.targeting_key = "u1", .attributes = {{"country", "de"}, {"age", 30}, {"plan", "team"}}};
  ASSERT_TRUE(store.boolean_value("eu-pro", false, context));
  bool sink = false;
  EXPECT_EQ(testing::allocations_during([&] {
              for (int i = 0; i < 100; ++i) sink ^= store.view().evaluate_boolean("eu-pro", false, context).value;
            }),
            0u);
  (void)sink;
}

}  // namespace
}  // namespace hotreload
