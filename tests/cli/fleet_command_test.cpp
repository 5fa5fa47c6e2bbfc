// `hotreload watch|exec --report` and `hotreload fleet status` against a real etcd: instances
// report what they run, the status groups them, lists a failed one with its error, and exits 0
// only when every live instance runs the newest version; a killed instance's key expires.
#include <gtest/gtest.h>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "etcd/etcd_test_support.hpp"
#include "support/child_process.hpp"
#include "support/event_lines.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::cli_path;
using testing::CommandResult;
using testing::EtcdServer;
using testing::eventually;
using testing::run_command;

constexpr const char* kSecret = "s3cret-fleet-password";

class CliFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    HOTRELOAD_REQUIRE_ETCD();
    ASSERT_TRUE(etcd.start());
    defaults = dir.write("defaults.yaml", "log_level: info\ndatabase:\n  max_conns: 10\n");
    // Instance b only: max_conns above 100 fails its reload.
    schema = dir.write("strict.schema.json",
                       R"({"type":"object","properties":{"database":{"type":"object",)"
                       R"("properties":{"max_conns":{"type":"integer","maximum":100}}}}})");
  }
  std::unique_ptr<ChildProcess> watch(const std::string& id, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {cli_path(), "watch", "--debounce", "20", "--secret", "database.password",
                                     "--report", etcd.url("/fleet/"), "--instance-id", id};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(defaults);
    argv.push_back(etcd.url("/app/"));
    auto child = std::make_unique<ChildProcess>(argv, dir.file(id + ".stderr"));
    EXPECT_TRUE(testing::next_event(*child, "reload.completed", testing::kEtcdBound)) << id;
    return child;
  }
  CommandResult status(bool json = true) {
    std::vector<std::string> argv = {cli_path(), "fleet", "status", etcd.url("/fleet/")};
    if (json) argv.push_back("--json");
    return run_command(argv);
  }
  nlohmann::json status_json() {
    CommandResult result = status();
    nlohmann::json parsed = nlohmann::json::parse(result.out, nullptr, false);
    return parsed.is_discarded() ? nlohmann::json::object() : parsed;
  }
  // The status once `done` holds for it (polled up to the bound: other processes write it).
  nlohmann::json await_status(const std::function<bool(const nlohmann::json&)>& done) {
    nlohmann::json last;
    EXPECT_TRUE(eventually([&] {
      last = status_json();
      return done(last);
    })) << last.dump(2);
    return last;
  }
  static const nlohmann::json* instance(const nlohmann::json& status, const std::string& id) {
    if (!status.contains("instances")) return nullptr;
    for (const auto& entry : status["instances"]) {
      if (entry["id"] == id) return &entry;
    }
    return nullptr;
  }

  EtcdServer etcd;
  testing::TempDir dir;
  std::string defaults;
  std::string schema;
};

TEST_F(CliFleet, TwoInstancesReportAndStatusGroupsThemAndListsTheFailedOne) {
  etcd.put("/app/database/password", kSecret);
  etcd.put("/app/database/max_conns", "20");
  auto a = watch("a");
  auto b = watch("b", {"--schema", schema});

  nlohmann::json converged = await_status([](const nlohmann::json& s) { return s.value("live", 0) == 2; });
  EXPECT_EQ(converged["onNewest"], 2);
  EXPECT_EQ(converged["converged"], true);
  ASSERT_EQ(converged["groups"].size(), 1u);  // same files, same etcd content: one config
  EXPECT_EQ(converged["groups"][0]["instances"], nlohmann::json({"a", "b"}));
  EXPECT_EQ(status().exit_code, 0);
  CommandResult table = status(false);
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("2 live instances, 2 on the newest version (100%)"), std::string::npos) << table.out;

  // b's schema refuses 200: a applies it, b keeps 20 and says why.
  const std::int64_t bad = etcd.put("/app/database/max_conns", "200");
  nlohmann::json split = await_status([&](const nlohmann::json& s) {
    const auto* failed = instance(s, "b");
    const auto* applied = instance(s, "a");
    return failed && applied && (*failed)["status"] == "failed" && (*applied)["generation"] == 2;
  });
  EXPECT_EQ(split["converged"], false);
  EXPECT_EQ(split["onNewest"], 1);
  EXPECT_EQ(split["share"], 0.5);
  EXPECT_EQ(split["newest"][etcd.url("/app/")], std::to_string(bad));
  EXPECT_EQ((*instance(split, "a"))["onNewest"], true);
  EXPECT_EQ((*instance(split, "b"))["onNewest"], false);
  EXPECT_EQ((*instance(split, "b"))["attemptedSources"][etcd.url("/app/")], std::to_string(bad));
  ASSERT_EQ(split["failed"].size(), 1u);
  EXPECT_EQ(split["failed"][0]["id"], "b");
  const std::string error = split["failed"][0]["errors"][0];
  EXPECT_NE(error.find("max_conns"), std::string::npos) << error;
  EXPECT_EQ(split["groups"].size(), 2u);
  EXPECT_EQ(split.dump().find(kSecret), std::string::npos);

  CommandResult behind = status(false);
  EXPECT_EQ(behind.exit_code, 1);
  EXPECT_NE(behind.out.find("2 live instances, 1 on the newest version (50%)"), std::string::npos) << behind.out;
  EXPECT_NE(behind.out.find("failed:\n  b (tried " + etcd.url("/app/") + " @ " + std::to_string(bad) + "):"),
            std::string::npos)
      << behind.out;
  EXPECT_NE(behind.out.find("max_conns"), std::string::npos) << behind.out;
  EXPECT_EQ(behind.out.find(kSecret), std::string::npos);

  // Fixed: both apply 50 and the fleet converges again.
  etcd.put("/app/database/max_conns", "50");
  await_status([](const nlohmann::json& s) { return s.value("converged", false); });
  EXPECT_EQ(status().exit_code, 0);

  a->send_signal(SIGTERM);
  EXPECT_EQ(a->wait(testing::kEtcdBound), 0);
  nlohmann::json after = status_json();  // a revoked its lease on the way out: gone at once
  EXPECT_EQ(after["live"], 1);
  EXPECT_EQ(instance(after, "a"), nullptr);
}

TEST_F(CliFleet, AKilledInstanceDisappearsWhenItsLeaseExpires) {
  auto a = watch("a", {"--report-ttl", "2"});
  await_status([](const nlohmann::json& s) { return s.value("live", 0) == 1; });
  a->send_signal(SIGKILL);
  EXPECT_EQ(a->wait(testing::kEtcdBound), 128 + SIGKILL);
  await_status([](const nlohmann::json& s) { return s.contains("live") && s["live"] == 0; });
  // No instance reports: nothing confirms the newest version runs anywhere.
  EXPECT_EQ(status().exit_code, 1);
}

TEST_F(CliFleet, ExecReportsToo) {
  etcd.put("/app/database/max_conns", "20");
  ChildProcess exec({cli_path(), "exec", "--debounce", "0", "--report", etcd.url("/fleet/"), "--instance-id", "e",
                     "--config", defaults, "--config", etcd.url("/app/"), "--", "/bin/sh", "-c",
                     "i=0; while [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done"},
                    dir.file("exec.stderr"));
  nlohmann::json reported = await_status([](const nlohmann::json& s) { return instance(s, "e") != nullptr; });
  EXPECT_EQ((*instance(reported, "e"))["status"], "applied");
  EXPECT_EQ(reported["converged"], true);
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(testing::kEtcdBound), 128 + SIGTERM);
  EXPECT_EQ(status_json()["live"], 0);
}

TEST_F(CliFleet, UsageAndConnectionTroubleExitTwo) {
  EXPECT_EQ(run_command({cli_path(), "fleet", "status", etcd.url("/fleet")}).exit_code, 2);  // not a prefix
  EXPECT_EQ(run_command({cli_path(), "fleet", "status", "etcd://127.0.0.1:0/fleet/"}).exit_code, 2);
  EXPECT_EQ(run_command({cli_path(), "fleet"}).exit_code, 2);
  EtcdServer down;  // never started: nothing listens on its port
  CommandResult unreachable = run_command({cli_path(), "fleet", "status", down.url("/fleet/")});
  EXPECT_EQ(unreachable.exit_code, 2);
  EXPECT_NE(unreachable.err.find("cannot connect"), std::string::npos) << unreachable.err;
  CommandResult bad_report =
      run_command({cli_path(), "watch", "--report", etcd.url("/fleet"), defaults});  // not a prefix
  EXPECT_EQ(bad_report.exit_code, 2);
  EXPECT_NE(bad_report.err.find("must be a prefix"), std::string::npos) << bad_report.err;
  EXPECT_EQ(run_command({cli_path(), "watch", "--instance-id", "x", defaults}).exit_code, 2);
}

TEST_F(CliFleet, AnUnreachableReportEtcdBlocksNoReloadAndIsAnEvent) {
  EtcdServer down;  // the report's etcd, never started
  ChildProcess a({cli_path(), "watch", "--debounce", "20", "--report", down.url("/fleet/"), "--instance-id", "a",
                  defaults, etcd.url("/app/")},
                 dir.file("a.stderr"));
  auto error = testing::next_event(a, "report.error", testing::kEtcdBound);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->at("data").at("files"), nlohmann::json({down.url("/fleet/instances/a")}));
  etcd.put("/app/database/max_conns", "33");
  auto applied = testing::next_event(a, "reload.completed", testing::kEtcdBound);
  ASSERT_TRUE(applied);
  a.send_signal(SIGTERM);
  EXPECT_EQ(a.wait(testing::kEtcdBound), 0);
}

}  // namespace
}  // namespace hotreload
