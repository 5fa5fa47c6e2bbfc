#include "hotreload/flags.hpp"

#include <gtest/gtest.h>

#include <murmurhash.h>

#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "hotreload/binding.hpp"
#include "support/allocation_counter.hpp"


namespace hotreload::flags_test {

// The seed's config shape: a `feature_flags:` list at the top level.
struct FlagsConfig {
  std::vector<FlagConfig> feature_flags;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FlagsConfig, feature_flags)

using testing::allocations_during;

std::string user(int i) { return "user-" + std::to_string(i); }

FlagSet quiet_flags() {
  return FlagSet([](std::string_view) {});
}

TEST(FlagSet, BucketsMatchUnleashVectors) {
  EXPECT_EQ(FlagSet::bucket("gr1", "123"), 73);
  EXPECT_EQ(FlagSet::bucket("groupX", "999"), 25);
}

TEST(FlagSet, LongInputsHashTheJoinedBytes) {
  // Past the stack buffer the join moves to the heap; the hash must still cover "<group>:<user>".
  const std::string group(300, 'g');
  const std::string id(500, 'u');
  const std::string joined = group + ":" + id;
  std::uint32_t hash[1] = {0};
  lmmh_x86_32(joined.data(), static_cast<unsigned int>(joined.size()), 0, hash);
  EXPECT_EQ(FlagSet::bucket(group, id), static_cast<int>(hash[0] % 100) + 1);
}

TEST(FlagSet, RolloutUsesFlagNameAsGroupUnlessGiven) {
  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.set({.name = "gr1", .enabled = true, .percentage = 73}));
  ASSERT_TRUE(flags.set({.name = "other", .enabled = true, .percentage = 72, .group = "gr1"}));
  EXPECT_TRUE(flags.is_enabled_for_user("gr1", "123"));     // bucket 73 <= 73
  EXPECT_FALSE(flags.is_enabled_for_user("other", "123"));  // same group, 73 > 72
}

TEST(FlagSet, DisabledFlagIsAKillSwitch) {
  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.set({.name = "experimental-codec", .enabled = false, .percentage = 100}));
  EXPECT_FALSE(flags.is_enabled("experimental-codec"));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(flags.is_enabled_for_user("experimental-codec", user(i)));
}

TEST(FlagSet, GlobalCheckIsOnOnlyForFullRollouts) {
  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.set({.name = "full", .enabled = true}));
  ASSERT_TRUE(flags.set({.name = "partial", .enabled = true, .percentage = 99}));
  ASSERT_TRUE(flags.set({.name = "zero", .enabled = true, .percentage = 0}));
  EXPECT_TRUE(flags.is_enabled("full"));
  EXPECT_FALSE(flags.is_enabled("partial"));
  EXPECT_FALSE(flags.is_enabled("zero"));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(flags.is_enabled_for_user("full", user(i)));
    EXPECT_FALSE(flags.is_enabled_for_user("zero", user(i)));
  }
}

TEST(FlagSet, SameUserAlwaysGetsSameAnswer) {
  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.set({.name = "gradual-feature", .enabled = true, .percentage = 50}));
  FlagSet other = quiet_flags();
  ASSERT_TRUE(other.set({.name = "gradual-feature", .enabled = true, .percentage = 50}));
  for (int i = 0; i < 1000; ++i) {
    const bool first = flags.is_enabled_for_user("gradual-feature", user(i));
    EXPECT_EQ(flags.is_enabled_for_user("gradual-feature", user(i)), first);
    EXPECT_EQ(other.is_enabled_for_user("gradual-feature", user(i)), first);  // no per-process state
  }
}

TEST(FlagSet, RaisingPercentageKeepsEnabledUsers) {
  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.set({.name = "new-transcoder", .enabled = true, .percentage = 10}));
  std::vector<bool> at10;
  for (int i = 0; i < 100'000; ++i) at10.push_back(flags.is_enabled_for_user("new-transcoder", user(i)));
  ASSERT_TRUE(flags.set({.name = "new-transcoder", .enabled = true, .percentage = 25}));
  int gained = 0;
  for (int i = 0; i < 100'000; ++i) {
    const bool now = flags.is_enabled_for_user("new-transcoder", user(i));
    if (at10[static_cast<std::size_t>(i)]) {
      ASSERT_TRUE(now) << user(i) << " lost the flag at 25%";
    }
    gained += (now && !at10[static_cast<std::size_t>(i)]) ? 1 : 0;
  }
  EXPECT_GT(gained, 10'000);
}

TEST(FlagSet, RolloutSharesAreWithinOnePercentOverManyUsers) {
  FlagSet flags = quiet_flags();
  for (int percentage : {10, 25, 50}) {
    ASSERT_TRUE(flags.set({.name = "rollout", .enabled = true, .percentage = percentage}));
    int enabled = 0;
    for (int i = 0; i < 100'000; ++i) enabled += flags.is_enabled_for_user("rollout", user(i)) ? 1 : 0;
    const double share = enabled / 1000.0;  // percent
    EXPECT_NEAR(share, percentage, 1.0) << "at " << percentage << "%";
  }
}

TEST(FlagSet, RolloutsAreIndependentAcrossFlags) {
  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.set({.name = "flag-a", .enabled = true, .percentage = 10}));
  ASSERT_TRUE(flags.set({.name = "flag-b", .enabled = true, .percentage = 10}));
  int in_a = 0;
  int in_both = 0;
  for (int i = 0; i < 100'000; ++i) {
    const bool a = flags.is_enabled_for_user("flag-a", user(i));
    in_a += a ? 1 : 0;
    in_both += (a && flags.is_enabled_for_user("flag-b", user(i))) ? 1 : 0;
  }
  // Independent 10% cohorts overlap in about 10% x 10% = 1% of all users (1,000 of 100,000).
  EXPECT_NEAR(in_both, 1000, 150) << "of " << in_a << " users in flag-a";
}

TEST(FlagSet, UnknownFlagIsOffAndReportedOnce) {
  std::vector<std::string> reported;
  FlagSet flags([&](std::string_view name) { reported.emplace_back(name); });
  EXPECT_FALSE(flags.is_enabled("missing"));
  EXPECT_FALSE(flags.is_enabled("missing"));
  EXPECT_FALSE(flags.is_enabled_for_user("missing", "u1"));
  EXPECT_FALSE(flags.is_enabled_for_user("other-missing", "u1"));
  EXPECT_FALSE(flags.view().find("never-reported").has_value());
  EXPECT_EQ(reported, (std::vector<std::string>{"missing", "other-missing"}));
}

TEST(FlagSet, ThrowingSinkDoesNotFailTheCheck) {
  FlagSet flags([](std::string_view) { throw std::runtime_error("sink failed"); });
  EXPECT_FALSE(flags.is_enabled("missing"));
}

TEST(FlagSet, ChecksDoNotAllocate) {
  if (!testing::allocation_counting_linked()) GTEST_SKIP() << "allocation counting is not available under ThreadSanitizer";
  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.set({.name = "new-player", .enabled = true}));
  ASSERT_TRUE(flags.set({.name = "a-rollout-flag-with-a-rather-long-name", .enabled = true, .percentage = 25}));
  const std::string id = "3f2c1a9e-5b7d-4e21-9c0a-8d6f4b2e1a7c";  // a UUID-sized user id
  // The first read after a change refreshes this thread's cached table (see Snapshot::read()).
  (void)flags.is_enabled("new-player");
  bool sink = false;
  EXPECT_EQ(allocations_during([&] {
              for (int i = 0; i < 100; ++i) {
                sink ^= flags.is_enabled("new-player");
                sink ^= flags.is_enabled_for_user("a-rollout-flag-with-a-rather-long-name", id);
                sink ^= flags.is_enabled_for_user("new-player", id);
              }
            }),
            0u);
  // The counter itself works: a std::string past the small-string buffer allocates.
  EXPECT_GT(allocations_during([&] { sink ^= std::string(100, 'x').empty(); }), 0u);
  (void)sink;
}

TEST(FlagSet, SetRejectsInvalidFlagsAndKeepsTheOldOne) {
  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.set({.name = "f", .enabled = true}));
  auto result = flags.set({.name = "f", .enabled = true, .percentage = 101});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::usage);
  EXPECT_EQ(result.error().message, "feature flag \"f\": percentage must be from 0 to 100, got 101");
  EXPECT_FALSE(flags.set({.name = "", .enabled = true}));
  EXPECT_TRUE(flags.is_enabled("f"));
  EXPECT_EQ(flags.view().find("f")->percentage, 100);
}

TEST(FlagSet, ReplaceSwapsTheWholeSetOrNothing) {
  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.set({.name = "old", .enabled = true}));
  ASSERT_TRUE(flags.replace({{.name = "a", .enabled = true}, {.name = "b", .enabled = false}}));
  EXPECT_FALSE(flags.view().find("old").has_value());
  EXPECT_TRUE(flags.is_enabled("a"));
  EXPECT_EQ(flags.flags().size(), 2u);

  auto duplicate = flags.replace({{.name = "c", .enabled = true}, {.name = "c", .enabled = false}});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().message, "feature flag \"c\" is defined twice");
  EXPECT_TRUE(flags.is_enabled("a"));  // the previous set stays live
  EXPECT_EQ(flags.view().size(), 2u);
}

constexpr std::string_view kSeedYaml =
    "feature_flags:\n"
    "  - name: new-player\n"
    "    enabled: true\n"
    "    percentage: 100\n"
    "\n"
    "  - name: experimental-transcoding\n"
    "    enabled: true\n"
    "    percentage: 10\n"
    "\n"
    "  - name: beta-ui\n"
    "    enabled: false\n";

Document yaml(std::string_view text) {
  auto doc = parse(text, Format::yaml, "config.yaml");
  EXPECT_TRUE(doc.has_value()) << (doc ? "" : doc.error().to_string());
  return std::move(doc).value();
}

TEST(FlagBinding, BindsTheSeedsFeatureFlagsList) {
  auto config = bind<FlagsConfig>(yaml(kSeedYaml));
  ASSERT_TRUE(config.has_value()) << to_string(config.error());
  ASSERT_EQ(config->feature_flags.size(), 3u);
  EXPECT_EQ(config->feature_flags[1].name, "experimental-transcoding");
  EXPECT_EQ(config->feature_flags[1].percentage, 10);
  EXPECT_FALSE(config->feature_flags[2].enabled);
  EXPECT_EQ(config->feature_flags[2].percentage, 100);  // omitted: 100

  FlagSet flags = quiet_flags();
  ASSERT_TRUE(flags.replace(std::move(config->feature_flags)));
  EXPECT_TRUE(flags.is_enabled("new-player"));
  EXPECT_FALSE(flags.is_enabled("beta-ui"));
  EXPECT_FALSE(flags.is_enabled("experimental-transcoding"));
}

TEST(FlagBinding, RoundTripsThroughJson) {
  const FlagConfig flag{.name = "f", .enabled = true, .percentage = 25, .description = "d", .group = "g"};
  const auto back = nlohmann::json(flag).get<FlagConfig>();
  EXPECT_EQ(back.name, "f");
  EXPECT_EQ(back.percentage, 25);
  EXPECT_EQ(back.description, "d");
  EXPECT_EQ(back.group, "g");
}

TEST(FlagBinding, OutOfRangePercentageReportsPosition) {
  std::string text(kSeedYaml);
  text.replace(text.find("percentage: 10\n"), 15, "percentage: 150\n");
  auto config = bind<FlagsConfig>(yaml(text));
  ASSERT_FALSE(config.has_value());
  ASSERT_EQ(config.error().size(), 1u);
  const Error& error = config.error()[0];
  EXPECT_EQ(error.location.to_string(), "config.yaml:8:17");
  EXPECT_EQ(error.path, "feature_flags[1].percentage");
  EXPECT_NE(error.message.find("percentage must be from 0 to 100, got 150"), std::string::npos)
      << error.to_string();
}

TEST(FlagBinding, FractionalPercentageIsAnError) {
  auto config = bind<FlagsConfig>(yaml("feature_flags:\n  - name: f\n    percentage: 12.5\n"));
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error()[0].location.to_string(), "config.yaml:3:17");
  EXPECT_NE(config.error()[0].message.find("must be an integer"), std::string::npos);
}

TEST(FlagBinding, MissingNameReportsTheEntry) {
  auto config = bind<FlagsConfig>(yaml("feature_flags:\n  - name: a\n  - enabled: true\n"));
  ASSERT_FALSE(config.has_value());
  const Error& error = config.error()[0];
  EXPECT_EQ(error.location.to_string(), "config.yaml:3:5");
  EXPECT_EQ(error.path, "feature_flags[1]");
  EXPECT_NE(error.message.find("a feature flag needs a name"), std::string::npos) << error.to_string();
}

TEST(FlagBinding, MisspeltKeyIsAnError) {
  auto config = bind<FlagsConfig>(yaml("feature_flags:\n  - name: a\n    percentge: 5\n"));
  ASSERT_FALSE(config.has_value());
  const Error& error = config.error()[0];
  EXPECT_EQ(error.location.to_string(), "config.yaml:3:16");
  EXPECT_NE(error.message.find("unknown feature flag key \"percentge\""), std::string::npos)
      << error.to_string();
}

}  // namespace hotreload::flags_test
