// examples/service end to end: the real binary, real files, real HTTP on 127.0.0.1.
#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
constexpr auto kBound = 30s;  // a failure bound for awaited conditions, never a pace
constexpr const char* kSecret = "service-test-s3cret";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Polls `condition` until it holds or kBound passes.
bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

std::string config(const std::string& tail) {
  return "server:\n  port: 0\nadmin:\n  port: 0\napi_key: " + std::string(kSecret) + "\n" + tail;
}
const std::string kOpen =
    "feature_flags:\n  - name: greetings\n    enabled: true\n  - name: sparkles\n    enabled: false\n";

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(HOTRELOAD_SERVICE_PATH)) GTEST_SKIP() << "example_service not built (HOTRELOAD_EXAMPLES=OFF)";
  }
  // Writes a temp file and renames it over the config, as editors do.
  void replace(const std::string& text) {
    std::filesystem::rename(dir_.write("config.yaml.tmp", text), path_);
  }
  // GET /hello?user=ann as "STATUS BODY".
  std::string hello(int port) {
    httplib::Client client("127.0.0.1", port);
    auto response = client.Get("/hello?user=ann");
    return response ? std::to_string(response->status) + " " + response->body : "no response";
  }
  testing::TempDir dir_;
  std::string path_ = dir_.write("config.yaml", config("greeting: Hello\n" + kOpen));
  std::string err_ = dir_.file("stderr");
};

int port_from(const std::optional<std::string>& line, const std::string& prefix) {
  if (!line || line->rfind(prefix, 0) != 0) {
    ADD_FAILURE() << "expected \"" << prefix << "...\", got " << line.value_or("nothing");
    return 0;
  }
  return std::stoi(line->substr(prefix.size()));
}

TEST_F(ServiceTest, GreetingRateLimitFlagsAndLogLevelChangeLiveAndBadChangesAreRefused) {
  testing::ChildProcess service({HOTRELOAD_SERVICE_PATH, path_}, err_);
  const int port = port_from(service.read_line(kBound), "service: listening on http://127.0.0.1:");
  const int admin = port_from(service.read_line(kBound), "admin: listening on http://127.0.0.1:");
  ASSERT_NE(port, 0);
  ASSERT_NE(admin, 0);
  EXPECT_EQ(hello(port), "200 Hello, ann\n");

  replace(config("greeting: Hi\n" + kOpen));
  EXPECT_TRUE(eventually([&] { return hello(port) == "200 Hi, ann\n"; })) << hello(port);

  // The sparkles rollout at 100%: every user gets it.
  replace(config("greeting: Hi\nfeature_flags:\n  - name: greetings\n    enabled: true\n"
                 "  - name: sparkles\n    enabled: true\n    percentage: 100\n"));
  EXPECT_TRUE(eventually([&] { return hello(port) == "200 *** Hi, ann ***\n"; })) << hello(port);

  // The kill switch.
  replace(config("greeting: Hi\nfeature_flags:\n  - name: greetings\n    enabled: false\n"));
  EXPECT_TRUE(eventually([&] { return hello(port).rfind("503 ", 0) == 0; })) << hello(port);

  // A bucket of one that refills once in ~17 minutes: the second request is refused.
  replace(config("greeting: Hi\nlog_level: debug\nrate_limit:\n  requests_per_second: 0.001\n  burst: 1\n" + kOpen));
  EXPECT_TRUE(eventually([&] { return hello(port).rfind("429 ", 0) == 0; })) << hello(port);
  // log_level debug: each request is logged.
  EXPECT_TRUE(eventually([&] { return read_file(err_).find("GET /hello user=ann -> 429") != std::string::npos; }))
      << read_file(err_);

  // Refused: an invalid value (with its position), and a restart-only field. The old config serves.
  replace(config("greeting: Bad\nrate_limit:\n  burst: 0\n" + kOpen));
  EXPECT_TRUE(eventually([&] { return read_file(err_).find(path_ + ":8:10: rate_limit.burst: must be at least 1") != std::string::npos; }))
      << read_file(err_);
  replace("server:\n  port: 1\nadmin:\n  port: 0\ngreeting: Bad\n" + kOpen);
  EXPECT_TRUE(eventually([&] { return read_file(err_).find("server.port") != std::string::npos; })) << read_file(err_);
  EXPECT_EQ(hello(port).rfind("429 ", 0), 0u);

  // The admin endpoint: the redacted config, the flags, metrics, and POST /reload behind the token.
  httplib::Client client("127.0.0.1", admin);
  auto live = client.Get("/config");
  ASSERT_TRUE(live);
  auto live_json = nlohmann::json::parse(live->body);
  EXPECT_EQ(live_json.at("config").at("greeting"), "Hi");
  EXPECT_EQ(live_json.at("config").at("api_key"), "<redacted>");
  auto unauthorized = client.Post("/reload");
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);
  std::string token = read_file(dir_.file("admin.token"));
  token.pop_back();  // the newline
  auto authorized = client.Post("/reload", {{"Authorization", "Bearer " + token}}, "", "text/plain");
  ASSERT_TRUE(authorized);
  EXPECT_EQ(authorized->status, 422);  // the file on disk is still the refused one
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("flag=\"greetings\""), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("hotreload_reload_failures_total"), std::string::npos);
  EXPECT_EQ((std::filesystem::status(dir_.file("admin.token")).permissions() & std::filesystem::perms::others_read),
            std::filesystem::perms::none);

  service.send_signal(SIGTERM);
  EXPECT_EQ(service.wait(kBound), 0);
  // The secret never reached a log line, a response, or the metrics.
  EXPECT_EQ(read_file(err_).find(kSecret), std::string::npos) << read_file(err_);
  EXPECT_EQ(live->body.find(kSecret), std::string::npos);
  EXPECT_EQ(authorized->body.find(kSecret), std::string::npos);
  EXPECT_EQ(metrics->body.find(kSecret), std::string::npos);
}

TEST_F(ServiceTest, AnInvalidConfigAtStartExitsOneWithItsPosition) {
  replace(config("rate_limit:\n  burst: 0\n"));
  testing::ChildProcess service({HOTRELOAD_SERVICE_PATH, path_}, err_);
  EXPECT_EQ(service.wait(kBound), 1);
  EXPECT_NE(read_file(err_).find(path_ + ":7:10: rate_limit.burst: must be at least 1"), std::string::npos)
      << read_file(err_);
}

}  // namespace
}  // namespace hotreload
