// `hotreload rollout` against a real etcd and real `hotreload watch --report` instances: the
// canaries (chosen by instance id) load the candidate first, it is promoted once they applied it
// and baked; a refusal, a lost canary or a concurrent write to KEY halts it and the canaries go
// back to KEY's value; a killed rollout is resumed or aborted from its record in etcd.
//
// Cohorts used below (cohort_bucket(), sha256 of the id): a -> 10, b -> 66, c -> 3. So --canary 50
// picks a and c, --canary 5 picks c, --canary 1 picks nobody by the rule and falls back to c.
#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>

#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "etcd/etcd_test_support.hpp"
#include "etcd/etcd_wire.hpp"
#include "support/child_process.hpp"
#include "support/event_lines.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"
#include "hotreload/rollout.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::cli_path;
using testing::CommandResult;
using testing::EtcdServer;
using testing::eventually;
using testing::run_command;

constexpr const char* kKey = "/app/config.yaml";
constexpr const char* kStable = "database:\n  max_conns: 10\n";

class CliRollout : public ::testing::Test {
 protected:
  void SetUp() override {
    HOTRELOAD_REQUIRE_ETCD();
    ASSERT_TRUE(etcd.start());
    ASSERT_EQ(pick_canaries({"a", "b", "c"}, 50), (std::vector<std::string>{"a", "c"}));
    schema = dir.write("strict.schema.json",
                       R"({"type":"object","properties":{"database":{"type":"object",)"
                       R"("properties":{"max_conns":{"type":"integer","maximum":100}}}}})");
    etcd.put(kKey, kStable);
  }

  std::unique_ptr<ChildProcess> watch(const std::string& id, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {cli_path(), "watch", "--debounce", "20", "--print-config", "--report",
                                     etcd.url("/fleet/"), "--instance-id", id};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(etcd.url(kKey));
    auto child = std::make_unique<ChildProcess>(argv, dir.file(id + ".stderr"));
    EXPECT_TRUE(testing::next_event(*child, "reload.completed", testing::kEtcdBound)) << id;
    return child;
  }
  // Every instance in `ids` has written its report (the rollout reads the reports).
  void await_reports(const std::vector<std::string>& ids) {
    EXPECT_TRUE(eventually([&] {
      for (const std::string& id : ids) {
        if (!value("/fleet/instances/" + id)) return false;
      }
      return true;
    }));
  }
  std::vector<std::string> rollout_argv(const std::string& file, const std::string& percent, const std::string& bake,
                                        std::vector<std::string> extra = {}) {
    // As the issue spells it: no --fleet, the prefix the instances report under is found.
    std::vector<std::string> argv = {cli_path(), "rollout", etcd.url(kKey), file, "--canary", percent, "--bake", bake};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  // A rollout of max_conns 50 with c as the only canary (--canary 5), started once `ready` is
  // printed (the record is written; "every canary applied the candidate": c applied it). The
  // instances a and c must be watching.
  std::unique_ptr<ChildProcess> rollout_to_c(const std::string& bake, const std::string& ready,
                                             std::vector<std::string> extra = {}) {
    await_reports({"a", "c"});
    const std::string candidate = dir.write("candidate.yaml", "database:\n  max_conns: 50\n");
    auto rollout = std::make_unique<ChildProcess>(rollout_argv(candidate, "5", bake, std::move(extra)),
                                                  dir.file("rollout.stderr"));
    testing::await_line(*rollout, ready, testing::kEtcdBound);
    return rollout;
  }
  std::optional<std::string> value(const std::string& key) {
    auto reply = etcd.post("/v3/kv/range", nlohmann::json{{"key", detail::etcd::base64_encode(key)}}.dump());
    if (!reply) return std::nullopt;
    auto range = detail::etcd::parse_range_reply(*reply);
    if (!range || range->kvs.empty()) return std::nullopt;
    return range->kvs.front().value;
  }
  RolloutRecord record() {
    auto text = value(rollout_record_key(kKey));
    EXPECT_TRUE(text) << "no rollout record";
    auto parsed = parse_rollout_record(text.value_or("{}"));
    return parsed ? *parsed : RolloutRecord{};
  }
  InstanceReport report(const std::string& id) {
    auto parsed = parse_instance_report(value("/fleet/instances/" + id).value_or("{}"));
    return parsed ? *parsed : InstanceReport{};
  }
  // The version and max_conns of an instance's next applied config (reloads that found nothing
  // to change are skipped).
  static std::pair<std::string, int> next_applied(ChildProcess& child) {
    nlohmann::json data;
    do {
      nlohmann::json event = testing::expect_event(child, "reload.completed", testing::kEtcdBound);
      data = event.value("data", nlohmann::json::object());
    } while (data.value("status", "") == "unchanged");
    const nlohmann::json versions = data.value("sourceVersions", nlohmann::json::object());
    std::string version;
    for (const auto& [layer, v] : versions.items()) version = v;  // one layer
    int max_conns = -1;
    if (data.contains("config")) max_conns = data["config"]["database"].value("max_conns", -1);
    return {version, max_conns};
  }

  EtcdServer etcd;
  testing::TempDir dir;
  std::string schema;
};

TEST_F(CliRollout, PromotesOnceTheCanariesAppliedAndBaked) {
  // a checks its health after applying the candidate (it passes): the rollout waits for it.
  auto a = watch("a", {"--health-cmd", "test \"$HOTRELOAD_ROLLOUT\" != \"\""});
  auto b = watch("b");
  auto c = watch("c");
  await_reports({"a", "b", "c"});
  const std::string candidate = dir.write("candidate.yaml", "database:\n  max_conns: 50\n");

  CommandResult result = run_command(rollout_argv(candidate, "50", "1s"));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("2 of 3 instances canary the candidate: a, c"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("a applied the candidate"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("c applied the candidate"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("baking"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("promoted"), std::string::npos) << result.out;
  EXPECT_EQ(value(kKey), "database:\n  max_conns: 50\n");
  const RolloutRecord done = record();
  EXPECT_EQ(done.phase, rollout_phase::done);
  EXPECT_GT(done.promoted_revision, 0);

  // The canaries ran the candidate first (their layer at the rollout's version), then KEY's value.
  for (ChildProcess* canary : {a.get(), c.get()}) {
    EXPECT_EQ(next_applied(*canary), std::pair(rollout_version(done.id), 50));
  }
  // b never ran the candidate: its next config is KEY's value at the promoting revision.
  auto [b_version, b_conns] = next_applied(*b);
  EXPECT_EQ(b_version, std::to_string(done.promoted_revision));
  EXPECT_EQ(b_conns, 50);
  // Every instance ends on KEY at the promoting revision.
  EXPECT_TRUE(eventually([&] {
    for (const char* id : {"a", "b", "c"}) {
      InstanceReport r = report(id);
      if (r.sources.empty() || r.sources[0].second != std::to_string(done.promoted_revision)) return false;
    }
    return true;
  }));
}

TEST_F(CliRollout, AnExecInstanceIsACanaryWithItsHealthCheck) {
  // `exec --report` follows rollouts as `watch` does: c runs a child, applies the candidate,
  // passes its check, and the rollout promotes.
  auto a = watch("a");
  ChildProcess c({cli_path(), "exec", "--debounce", "20", "--report", etcd.url("/fleet/"), "--instance-id", "c",
                  "--health-cmd", "test \"$HOTRELOAD_ROLLOUT\" != \"\"", "--config", etcd.url(kKey), "--",
                  "/bin/sh", "-c", "trap '' HUP; exec sleep 600"},  // a reload sends it SIGHUP
                 dir.file("c.stderr"));
  auto rollout = rollout_to_c("100ms", "rollout ");
  EXPECT_EQ(rollout->wait(testing::kEtcdBound), 0);
  EXPECT_EQ(record().phase, rollout_phase::done) << record().reason;
  EXPECT_EQ(value(kKey), "database:\n  max_conns: 50\n");
  const InstanceReport reported = report("c");
  EXPECT_TRUE(reported.health_checked);
  EXPECT_EQ(reported.health_version, rollout_version(record().id));
  EXPECT_EQ(reported.health, "ok");
  c.send_signal(SIGTERM);
  EXPECT_TRUE(c.wait(testing::kEtcdBound).has_value());
}

TEST_F(CliRollout, ACanaryThatRefusesHaltsAndTheCanariesRollBack) {
  auto a = watch("a");                       // canary, accepts 200
  auto b = watch("b", {"--schema", schema});  // not a canary
  auto c = watch("c", {"--schema", schema});  // canary, refuses 200
  await_reports({"a", "b", "c"});
  const std::string candidate = dir.write("candidate.yaml", "database:\n  max_conns: 200\n");

  CommandResult result = run_command(rollout_argv(candidate, "50", "1h"));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("halted: canary c refused the candidate"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("200 is greater than the maximum 100"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("canaries back on the previous config: a, c"), std::string::npos) << result.out;
  EXPECT_EQ(value(kKey), kStable);  // never promoted
  EXPECT_EQ(record().phase, rollout_phase::halted);
  EXPECT_EQ(report("c").status, report_status::failed);
  EXPECT_EQ(report("c").generation, 1u);  // the old config stayed live on the canary that refused
  EXPECT_EQ(report("b").generation, 1u);  // the other instances never saw the candidate
  EXPECT_EQ(report("b").reload_id, 1u);
  // a is back on KEY's value (if it got to apply the candidate before the halt, it reloaded again).
  EXPECT_TRUE(eventually([&] {
    InstanceReport r = report("a");
    return r.status == report_status::applied && !r.sources.empty() &&
           r.sources[0].second.rfind("rollout-", 0) != 0;
  }));
}

TEST_F(CliRollout, ACanaryWhoseHealthCheckFailsHaltsItAndRollsBack) {
  auto a = watch("a");
  auto c = watch("c", {"--health-cmd", "exit 3"});
  auto rollout = rollout_to_c("1h", "rollout ");
  EXPECT_EQ(rollout->wait(testing::kEtcdBound), 1);
  const RolloutRecord halted = record();
  EXPECT_EQ(halted.phase, rollout_phase::halted);
  EXPECT_EQ(halted.reason, "canary c failed its health check of the candidate: exit status 3");
  EXPECT_EQ(value(kKey), kStable);
  EXPECT_EQ(next_applied(*c), std::pair(rollout_version(halted.id), 50));  // applied, then unhealthy
  EXPECT_EQ(next_applied(*c).second, 10);                                  // back on KEY's value
  InstanceReport reported = report("c");
  EXPECT_TRUE(reported.health_checked);
  EXPECT_EQ(reported.health_version, rollout_version(halted.id));
  EXPECT_EQ(reported.health, "failed");
  // --health-cmd without --report is a usage error.
  EXPECT_EQ(run_command({cli_path(), "watch", "--health-cmd", "true", etcd.url(kKey)}).exit_code, 2);
}

TEST_F(CliRollout, AHealthCheckThatFailsDuringTheBakeHaltsIt) {
  // c's check passes when it applies the candidate, then runs again every 50 ms while it bakes.
  const std::string sick = dir.file("sick");
  auto a = watch("a");
  auto c = watch("c", {"--health-cmd", "test ! -e '" + sick + "'", "--health-every", "50ms"});
  auto rollout = rollout_to_c("1h", "every canary applied the candidate");
  dir.write("sick", "");
  EXPECT_EQ(rollout->wait(testing::kEtcdBound), 1);
  const RolloutRecord halted = record();
  EXPECT_EQ(halted.phase, rollout_phase::halted);
  EXPECT_EQ(halted.reason, "canary c failed its health check of the candidate: exit status 1");
  EXPECT_EQ(value(kKey), kStable);
}

TEST_F(CliRollout, ACanaryThatDoesNotApplyInTimeHaltsIt) {
  // c applies the candidate but its health check never finishes: it neither passes nor fails.
  auto a = watch("a");
  auto c = watch("c", {"--health-cmd", "exec sleep 600", "--health-timeout", "1h"});
  auto rollout = rollout_to_c("1h", "rollout ", {"--apply-timeout", "300ms"});
  EXPECT_EQ(rollout->wait(testing::kEtcdBound), 1);
  const RolloutRecord halted = record();
  EXPECT_EQ(halted.phase, rollout_phase::halted);
  EXPECT_EQ(halted.reason, "canary c did not apply the candidate within 300ms");
  EXPECT_EQ(value(kKey), kStable);
}

TEST_F(CliRollout, ACanaryWhoseHealthUrlAnswersAnErrorHaltsIt) {
  httplib::Server health;
  health.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.status = 503;
    response.set_content("draining", "text/plain");
  });
  const int port = health.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { health.listen_after_bind(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/healthz";
  auto a = watch("a");
  auto c = watch("c", {"--health-url", url});
  auto rollout = rollout_to_c("1h", "rollout ");
  EXPECT_EQ(rollout->wait(testing::kEtcdBound), 1);
  const RolloutRecord halted = record();
  EXPECT_EQ(halted.phase, rollout_phase::halted);
  EXPECT_EQ(halted.reason, "canary c failed its health check of the candidate: GET " + url + ": HTTP 503");
  EXPECT_EQ(value(kKey), kStable);
  health.stop();
  serving.join();

  // Usage: without --report, with --health-cmd too, not an http(s) URL.
  EXPECT_EQ(run_command({cli_path(), "watch", "--health-url", url, etcd.url(kKey)}).exit_code, 2);
  CommandResult both = run_command({cli_path(), "watch", "--report", etcd.url("/fleet/"), "--health-cmd", "true",
                                    "--health-url", url, etcd.url(kKey)});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("exclude each other"), std::string::npos) << both.err;
  CommandResult ftp = run_command({cli_path(), "watch", "--report", etcd.url("/fleet/"), "--health-url",
                                   "ftp://127.0.0.1/healthz", etcd.url(kKey)});
  EXPECT_EQ(ftp.exit_code, 2);
  EXPECT_NE(ftp.err.find("--health-url"), std::string::npos) << ftp.err;
}

TEST_F(CliRollout, AWriteToKeyDuringTheRolloutHaltsItInsteadOfOverwriting) {
  auto c = watch("c");
  await_reports({"c"});
  const std::string candidate = dir.write("candidate.yaml", "database:\n  max_conns: 50\n");
  ChildProcess rollout(rollout_argv(candidate, "5", "1h"), dir.file("rollout.stderr"));
  testing::await_line(rollout, "every canary applied the candidate", testing::kEtcdBound);
  etcd.put(kKey, "database:\n  max_conns: 20\n");
  EXPECT_EQ(rollout.wait(testing::kEtcdBound), 1);
  EXPECT_EQ(value(kKey), "database:\n  max_conns: 20\n");  // the other writer's value stays
  const RolloutRecord halted = record();
  EXPECT_EQ(halted.phase, rollout_phase::halted);
  EXPECT_NE(halted.reason.find("was written during the rollout"), std::string::npos) << halted.reason;
  // c goes back to KEY's value, which is now 20.
  std::pair<std::string, int> applied;
  do {
    applied = next_applied(*c);
  } while (applied.second != 20 && applied.second != -1);
  EXPECT_EQ(applied.second, 20);
}

TEST_F(CliRollout, AKilledRolloutIsResumedFromItsRecord) {
  auto a = watch("a");
  auto c = watch("c");
  auto first = rollout_to_c("2s", "rollout ");  // the record is written
  first->send_signal(SIGKILL);
  EXPECT_EQ(first->wait(testing::kEtcdBound), 128 + SIGKILL);
  const std::string candidate = dir.file("candidate.yaml");
  EXPECT_TRUE(record().active());

  // Another rollout is refused while this one is in progress.
  CommandResult second = run_command(rollout_argv(candidate, "5", "1s"));
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("is in progress"), std::string::npos) << second.err;

  CommandResult resumed = run_command({cli_path(), "rollout", etcd.url(kKey), "--resume"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("resuming rollout"), std::string::npos) << resumed.out;
  EXPECT_EQ(value(kKey), "database:\n  max_conns: 50\n");
  EXPECT_EQ(record().phase, rollout_phase::done);

  CommandResult nothing = run_command({cli_path(), "rollout", etcd.url(kKey), "--resume"});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("no rollout in progress"), std::string::npos) << nothing.err;
}

TEST_F(CliRollout, AbortSendsTheCanariesBackToKey) {
  auto a = watch("a");
  auto c = watch("c");
  auto first = rollout_to_c("1h", "every canary applied the candidate");
  EXPECT_EQ(next_applied(*c), std::pair(rollout_version(record().id), 50));
  first->send_signal(SIGKILL);
  EXPECT_EQ(first->wait(testing::kEtcdBound), 128 + SIGKILL);

  CommandResult aborted = run_command({cli_path(), "rollout", etcd.url(kKey), "--abort"});
  EXPECT_EQ(aborted.exit_code, 0) << aborted.out << aborted.err;
  EXPECT_NE(aborted.out.find("aborted"), std::string::npos) << aborted.out;
  EXPECT_NE(aborted.out.find("canaries back on the previous config: c"), std::string::npos) << aborted.out;
  EXPECT_EQ(next_applied(*c).second, 10);  // KEY's value again
  EXPECT_EQ(value(kKey), kStable);
  EXPECT_EQ(record().phase, rollout_phase::aborted);

  CommandResult again = run_command({cli_path(), "rollout", etcd.url(kKey), "--abort"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("no rollout in progress"), std::string::npos) << again.err;
}

TEST_F(CliRollout, ACanaryThatStopsReportingHaltsIt) {
  auto a = watch("a");
  auto c = watch("c", {"--report-ttl", "2"});
  auto rollout = rollout_to_c("1h", "every canary applied the candidate", {"--lost-after", "500ms"});
  c->send_signal(SIGKILL);  // its report outlives it by the lease's TTL, then goes
  EXPECT_EQ(c->wait(testing::kEtcdBound), 128 + SIGKILL);
  EXPECT_EQ(rollout->wait(testing::kEtcdBound), 1);
  const RolloutRecord halted = record();
  EXPECT_EQ(halted.phase, rollout_phase::halted);
  EXPECT_NE(halted.reason.find("canary c stopped reporting"), std::string::npos) << halted.reason;
  EXPECT_EQ(value(kKey), kStable);
}

TEST_F(CliRollout, ARestartedCanaryLandsInTheSameCohort) {
  auto a = watch("a");
  auto c = watch("c");
  auto rollout = rollout_to_c("1h", "every canary applied the candidate");
  c->send_signal(SIGTERM);
  EXPECT_EQ(c->wait(testing::kEtcdBound), 0);
  // The new process's first load is the candidate: same id, same cohort.
  ChildProcess again({cli_path(), "watch", "--print-config", "--report", etcd.url("/fleet/"), "--instance-id", "c",
                      etcd.url(kKey)},
                     dir.file("c2.stderr"));
  EXPECT_EQ(next_applied(again), std::pair(rollout_version(record().id), 50));
  CommandResult aborted = run_command({cli_path(), "rollout", etcd.url(kKey), "--abort"});
  EXPECT_EQ(aborted.exit_code, 0) << aborted.out << aborted.err;
  EXPECT_EQ(rollout->wait(testing::kEtcdBound), 1);  // the follower sees the abort and stops
  EXPECT_EQ(next_applied(again).second, 10);
}

TEST_F(CliRollout, NoLiveInstanceHaltsWithoutWritingAnything) {
  const std::string candidate = dir.write("candidate.yaml", "database:\n  max_conns: 50\n");
  CommandResult result = run_command(rollout_argv(candidate, "50", "1s"));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("no live instance"), std::string::npos) << result.out;
  EXPECT_FALSE(value(rollout_record_key(kKey)));
  EXPECT_EQ(value(kKey), kStable);
}

TEST_F(CliRollout, WithInstancesUnderTwoPrefixesTheFleetMustBeNamed) {
  auto a = watch("a");
  auto c = watch("c");
  await_reports({"a", "c"});
  ChildProcess other({cli_path(), "watch", "--debounce", "20", "--report", etcd.url("/other/"), "--instance-id", "d",
                      etcd.url(kKey)},
                     dir.file("d.stderr"));
  ASSERT_TRUE(testing::next_event(other, "reload.completed", testing::kEtcdBound));
  EXPECT_TRUE(eventually([&] { return value("/other/instances/d").has_value(); }));
  const std::string candidate = dir.write("candidate.yaml", "database:\n  max_conns: 50\n");

  CommandResult ambiguous = run_command(rollout_argv(candidate, "5", "0s"));
  EXPECT_EQ(ambiguous.exit_code, 2) << ambiguous.out << ambiguous.err;
  EXPECT_NE(ambiguous.err.find(etcd.url("/fleet/")), std::string::npos) << ambiguous.err;
  EXPECT_NE(ambiguous.err.find(etcd.url("/other/")), std::string::npos) << ambiguous.err;
  EXPECT_FALSE(value(rollout_record_key(kKey)));

  CommandResult named = run_command(rollout_argv(candidate, "5", "0s", {"--fleet", etcd.url("/fleet/")}));
  EXPECT_EQ(named.exit_code, 0) << named.out << named.err;
  EXPECT_EQ(record().fleet, etcd.url("/fleet/"));
  EXPECT_EQ(record().canaries, (std::vector<std::string>{"c"}));
}

TEST_F(CliRollout, UsageAndInvalidCandidates) {
  const std::string candidate = dir.write("candidate.yaml", "database:\n  max_conns: 50\n");
  for (const char* percent : {"0", "101", "ten", ""}) {
    CommandResult result = run_command(rollout_argv(candidate, percent, "1s"));
    EXPECT_EQ(result.exit_code, 2) << percent;
    EXPECT_NE(result.err.find("--canary"), std::string::npos) << result.err;
  }
  for (const char* bake : {"5", "-1s", "soon"}) {
    CommandResult result = run_command(rollout_argv(candidate, "10", bake));
    EXPECT_EQ(result.exit_code, 2) << bake;
    EXPECT_NE(result.err.find("--bake"), std::string::npos) << result.err;
  }
  CommandResult not_a_prefix = run_command(rollout_argv(candidate, "10", "1s", {"--fleet", etcd.url("/fleet")}));
  EXPECT_EQ(not_a_prefix.exit_code, 2);
  EXPECT_NE(not_a_prefix.err.find("--fleet"), std::string::npos) << not_a_prefix.err;
  CommandResult prefix = run_command({cli_path(), "rollout", etcd.url("/app/"), candidate, "--canary", "10", "--bake",
                                      "1s", "--fleet", etcd.url("/fleet/")});
  EXPECT_EQ(prefix.exit_code, 2);
  EXPECT_NE(prefix.err.find("not a prefix"), std::string::npos) << prefix.err;
  for (const char* timeout : {"5", "-1s", "never"}) {
    CommandResult result = run_command(rollout_argv(candidate, "10", "1s", {"--apply-timeout", timeout}));
    EXPECT_EQ(result.exit_code, 2) << timeout;
    EXPECT_NE(result.err.find("--apply-timeout"), std::string::npos) << result.err;
  }
  for (const auto& [option, value] : {std::pair{"--health-every", "often"}, std::pair{"--health-timeout", "0"},
                                      std::pair{"--health-timeout", "-2s"}}) {
    CommandResult result = run_command({cli_path(), "watch", "--report", etcd.url("/fleet/"), "--health-cmd", "true",
                                        option, value, etcd.url(kKey)});
    EXPECT_EQ(result.exit_code, 2) << option << " " << value;
    EXPECT_NE(result.err.find(option), std::string::npos) << result.err;
  }
  CommandResult timing_nothing = run_command({cli_path(), "watch", "--report", etcd.url("/fleet/"), "--health-every",
                                              "5s", etcd.url(kKey)});
  EXPECT_EQ(timing_nothing.exit_code, 2);
  EXPECT_NE(timing_nothing.err.find("need --health-cmd or --health-url"), std::string::npos) << timing_nothing.err;
  CommandResult both = run_command({cli_path(), "rollout", etcd.url(kKey), "--resume", "--abort"});
  EXPECT_EQ(both.exit_code, 2);
  CommandResult file_with_resume = run_command({cli_path(), "rollout", etcd.url(kKey), candidate, "--resume"});
  EXPECT_EQ(file_with_resume.exit_code, 2);

  const std::string broken = dir.write("broken.yaml", "database:\n  max_conns: [1,\n");
  CommandResult invalid = run_command(rollout_argv(broken, "10", "1s"));
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.err.find(broken + ":"), std::string::npos) << invalid.err;  // file:line:col
  CommandResult missing = run_command(rollout_argv(dir.file("missing.yaml"), "10", "1s"));
  EXPECT_EQ(missing.exit_code, 2);
  const std::string too_many = dir.write("too_many.yaml", "database:\n  max_conns: 200\n");
  CommandResult refused = run_command(rollout_argv(too_many, "10", "1s", {"--schema", schema}));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find(too_many + ":2:14"), std::string::npos) << refused.err;
  EXPECT_FALSE(value(rollout_record_key(kKey)));  // nothing invalid was written

  EtcdServer down;  // never started
  CommandResult unreachable = run_command({cli_path(), "rollout", down.url(kKey), candidate, "--canary", "10", "--bake",
                                           "1s", "--fleet", down.url("/fleet/")});
  EXPECT_EQ(unreachable.exit_code, 2);
  EXPECT_NE(unreachable.err.find("cannot connect"), std::string::npos) << unreachable.err;
}

}  // namespace
}  // namespace hotreload
