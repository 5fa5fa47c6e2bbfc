// The CLI with etcd layers: `hotreload watch`, `validate` and `diff` take etcd://HOST:PORT/KEY
// and etcd://HOST:PORT/PREFIX/ (or a list of members, etcd://H1:P1,H2:P2/KEY) wherever they take a file.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "etcd/etcd_test_support.hpp"
#include "support/child_process.hpp"
#include "support/etcd_cluster.hpp"
#include "support/event_lines.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::cli_path;
using testing::EtcdServer;
using testing::eventually;
using testing::run_command;

class CliEtcd : public ::testing::Test {
 protected:
  void SetUp() override {
    HOTRELOAD_REQUIRE_ETCD();
    defaults = dir.write("defaults.yaml", "log_level: info\ndatabase:\n  max_conns: 10\n");
  }
  EtcdServer etcd;
  testing::TempDir dir;
  std::string defaults;
};

TEST_F(CliEtcd, WatchAppliesEtcdWritesOverAFileLayer) {
  ASSERT_TRUE(etcd.start());
  const std::int64_t first = etcd.put("/app/database/max_conns", "20");
  ChildProcess watch({cli_path(), "watch", "--debounce", "20", defaults, etcd.url("/app/")}, dir.file("stderr"));
  auto initial = testing::next_event(watch, "reload.completed", testing::kEtcdBound);
  ASSERT_TRUE(initial);
  EXPECT_EQ(initial->at("data").at("trigger"), "initial");
  EXPECT_EQ(initial->at("data").at("sourceVersions").at(etcd.url("/app/")), std::to_string(first));

  const std::int64_t second = etcd.put("/app/database/max_conns", "30");
  auto changed = testing::next_event(watch, "reload.completed", testing::kEtcdBound);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->at("data").at("trigger"), "etcd");
  EXPECT_EQ(changed->at("data").at("changes"),
            nlohmann::json::parse(R"([{"path":"database.max_conns","op":"modified","old":20,"new":30}])"));
  EXPECT_EQ(changed->at("data").at("sourceVersions").at(etcd.url("/app/")), std::to_string(second));

  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(testing::kEtcdBound), 0);
}

TEST_F(CliEtcd, WatchWithOnlyAnEtcdLayerNeedsNoFile) {
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/config.toml", "[database]\nmax_conns = 5\n");
  ChildProcess watch({cli_path(), "watch", "--debounce", "20", "--print-config", etcd.url("/app/config.toml")},
                     dir.file("stderr"));
  auto initial = testing::next_event(watch, "reload.completed", testing::kEtcdBound);
  ASSERT_TRUE(initial);
  EXPECT_EQ(initial->at("data").at("config").at("database").at("max_conns"), 5);
  etcd.put("/app/config.toml", "[database]\nmax_conns = 6\n");
  auto changed = testing::next_event(watch, "reload.completed", testing::kEtcdBound);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->at("data").at("config").at("database").at("max_conns"), 6);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(testing::kEtcdBound), 0);
}

TEST_F(CliEtcd, WatchReportsAnInvalidEtcdDocumentAndKeepsServing) {
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/config.yaml", "database:\n  max_conns: 40\n");
  ChildProcess watch({cli_path(), "watch", "--debounce", "20", "--print-config", defaults, etcd.url("/app/config.yaml")},
                     dir.file("stderr"));
  auto initial = testing::next_event(watch, "reload.completed", testing::kEtcdBound);
  ASSERT_TRUE(initial);
  EXPECT_EQ(initial->at("data").at("config").at("database").at("max_conns"), 40);
  const std::int64_t bad = etcd.put("/app/config.yaml", "database: [\n");
  auto failed = testing::next_event(watch, "reload.failed", testing::kEtcdBound);
  ASSERT_TRUE(failed);
  const std::string error = failed->at("data").at("error");
  EXPECT_NE(error.find(etcd.url("/app/config.yaml")), std::string::npos) << error;
  EXPECT_NE(error.find("etcd revision " + std::to_string(bad)), std::string::npos) << error;
  etcd.put("/app/config.yaml", "database:\n  max_conns: 41\n");
  auto fixed = testing::next_event(watch, "reload.completed", testing::kEtcdBound);
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->at("data").at("config").at("database").at("max_conns"), 41);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(testing::kEtcdBound), 0);
}

TEST_F(CliEtcd, WatchStartsOnFilesWhileEtcdIsDownAndAppliesItWhenItComesUp) {
  ChildProcess watch({cli_path(), "watch", "--debounce", "20", "--print-config", defaults, etcd.url("/app/")},
                     dir.file("stderr"));
  auto initial = testing::next_event(watch, "reload.completed", testing::kEtcdBound);
  ASSERT_TRUE(initial);
  EXPECT_EQ(initial->at("data").at("config").at("database").at("max_conns"), 10);
  EXPECT_EQ(initial->at("data").at("sourceVersions").at(etcd.url("/app/")), "unavailable");
  auto down = testing::next_event(watch, "etcd.error", testing::kEtcdBound);
  ASSERT_TRUE(down);
  EXPECT_NE(down->at("data").at("error").get<std::string>().find("etcd at " + etcd.endpoint()), std::string::npos);

  ASSERT_TRUE(etcd.start());
  etcd.put("/app/database/max_conns", "50");
  std::optional<nlohmann::json> applied;
  while ((applied = testing::next_event(watch, "reload.completed", testing::kEtcdBound))) {
    // A reload that found nothing new (etcd's first, empty read) carries no config.
    const auto& data = applied->at("data");
    if (data.contains("config") && data.at("config").at("database").at("max_conns") == 50) break;
  }
  ASSERT_TRUE(applied);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(testing::kEtcdBound), 0);
}

TEST_F(CliEtcd, ValidateAndDiffReadEtcdLayers) {
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/database/max_conns", "60");
  etcd.put("/app/config.json", R"({"database": {"max_conns": 61}})");
  auto valid = run_command({cli_path(), "validate", "--print-config", defaults, etcd.url("/app/database/")});
  EXPECT_EQ(valid.exit_code, 0) << valid.err;
  valid = run_command({cli_path(), "validate", "--print-config", defaults, etcd.url("/app/config.json")});
  EXPECT_EQ(valid.exit_code, 0) << valid.err;
  EXPECT_EQ(nlohmann::json::parse(valid.out)["database"]["max_conns"], 61);

  auto sources = run_command({cli_path(), "validate", "--print-sources", defaults, etcd.url("/app/database/")});
  EXPECT_NE(sources.out.find("max_conns  " + etcd.url("/app/database/max_conns")), std::string::npos) << sources.out;

  auto diff = run_command({cli_path(), "diff", defaults, etcd.url("/app/config.json")});
  EXPECT_EQ(diff.exit_code, 1) << diff.err;
  EXPECT_NE(diff.out.find("database.max_conns: 10 -> 61"), std::string::npos) << diff.out;
}

TEST_F(CliEtcd, EtcdErrorsOnTheCommandLine) {
  // etcd is not running: validate says so and fails like an unreadable file.
  auto down = run_command({cli_path(), "validate", defaults, etcd.url("/app/")});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("etcd at " + etcd.endpoint()), std::string::npos) << down.err;

  auto bad_url = run_command({cli_path(), "validate", defaults, "etcd://127.0.0.1:0/app/"});
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_NE(bad_url.err.find("the port must be 1..65535"), std::string::npos) << bad_url.err;

  auto no_password = run_command({cli_path(), "validate", "--etcd-user", "root", defaults, etcd.url("/app/")});
  EXPECT_EQ(no_password.exit_code, 2);
  EXPECT_NE(no_password.err.find("--etcd-user needs a password"), std::string::npos) << no_password.err;

  auto half_tls = run_command({cli_path(), "validate", "--etcd-cert", "c.pem", defaults, etcd.url("/app/")});
  EXPECT_EQ(half_tls.exit_code, 2);
  EXPECT_NE(half_tls.err.find("--etcd-cert and --etcd-key go together"), std::string::npos) << half_tls.err;

  auto no_user = run_command({cli_path(), "validate", "--etcd-password-file", defaults, defaults, etcd.url("/app/")});
  EXPECT_EQ(no_user.exit_code, 2);
  EXPECT_NE(no_user.err.find("--etcd-password-file needs --etcd-user"), std::string::npos) << no_user.err;

  auto unreadable = run_command({cli_path(), "validate", "--etcd-user", "root", "--etcd-password-file",
                                 dir.file("missing"), defaults, etcd.url("/app/")});
  EXPECT_EQ(unreadable.exit_code, 2);
  EXPECT_NE(unreadable.err.find(dir.file("missing") + ": cannot read an etcd password"), std::string::npos) << unreadable.err;

  // Files only: the etcd options change nothing and need no etcd.
  auto files_only = run_command({cli_path(), "validate", "-q", "--etcd-user", "root", defaults});
  EXPECT_EQ(files_only.exit_code, 0) << files_only.err;

  auto diff_down = run_command({cli_path(), "diff", defaults, etcd.url("/app/config.yaml")});
  EXPECT_EQ(diff_down.exit_code, 2);
  EXPECT_NE(diff_down.err.find("etcd at " + etcd.endpoint()), std::string::npos) << diff_down.err;

  auto watch_bad = run_command({cli_path(), "watch", defaults, "etcd://nohost"});
  EXPECT_EQ(watch_bad.exit_code, 2);
}

// `hotreload watch` on a 3-member cluster: stopping the member it reads from changes nothing
// but an etcd.error event naming that member; later writes are applied.
TEST_F(CliEtcd, WatchOnSeveralMembersSurvivesTheMemberInUseStopping) {
  testing::EtcdCluster cluster;
  ASSERT_TRUE(cluster.start());
  const std::int64_t first = cluster.put("/app/database/max_conns", "20");
  const std::string url = cluster.url("/app/");  // members 0, 1, 2: the watch starts on member 0
  ChildProcess watch({cli_path(), "watch", "--debounce", "20", "--print-config", defaults, url}, dir.file("stderr"));
  auto initial = testing::next_event(watch, "reload.completed", testing::kEtcdBound);
  ASSERT_TRUE(initial);
  EXPECT_EQ(initial->at("data").at("config").at("database").at("max_conns"), 20);
  EXPECT_EQ(initial->at("data").at("sourceVersions").at(url), std::to_string(first));

  cluster.stop(0);
  const std::int64_t second = cluster.put("/app/database/max_conns", "30");
  const std::int64_t third = cluster.put("/app/log_level", "debug");
  bool reported = false;
  auto note_errors = [&](const std::string& line) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_discarded() || event.value("type", "") != "etcd.error") return;
    const std::string error = event.at("data").at("error");
    reported = reported || error.find("etcd at " + cluster.endpoint(0)) != std::string::npos;
  };
  std::optional<nlohmann::json> applied;
  while ((applied = testing::next_event(watch, "reload.completed", testing::kEtcdBound, note_errors))) {
    if (applied->at("data").at("sourceVersions").at(url) == std::to_string(third)) break;
  }
  ASSERT_TRUE(applied) << "the write at revision " << third << " was never applied";
  EXPECT_GT(third, second);
  EXPECT_EQ(applied->at("data").at("config").at("database").at("max_conns"), 30);
  EXPECT_EQ(applied->at("data").at("config").at("log_level"), "debug");
  EXPECT_TRUE(reported) << "no etcd.error event named " << cluster.endpoint(0);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(testing::kEtcdBound), 0);
}

// A bad list of members is a usage error naming the member, for every command and both kinds of layer.
TEST_F(CliEtcd, ABadMemberListIsAUsageErrorNamingTheMember) {
  const std::pair<std::string, std::string> cases[] = {
      {"etcd://127.0.0.1:1,,127.0.0.1:3/app/", "member 2 of the endpoint list is empty"},
      {"etcd://127.0.0.1:1,127.0.0.1:99999/app/config.yaml", "member 2 (\"127.0.0.1:99999\"): the port must be 1..65535"},
      {"etcd://127.0.0.1:1,127.0.0.1:2,127.0.0.1:1/app/", "member 3 (\"127.0.0.1:1\"): it repeats member 1 (127.0.0.1:1)"},
  };
  for (const auto& [url, why] : cases) {
    for (const char* command : {"validate", "diff", "watch"}) {
      auto refused = run_command({cli_path(), command, defaults, url});
      EXPECT_EQ(refused.exit_code, 2) << command << " " << url << "\n" << refused.err;
      EXPECT_NE(refused.err.find(why), std::string::npos) << command << " " << url << "\n" << refused.err;
    }
  }
}

// Members that are all down: validate names each of them.
TEST_F(CliEtcd, ValidateWithEveryMemberDownNamesEachMember) {
  EtcdServer second;
  const std::string url = "etcd://" + etcd.endpoint() + "," + second.endpoint() + "/app/";
  auto down = run_command({cli_path(), "validate", defaults, url});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("none of the 2 members answered"), std::string::npos) << down.err;
  EXPECT_NE(down.err.find("etcd at " + etcd.endpoint()), std::string::npos) << down.err;
  EXPECT_NE(down.err.find("etcd at " + second.endpoint()), std::string::npos) << down.err;
}

TEST_F(CliEtcd, ValidateAuthenticatesWithAPasswordFileOrTheEnvironment) {
  ASSERT_TRUE(etcd.start());
  ASSERT_TRUE(etcd.enable_auth("root", "pw-123"));
  etcd.put("/app/database/max_conns", "70");
  const std::string password = dir.write("password", "pw-123\n");
  auto valid = run_command({cli_path(), "validate", "--print-config", "--etcd-user", "root", "--etcd-password-file",
                            password, defaults, etcd.url("/app/")});
  EXPECT_EQ(valid.exit_code, 0) << valid.err;
  EXPECT_EQ(nlohmann::json::parse(valid.out)["database"]["max_conns"], 70);
  auto from_env = run_command({cli_path(), "validate", "-q", "--etcd-user", "root", defaults, etcd.url("/app/")},
                              {"HOTRELOAD_ETCD_PASSWORD=pw-123"});
  EXPECT_EQ(from_env.exit_code, 0) << from_env.err;
  auto wrong = run_command({cli_path(), "validate", "-q", "--etcd-user", "root", defaults, etcd.url("/app/")},
                           {"HOTRELOAD_ETCD_PASSWORD=nope"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.err.find("nope"), std::string::npos) << wrong.err;
}

TEST_F(CliEtcd, ExecSignalsTheCommandOnAnEtcdChange) {
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/database/max_conns", "80");
  const std::string out = dir.file("out");
  const std::string script = "trap 'echo got-hup >> " + out + "' HUP; echo ready >> " + out +
                             "; i=0; while [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done";
  ChildProcess exec({cli_path(), "exec", "--debounce", "0", "--config", defaults, "--config", etcd.url("/app/"), "--",
                     "/bin/sh", "-c", script},
                    dir.file("stderr"));
  const auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  ASSERT_TRUE(eventually([&] { return slurp(out).find("ready") != std::string::npos; })) << slurp(dir.file("stderr"));
  etcd.put("/app/database/max_conns", "81");
  EXPECT_TRUE(eventually([&] { return slurp(out).find("got-hup") != std::string::npos; })) << slurp(dir.file("stderr"));
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(testing::kEtcdBound), 128 + SIGTERM);
}

// Three watchers on one etcd converge on the same final state after a burst of 1,000 writes.
// The time is recorded (docs/PERFORMANCE.md), not asserted.
TEST_F(CliEtcd, ThreeWatchersConvergeAfterAThousandWrites) {
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/counter", "0");
  std::vector<std::unique_ptr<ChildProcess>> watchers;
  for (int i = 0; i < 3; ++i) {
    watchers.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{cli_path(), "watch", "--print-config", defaults, etcd.url("/app/")},
        dir.file("stderr" + std::to_string(i))));
  }
  for (auto& watcher : watchers) ASSERT_TRUE(testing::next_event(*watcher, "reload.completed", testing::kEtcdBound));

  const auto burst_start = std::chrono::steady_clock::now();
  std::int64_t last = 0;
  for (int i = 1; i <= 1000; ++i) last = etcd.put("/app/counter", std::to_string(i));
  const auto burst_end = std::chrono::steady_clock::now();

  std::vector<int> reloads(3, 0);
  std::vector<std::chrono::steady_clock::time_point> converged(3);
  for (std::size_t i = 0; i < watchers.size(); ++i) {
    while (true) {
      auto event = testing::next_event(*watchers[i], "reload.completed", 60s);
      ASSERT_TRUE(event) << "watcher " << i << " did not converge";
      ++reloads[i];
      if (event->at("data").at("config").at("counter") == 1000) {
        EXPECT_EQ(event->at("data").at("sourceVersions").at(etcd.url("/app/")), std::to_string(last));
        converged[i] = std::chrono::steady_clock::now();
        break;
      }
    }
  }
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  const auto slowest = *std::max_element(converged.begin(), converged.end());
  std::cout << "[ converge ] 1000 writes in " << ms(burst_end - burst_start) << " ms; all 3 watchers at the final state "
            << ms(slowest - burst_end) << " ms after the last write; reloads per watcher: " << reloads[0] << ", "
            << reloads[1] << ", " << reloads[2] << std::endl;
  RecordProperty("burst_ms", static_cast<int>(ms(burst_end - burst_start)));
  RecordProperty("converge_ms", static_cast<int>(ms(slowest - burst_end)));
  for (auto& watcher : watchers) {
    watcher->send_signal(SIGTERM);
    EXPECT_EQ(watcher->wait(testing::kEtcdBound), 0);
  }
}

}  // namespace
}  // namespace hotreload
