// `hotreload exec --webhook`: what is posted to the command's local listener.
#include <gtest/gtest.h>

#include <signal.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/exec_support.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::cli_path;
using testing::eventually;
using testing::Exec;
using testing::kIdle;
using testing::slurp;

constexpr auto kBound = testing::kExecBound;

// A real HTTP server in the test process receives what exec POSTs.
class WebhookServer {
 public:
  WebhookServer() {
    server_.Post("/reload", [this](const httplib::Request& request, httplib::Response& response) {
      {
        std::lock_guard lock(mutex_);
        bodies_.push_back(request.body);
        content_type_ = request.get_header_value("Content-Type");
      }
      received_.notify_all();
      response.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib 0.11 has no wait_until_ready(): is_running() turns true inside listen_after_bind().
    EXPECT_TRUE(eventually([&] { return server_.is_running(); }));
  }
  ~WebhookServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/reload"; }
  std::optional<std::string> next_body() {
    std::unique_lock lock(mutex_);
    if (!received_.wait_for(lock, kBound, [&] { return !bodies_.empty(); })) return std::nullopt;
    std::string body = bodies_.front();
    bodies_.erase(bodies_.begin());
    return body;
  }
  std::string content_type() {
    std::lock_guard lock(mutex_);
    return content_type_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable received_;
  std::vector<std::string> bodies_;  // guarded by mutex_
  std::string content_type_;         // guarded by mutex_
};

TEST(ExecWebhook, ReceivesTheChangeListInsteadOfASignal) {
  WebhookServer server;
  Exec t;
  // No HUP trap: a SIGHUP would kill the script and end exec.
  std::string plain = "echo ready >> " + t.out + "; " + kIdle;
  auto& exec = t.start({"--webhook", server.url(), "--secret", "password"}, plain);
  testing::replace_file(t.dir.file("config.yaml"), "a: 2\nserver:\n  port: 80\npassword: hunter2\n");
  auto body = server.next_body();
  ASSERT_TRUE(body.has_value()) << slurp(t.err);
  auto event = nlohmann::json::parse(*body);
  EXPECT_EQ(event.at("type"), "reload.completed");
  EXPECT_EQ(event.at("data").at("changes"), nlohmann::json::parse(R"([
    {"path": "a", "op": "modified", "old": 1, "new": 2},
    {"path": "password", "op": "added", "old": null, "new": "<redacted>"}])"));
  EXPECT_EQ(body->find("hunter2"), std::string::npos);
  EXPECT_EQ(server.content_type(), "application/cloudevents+json");
  EXPECT_TRUE(eventually([&] { return slurp(t.err).find("notified " + server.url()) != std::string::npos; }));
  EXPECT_FALSE(exec.wait(0ms).has_value());  // the command was not signalled
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(kBound), 128 + SIGTERM);
}

}  // namespace
}  // namespace hotreload
