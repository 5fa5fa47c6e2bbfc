// Whatever a reader can see has passed the schema, the binding, every validator and every module's
// prepare, exactly as published: also when a reload of named sections or the pending-restart
// policy keeps part of the candidate at its live values.
#include <gtest/gtest.h>

#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::published_config_test {

struct Limit {
  int rps = 0;
  int burst = 0;
};
struct Limits {
  Limit a;
  Limit b;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Limit, rps, burst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Limits, a, b)

std::string limits_text(int a_rps, int a_burst, int b_rps, int b_burst) {
  return "a:\n  rps: " + std::to_string(a_rps) + "\n  burst: " + std::to_string(a_burst) + "\nb:\n  rps: " +
         std::to_string(b_rps) + "\n  burst: " + std::to_string(b_burst) + "\n";
}

class PublishedConfig : public ::testing::Test {
 protected:
  ReloadOptions options() const {
    ReloadOptions opts;
    opts.layers.files = {{path_, false, std::nullopt, ""}};
    opts.layers.environment = Environment{};
    return opts;
  }

  // A cross-field rule: a's bursts may not exceed b's rate.
  static void add_cross_field_validator(Reloader<Limits>& reloader) {
    reloader.add_validator([](const Limits*, const Limits& next) -> Errors {
      if (next.a.burst > next.b.rps) {
        return {{ErrorCode::validation,
                 "must not exceed b.rps (" + std::to_string(next.b.rps) + ")", {}, "a.burst"}};
      }
      return {};
    });
  }

  testing::TempDir dir_;
  std::string path_ = dir_.write("limits.yaml", limits_text(10, 5, 10, 5));
};

TEST_F(PublishedConfig, ASectionReloadIsValidatedAsItWouldBePublished) {
  Reloader<Limits> reloader(options());
  add_cross_field_validator(reloader);
  ASSERT_TRUE(reloader.start().has_value());
  // Valid together; but only a is taken, and a.burst 20 with the live b.rps 10 breaks the rule.
  dir_.write("limits.yaml", limits_text(10, 20, 30, 5));
  ReloadOutcome outcome = reloader.request_reload({"a"});
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  ASSERT_EQ(outcome.errors.size(), 1u) << to_string(outcome.errors);
  EXPECT_EQ(outcome.errors[0].path, "a.burst");
  EXPECT_EQ(outcome.errors[0].message, "must not exceed b.rps (10)");
  EXPECT_EQ(outcome.errors[0].location.line, 3u);  // where a.burst is in the file
  EXPECT_EQ(reloader.read()->a.burst, 5);
  EXPECT_EQ(reloader.read()->b.rps, 10);

  // The whole file together is valid.
  ASSERT_EQ(reloader.request_reload().status, ReloadStatus::applied);
  EXPECT_EQ(reloader.read()->a.burst, 20);
  EXPECT_EQ(reloader.read()->b.rps, 30);
}

TEST_F(PublishedConfig, APendingRestartIsValidatedAsItWouldBePublished) {
  ReloadOptions opts = options();
  opts.fields.restart("b.rps");
  opts.apply_dynamic_with_pending_restart = true;
  Reloader<Limits> reloader(opts);
  add_cross_field_validator(reloader);
  ASSERT_TRUE(reloader.start().has_value());
  // b.rps would stay at 10 until a restart, so a.burst 20 cannot be applied now.
  dir_.write("limits.yaml", limits_text(10, 20, 30, 5));
  ReloadOutcome outcome = reloader.request_reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  ASSERT_EQ(outcome.errors.size(), 1u) << to_string(outcome.errors);
  EXPECT_EQ(outcome.errors[0].path, "a.burst");
  EXPECT_EQ(reloader.read()->a.burst, 5);

  // A burst within the live rate applies, with b.rps left pending.
  dir_.write("limits.yaml", limits_text(10, 8, 30, 5));
  outcome = reloader.request_reload();
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  EXPECT_EQ(outcome.pending_restart, std::vector<std::string>{"b.rps"});
  EXPECT_EQ(reloader.read()->a.burst, 8);
  EXPECT_EQ(reloader.read()->b.rps, 10);
}

TEST_F(PublishedConfig, ModulesPrepareExactlyWhatIsPublished) {
  Reloader<Limits> reloader(options());
  add_cross_field_validator(reloader);
  std::vector<std::pair<int, int>> prepared;  // (a.burst, b.rps) each prepare saw
  reloader.add_module({.name = "limiter",
                       .prepare = [&](const ModuleUpdate<Limits>& update) -> ModuleResult {
                         prepared.emplace_back(update.next.a.burst, update.next.b.rps);
                         return {};
                       }});
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("limits.yaml", limits_text(10, 8, 30, 5));
  ReloadOutcome outcome = reloader.request_reload({"a"});
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  ASSERT_EQ(prepared.size(), 1u);
  EXPECT_EQ(prepared[0], std::make_pair(8, 10));
  EXPECT_EQ(reloader.read()->a.burst, 8);
  EXPECT_EQ(reloader.read()->b.rps, 10);
}

TEST_F(PublishedConfig, AnInvalidValueOutsideTheReloadedSectionsDoesNotBlockThem) {
  Reloader<Limits> reloader(options());
  add_cross_field_validator(reloader);
  ASSERT_TRUE(reloader.start().has_value());
  // b.rps 2 would break the rule, but b is not reloaded: a's change is judged with the live b.
  dir_.write("limits.yaml", limits_text(10, 7, 2, 5));
  ReloadOutcome outcome = reloader.request_reload({"a"});
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  EXPECT_EQ(reloader.read()->a.burst, 7);
  EXPECT_EQ(reloader.read()->b.rps, 10);
}

}  // namespace hotreload::published_config_test

namespace hotreload::published_config_test {

TEST_F(PublishedConfig, ADryRunChecksLikeAReloadAndChangesNothing) {
  Reloader<Limits> reloader(options());
  add_cross_field_validator(reloader);
  auto before_start = reloader.dry_run();
  ASSERT_TRUE(before_start) << to_string(before_start.error());
  EXPECT_EQ((*before_start)->root.find_dotted("a.rps")->as_int(), 10);
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();

  dir_.write("limits.yaml", limits_text(10, 20, 10, 5));  // a.burst over b.rps: the validator refuses
  auto refused = reloader.dry_run();
  ASSERT_FALSE(refused);
  ASSERT_EQ(refused.error().size(), 1u) << to_string(refused.error());
  EXPECT_EQ(refused.error()[0].path, "a.burst");
  EXPECT_EQ(refused.error()[0].location.line, 3u) << "located like a reload's error";

  dir_.write("limits.yaml", limits_text(10, 5, 30, 5));
  auto fine = reloader.dry_run();
  ASSERT_TRUE(fine) << to_string(fine.error());
  EXPECT_EQ((*fine)->root.find_dotted("b.rps")->as_int(), 30);

  EXPECT_EQ(reloader.generation(), 1u) << "nothing published";
  EXPECT_EQ(reloader.read()->b.rps, 10);
  EXPECT_FALSE(queue->try_recv()) << "no event";
}

TEST_F(PublishedConfig, ADryRunAppliesTheRestartPolicyAgainstTheLiveConfig) {
  ReloadOptions opts = options();
  opts.fields.restart("b.rps");
  Reloader<Limits> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("limits.yaml", limits_text(10, 5, 11, 5));
  auto refused = reloader.dry_run();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().at(0).code, ErrorCode::restart_required);
  EXPECT_EQ(refused.error().at(0).path, "b.rps");
}

}  // namespace hotreload::published_config_test
