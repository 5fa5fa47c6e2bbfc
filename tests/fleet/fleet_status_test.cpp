// summarize_fleet: groups, the newest version and who runs it, from reports alone.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hotreload/fleet_status.hpp"

namespace hotreload {
namespace {

const std::string kLayer = "etcd://127.0.0.1:2379/app/";

InstanceReport applied(std::string id, std::string revision, std::string hash = "h") {
  InstanceReport report;
  report.id = std::move(id);
  report.status = "applied";
  report.generation = 3;
  report.sources = {{kLayer, std::move(revision)}};
  report.config_hash = std::move(hash);
  return report;
}

TEST(FleetStatus, EveryInstanceOnTheHighestRevisionIsConverged) {
  FleetStatus status = summarize_fleet({applied("b", "42"), applied("a", "42")});
  EXPECT_TRUE(status.converged());
  ASSERT_EQ(status.groups.size(), 1u);
  EXPECT_EQ(status.groups[0].instances, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(status.newest, (std::vector<std::pair<std::string, std::string>>{{kLayer, "42"}}));
  auto json = to_json(status);
  EXPECT_EQ(json["share"], 1.0);
  EXPECT_EQ(json["onNewest"], 2);
}

TEST(FleetStatus, RevisionsCompareAsNumbersAndAnOlderOneIsBehind) {
  FleetStatus status = summarize_fleet({applied("a", "9"), applied("b", "10", "other")});
  EXPECT_FALSE(status.converged());
  EXPECT_EQ(status.newest[0].second, "10");  // not "9", which sorts after "10" as text
  EXPECT_EQ(status.on_newest, (std::vector<bool>{false, true}));
  EXPECT_EQ(status.groups.size(), 2u);
}

TEST(FleetStatus, AnyRevisionAtOrAfterTheLastChangeHoldsTheNewestContent) {
  // Both read after the layer last changed at 7 (other writes moved the store on): same config.
  FleetStatus status = summarize_fleet({applied("a", "9"), applied("b", "12")}, {{kLayer, "7"}});
  EXPECT_TRUE(status.converged());
  EXPECT_EQ(status.newest[0].second, "7");
  ASSERT_EQ(status.groups.size(), 1u);  // grouped by what they run, not by when they read it
  EXPECT_FALSE(summarize_fleet({applied("a", "6"), applied("b", "12")}, {{kLayer, "7"}}).converged());
}

TEST(FleetStatus, AFailedAttemptDefinesTheNewestSoAFleetThatRefusedItIsNotConverged) {
  InstanceReport a = applied("a", "40");
  a.status = "failed";
  a.attempted_sources = {{kLayer, "50"}};
  a.errors = {"etcd://127.0.0.1:2379/app/x: bad"};
  FleetStatus status = summarize_fleet({a});
  EXPECT_EQ(status.newest[0].second, "50");
  EXPECT_FALSE(status.converged());
  auto json = to_json(status);
  ASSERT_EQ(json["failed"].size(), 1u);
  EXPECT_EQ(json["failed"][0]["id"], "a");
  EXPECT_EQ(json["failed"][0]["errors"][0], "etcd://127.0.0.1:2379/app/x: bad");
}

TEST(FleetStatus, PendingRestartIsNotTheNewestAndIsListed) {
  InstanceReport a = applied("a", "42");
  a.status = "pending_restart";
  a.pending_restart = {"server.port"};
  FleetStatus status = summarize_fleet({a, applied("b", "42")});
  EXPECT_EQ(status.on_newest, (std::vector<bool>{false, true}));
  auto json = to_json(status);
  EXPECT_EQ(json["pendingRestart"][0]["fields"][0], "server.port");
}

TEST(FleetStatus, VersionsThatDoNotOrderNeverDefineTheNewestAndNoInstanceIsNotConverged) {
  FleetStatus status = summarize_fleet({applied("a", "unavailable"), applied("b", "\"etag\"")});
  EXPECT_TRUE(status.newest.empty());
  EXPECT_TRUE(status.converged());
  EXPECT_FALSE(summarize_fleet({}).converged());
}

TEST(FleetStatus, AReportRoundTripsThroughItsJson) {
  InstanceReport a = applied("a", "42");
  a.pending_restart = {"server.port"};
  a.reload_id = 7;
  a.trigger = "etcd";
  a.time = "2026-12-04T12:00:00.000000Z";
  auto parsed = parse_instance_report(to_json(a).dump());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(to_json(*parsed), to_json(a));
  EXPECT_FALSE(parse_instance_report("[1]"));
  EXPECT_FALSE(parse_instance_report("{\"id\":1}"));
}

}  // namespace
}  // namespace hotreload
