// The CLI with HTTP(S) layers: `validate`, `diff`, `watch` and `exec` take http:// URLs wherever
// they take a file, against a real server on 127.0.0.1.
#include <gtest/gtest.h>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "support/config_server.hpp"
#include "support/event_lines.hpp"
#include "support/exec_support.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::cli_path;
using testing::ConfigServer;
using testing::eventually;
using testing::run_command;
using testing::slurp;

constexpr auto kBound = testing::kExecBound;

// The next printed event of `type`, skipping others.
std::optional<nlohmann::json> next_event(ChildProcess& child, const std::string& type) {
  return testing::next_event(child, type, kBound);
}

class CliHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    defaults = dir.write("defaults.yaml", "log_level: info\ndatabase:\n  max_conns: 10\n");
    server.serve("database:\n  max_conns: 20\n", "\"v1\"");
  }
  testing::TempDir dir;
  std::string defaults;
  ConfigServer server;
};

TEST_F(CliHttp, ValidateAndDiffReadHttpLayers) {
  auto valid = run_command({cli_path(), "validate", "--print-config", defaults, server.url("/app.yaml")});
  ASSERT_EQ(valid.exit_code, 0) << valid.err;
  EXPECT_EQ(nlohmann::json::parse(valid.out)["database"]["max_conns"], 20);

  const std::string old_file = dir.write("old.yaml", "database:\n  max_conns: 19\n");
  auto diff = run_command({cli_path(), "diff", "--json", old_file, server.url("/app.yaml")});
  EXPECT_EQ(diff.exit_code, 1) << diff.err;  // differences found
  EXPECT_NE(diff.out.find("database.max_conns"), std::string::npos) << diff.out;
}

TEST_F(CliHttp, ValidateFailsWhenTheServerCannotServe) {
  server.fail_with(503);
  auto failed = run_command({cli_path(), "validate", defaults, server.url("/app.yaml")});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("HTTP 503"), std::string::npos) << failed.err;

  server.serve("database: [\n", "\"bad\"");
  failed = run_command({cli_path(), "validate", defaults, server.url("/app.yaml")});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find(server.url("/app.yaml") + ":1:"), std::string::npos) << failed.err;
}

TEST_F(CliHttp, BadHttpOptionsAreUsageErrors) {
  auto bad_url = run_command({cli_path(), "validate", "http://127.0.0.1:0/app.yaml"});
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_NE(bad_url.err.find("bad port"), std::string::npos) << bad_url.err;
  auto bad_header = run_command({cli_path(), "validate", "--http-header", "no-colon", server.url("/app.yaml")});
  EXPECT_EQ(bad_header.exit_code, 2);
  EXPECT_NE(bad_header.err.find("'Name: value'"), std::string::npos) << bad_header.err;
}

TEST_F(CliHttp, ValidateSendsTheBearerTokenAndHeaders) {
  const std::string token = dir.write("token", "a-long-enough-token\n");
  server.require_token("a-long-enough-token");
  auto refused = run_command({cli_path(), "validate", server.url("/app.yaml")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("HTTP 401"), std::string::npos) << refused.err;
  auto valid = run_command({cli_path(), "validate", "--http-token-file", token, "--http-header", "X-Env: prod",
                            server.url("/app.yaml")});
  EXPECT_EQ(valid.exit_code, 0) << valid.err;
  EXPECT_EQ(server.last_header("X-Env"), "prod");
}

TEST_F(CliHttp, WatchReloadsOnAnEtagChangeAndReportsFaults) {
  ChildProcess watch({cli_path(), "watch", "--http-interval", "20", "--print-config", defaults, server.url("/app.yaml")},
                     dir.file("stderr"));
  auto initial = next_event(watch, "reload.completed");
  ASSERT_TRUE(initial);
  EXPECT_EQ(initial->at("data").at("config").at("database").at("max_conns"), 20);
  EXPECT_EQ(initial->at("data").at("sourceVersions").at(server.url("/app.yaml")), "\"v1\"");

  server.serve("database:\n  max_conns: 30\n", "\"v2\"");
  auto changed = next_event(watch, "reload.completed");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->at("data").at("trigger"), "url");
  EXPECT_EQ(changed->at("data").at("changes"),
            nlohmann::json::parse(R"([{"path":"database.max_conns","op":"modified","old":20,"new":30}])"));

  server.fail_with(500);
  auto error = next_event(watch, "url.error");
  ASSERT_TRUE(error);
  EXPECT_NE(error->at("data").at("error").get<std::string>().find("HTTP 500"), std::string::npos) << *error;

  server.serve("database:\n  max_conns: 31\n", "\"v3\"");
  auto recovered = next_event(watch, "reload.completed");
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->at("data").at("config").at("database").at("max_conns"), 31);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

TEST_F(CliHttp, ExecSignalsTheCommandWhenTheDocumentChanges) {
  testing::Exec t;
  t.start({"--config", server.url("/app.yaml"), "--http-interval", "20"}, testing::script(t.out));
  server.serve("database:\n  max_conns: 40\n", "\"v4\"");
  EXPECT_TRUE(eventually([&] { return t.hups() == 1; })) << slurp(t.err);
  server.fail_with(503);
  EXPECT_TRUE(eventually([&] { return slurp(t.err).find("url: ") != std::string::npos; })) << slurp(t.err);
  EXPECT_NE(slurp(t.err).find("HTTP 503"), std::string::npos) << slurp(t.err);
  EXPECT_EQ(t.hups(), 1u);
}

}  // namespace
}  // namespace hotreload
