// `hotreload watch --admin ... --audit-log ...`: the admin endpoint and the audit log of the CLI.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <httplib.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "hotreload/audit.hpp"
#include "support/child_process.hpp"
#include "support/event_lines.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::cli_path;

constexpr auto kBound = 20s;  // a failure bound for awaited output, never a pace
constexpr const char* kSecret = "cli-s3cr3t-value";
constexpr const char* kToken = "cli-admin-token-42";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// The port from the "admin: listening on 127.0.0.1:PORT" line on the child's stderr. The line is
// written once the server accepts connections; this polls the file for it, within kBound.
int admin_port(const std::string& stderr_path) {
  const std::string marker = "admin: listening on 127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string err = read_file(stderr_path);
    if (auto at = err.find(marker); at != std::string::npos && err.find('\n', at) != std::string::npos) {
      return std::stoi(err.substr(at + marker.size()));
    }
    std::this_thread::sleep_for(5ms);
  }
  ADD_FAILURE() << "no admin line on stderr: " << read_file(stderr_path);
  return 0;
}

nlohmann::json next_event(ChildProcess& child, const std::string& type) {
  return testing::expect_event(child, type, kBound, [](const std::string& line) {
    EXPECT_EQ(line.find(kSecret), std::string::npos) << line;
  });
}

TEST(CliWatchAdmin, PostReloadAppliesTheChangeAndIsAudited) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", std::string("a: 1\npassword: ") + kSecret + "\n");
  auto token = dir.write("token", std::string(kToken) + "\n");
  ::chmod(token.c_str(), 0600);
  auto audit = dir.file("audit.jsonl");
  auto err = dir.file("stderr.txt");
  // Poll once an hour: only the HTTP request can apply the change within this test.
  ChildProcess watch({cli_path(), "watch", "--poll", "3600000", "--secret", "password", "--admin", "127.0.0.1:0",
                      "--admin-token-file", token, "--audit-log", audit, config},
                     err);
  ASSERT_EQ(next_event(watch, "reload.completed").at("data").at("trigger"), "initial");
  int port = admin_port(err);
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(20, 0);

  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  std::string content = std::string("a: 2\npassword: new-") + kSecret + "\n";
  std::string temp = dir.write("config.yaml.tmp", content);
  std::filesystem::rename(temp, config);

  auto refused = client.Post("/reload", "", "text/plain");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);

  auto res = client.Post("/reload", {{"Authorization", std::string("Bearer ") + kToken}}, "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body.find(kSecret), std::string::npos);
  auto outcome = nlohmann::json::parse(res->body);
  EXPECT_EQ(outcome.at("status"), "applied");
  EXPECT_EQ(outcome.at("changes").at(0), nlohmann::json::parse(R"({"path":"a","op":"modified","old":1,"new":2})"));
  EXPECT_EQ(outcome.at("changes").at(1).at("new"), "<redacted>");
  EXPECT_EQ(next_event(watch, "reload.completed").at("data").at("trigger"), "http");

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("hotreload_config_generation 2"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("hotreload_admin_unauthorized_total 1"), std::string::npos);
  auto shown = client.Get("/config");
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->body.find(kSecret), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(shown->body).at("config").at("a"), 2);

  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);

  std::string log = read_file(audit);
  EXPECT_EQ(log.find(kSecret), std::string::npos) << log;
  EXPECT_EQ(log.find(kToken), std::string::npos) << log;
  std::vector<nlohmann::json> records;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 3u) << log;  // the initial load, the refused request, the http reload
  EXPECT_EQ(records[0].at("trigger"), "initial");
  EXPECT_EQ(records[1].at("kind"), "admin.unauthorized");
  EXPECT_EQ(records[2].at("trigger"), "http");
  EXPECT_EQ(records[2].at("outcome"), "applied");
  EXPECT_EQ(records[2].at("who").get<std::string>().rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(records[2].at("files").at(0).at("sha256"), sha256_hex(content));
  EXPECT_EQ(read_file(err).find(kSecret), std::string::npos);
}

TEST(CliWatchAdmin, NonLoopbackAddressNeedsAllowRemote) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", "a: 1\n");
  auto token = dir.write("token", "t\n");
  auto result = testing::run_command({cli_path(), "watch", "--admin", "0.0.0.0:0", "--admin-token-file", token, config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--admin-allow-remote"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");  // refused before anything started
}

TEST(CliWatchAdmin, AdminWithoutATokenIsAUsageError) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", "a: 1\n");
  auto result = testing::run_command({cli_path(), "watch", "--admin", "127.0.0.1:0", config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("HOTRELOAD_ADMIN_TOKEN"), std::string::npos) << result.err;
}

TEST(CliWatchAdmin, UnreadableTokenFileIsAnError) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", "a: 1\n");
  auto result = testing::run_command(
      {cli_path(), "watch", "--admin", "127.0.0.1:0", "--admin-token-file", dir.file("absent"), config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(dir.file("absent")), std::string::npos) << result.err;
}

TEST(CliWatchAdmin, InvalidAdminAddressIsAnError) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", "a: 1\n");
  auto token = dir.write("token", "t\n");
  auto result = testing::run_command({cli_path(), "watch", "--admin", "127.0.0.1", "--admin-token-file", token, config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("HOST:PORT"), std::string::npos) << result.err;
}

TEST(CliWatchAdmin, UnopenableAuditLogIsAnError) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", "a: 1\n");
  auto audit = dir.file("missing-dir/audit.jsonl");
  auto result = testing::run_command({cli_path(), "watch", "--audit-log", audit, config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(audit), std::string::npos) << result.err;
}

TEST(CliWatchAdmin, TokenComesFromTheEnvironment) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", "a: 1\n");
  auto audit = dir.file("missing-dir/audit.jsonl");
  // The token is checked before the audit log is opened: with the token in the environment, the
  // audit log is the first complaint.
  auto result = testing::run_command({cli_path(), "watch", "--admin", "127.0.0.1:0", "--audit-log", audit, config},
                                     {"HOTRELOAD_ADMIN_TOKEN=from-env-0123456789"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.find("HOTRELOAD_ADMIN_TOKEN"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(audit), std::string::npos) << result.err;
}

TEST(CliWatchAdmin, TokenFileOthersCanReadIsRefused) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", "a: 1\n");
  auto token = dir.write("token", std::string(kToken) + "\n");
  ::chmod(token.c_str(), 0644);
  auto result = testing::run_command({cli_path(), "watch", "--admin", "127.0.0.1:0", "--admin-token-file", token, config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("the admin token file can be read by other users (mode 0644)"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(token), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(kToken), std::string::npos) << result.err;
}

TEST(CliWatchAdmin, TokenFileThatIsADeviceIsRefusedAtOnce) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", "a: 1\n");
  auto result =
      testing::run_command({cli_path(), "watch", "--admin", "127.0.0.1:0", "--admin-token-file", "/dev/zero", config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("must be a regular file, this is a character device"), std::string::npos) << result.err;
}

TEST(CliWatchAdmin, EnvironmentTokenWithASpaceIsRefused) {
  testing::TempDir dir;
  auto config = dir.write("config.yaml", "a: 1\n");
  auto result = testing::run_command({cli_path(), "watch", "--admin", "127.0.0.1:0", config},
                                     {"HOTRELOAD_ADMIN_TOKEN=0123456789abcdef 0123456789abcdef"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("HOTRELOAD_ADMIN_TOKEN: the admin token must be one line without spaces"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace hotreload
