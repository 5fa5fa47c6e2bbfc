// RolloutHealthCheck without etcd: the reporter it reports to is never started, so these tests
// see only what the check itself does (the rollout tests in tests/cli/ see what it reports).
#include "hotreload/rollout_health.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>

#include "hotreload/etcd.hpp"
#include "hotreload/events.hpp"
#include "hotreload/fleet_report.hpp"
#include "support/config_server.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;

constexpr auto kBound = 10s;  // generous: only a check that ignores the stop waits this long

TEST(RolloutHealthCheck, DestroyingItCutsAHealthUrlGetInFlightShort) {
  testing::HangingServer server;
  EventBus events;
  auto prefix = parse_etcd_url("etcd://127.0.0.1:2379/fleet/");
  ASSERT_TRUE(prefix) << prefix.error().to_string();
  FleetReporter reporter(*prefix, {.instance_id = "a", .health_checked = true}, events,
                         [] { return std::shared_ptr<const Document>(); }, FieldRules{});
  // Only the stop can end this GET: the server never answers and the timeout is far away.
  auto health = std::make_unique<RolloutHealthCheck>(
      events, reporter, HealthCheckOptions{.url = server.url("/healthz"), .timeout = 10min});

  Event applied;
  applied.type = event_type::completed;
  applied.source_versions = {{"etcd://127.0.0.1:2379/app.yaml", "rollout-7"}};
  events.publish(applied);
  ASSERT_TRUE(server.await_connection(kBound)) << "the check did not GET the health URL";

  auto destroyed = std::async(std::launch::async, [&] { health.reset(); });
  EXPECT_EQ(destroyed.wait_for(kBound), std::future_status::ready) << "the destructor waited for the server";
  server.hang_up();  // lets a destructor that did wait return, so that the test ends
  destroyed.wait();
}

}  // namespace
}  // namespace hotreload
