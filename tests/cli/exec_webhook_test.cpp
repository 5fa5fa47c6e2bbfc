// `hotreload exec --webhook`: what is posted, what the URL may be, how failures read, and that a
// listener that never answers holds up neither signal forwarding nor noticing the command's exit.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/exec_support.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::count;
using testing::cli_path;
using testing::eventually;
using testing::Exec;
using testing::kIdle;
using testing::script;
using testing::slurp;

constexpr auto kBound = testing::kExecBound;
// What "at once" means for exec's main loop while a webhook hangs (it was 4-5 s, the webhook's
// timeout, before deliveries moved off the loop).
constexpr auto kPrompt = 2s;

// A real HTTP server in the test process receives what exec POSTs. With hold(), each request is
// recorded and then kept unanswered until release().
class WebhookServer {
 public:
  explicit WebhookServer(int status = 204) {
    server_.Post("/reload", [this, status](const httplib::Request& request, httplib::Response& response) {
      std::unique_lock lock(mutex_);
      bodies_.push_back(request.body);
      ++received_count_;
      content_type_ = request.get_header_value("Content-Type");
      changed_.notify_all();
      changed_.wait(lock, [&] { return !held_; });
      response.status = status;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib 0.11 has no wait_until_ready(): is_running() turns true inside listen_after_bind().
    EXPECT_TRUE(eventually([&] { return server_.is_running(); }));
  }
  ~WebhookServer() {
    release();
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/reload"; }
  std::optional<std::string> next_body() {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, kBound, [&] { return !bodies_.empty(); })) return std::nullopt;
    std::string body = bodies_.front();
    bodies_.erase(bodies_.begin());
    return body;
  }
  std::size_t received() {
    std::lock_guard lock(mutex_);
    return received_count_;
  }
  std::string content_type() {
    std::lock_guard lock(mutex_);
    return content_type_;
  }
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    changed_.notify_all();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> bodies_;  // guarded by mutex_
  std::size_t received_count_ = 0;   // guarded by mutex_
  std::string content_type_;         // guarded by mutex_
  bool held_ = false;                // guarded by mutex_
};

// A TCP listener on 127.0.0.1 that accepts connections and never answers (nor reads).
class SilentListener {
 public:
  SilentListener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), size), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() {
    for (int fd : accepted_) ::close(fd);
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/reload"; }
  // Accepts the next connection, awaited up to the bound; it stays open and unanswered.
  bool accept_one() {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(std::chrono::milliseconds(kBound).count())) != 1) return false;
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return false;
    accepted_.push_back(fd);
    return true;
  }

 private:
  int fd_;
  int port_ = 0;
  std::vector<int> accepted_;
};

// A port on 127.0.0.1 where nothing listens: bound, then closed.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Changes `a` alone: one change.
void change_a(const Exec& t, int value) {
  testing::replace_file(t.config, "a: " + std::to_string(value) + "\nserver:\n  port: 80\n");
}

long elapsed_ms(std::chrono::steady_clock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count());
}

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

TEST(ExecWebhook, SilentListenerDoesNotDelayForwardingSigterm) {
  SilentListener listener;
  Exec t;
  auto& exec = t.start({"--webhook", listener.url()}, script(t.out, 42));
  change_a(t, 2);
  ASSERT_TRUE(listener.accept_one()) << slurp(t.err);  // the POST is under way and will get no answer
  const auto sent = std::chrono::steady_clock::now();
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(kBound), 42) << slurp(t.err);
  const long took = elapsed_ms(sent);
  std::cout << "[ measured ] SIGTERM to exec -> CMD's TERM trap ran and exec exited: " << took
            << " ms, with a webhook POST unanswered\n";
  EXPECT_LT(took, std::chrono::milliseconds(kPrompt).count());
  EXPECT_NE(slurp(t.out).find("got-term"), std::string::npos);
  EXPECT_NE(slurp(t.err).find("webhook " + listener.url() + ": cancelled (exec is exiting)"), std::string::npos)
      << slurp(t.err);
}

TEST(ExecWebhook, SilentListenerDoesNotDelayNoticingTheCommandsExit) {
  SilentListener listener;
  Exec t;
  auto& exec = t.start({"--webhook", listener.url()}, script(t.out));
  change_a(t, 2);
  ASSERT_TRUE(listener.accept_one()) << slurp(t.err);
  const pid_t command = testing::logged_pid(slurp(t.out), "ready");
  ASSERT_GT(command, 0);
  const auto killed = std::chrono::steady_clock::now();
  ::kill(command, SIGKILL);
  EXPECT_EQ(exec.wait(kBound), 128 + SIGKILL) << slurp(t.err);
  const long took = elapsed_ms(killed);
  std::cout << "[ measured ] CMD killed -> exec exited: " << took << " ms, with a webhook POST unanswered\n";
  EXPECT_LT(took, std::chrono::milliseconds(kPrompt).count());
}

TEST(ExecWebhook, SilentListenerIsReportedAfterTheTimeout) {
  SilentListener listener;
  Exec t;
  t.start({"--webhook", listener.url()}, script(t.out));
  change_a(t, 2);
  ASSERT_TRUE(listener.accept_one()) << slurp(t.err);
  EXPECT_TRUE(eventually([&] {
    return slurp(t.err).find("1 change: webhook " + listener.url() + ": no answer in 5 s") != std::string::npos;
  })) << slurp(t.err);
}

TEST(ExecWebhook, RefusedConnectionIsReportedInWords) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/reload";
  Exec t;
  t.start({"--webhook", url}, script(t.out));
  change_a(t, 2);
  EXPECT_TRUE(eventually([&] {
    return slurp(t.err).find("1 change: webhook " + url + ": connection refused") != std::string::npos;
  })) << slurp(t.err);
}

TEST(ExecWebhook, ErrorStatusIsReportedAndTheNextChangeStillPosted) {
  WebhookServer server(500);
  Exec t;
  t.start({"--webhook", server.url()}, script(t.out));
  change_a(t, 2);
  EXPECT_TRUE(eventually([&] {
    return slurp(t.err).find("1 change: webhook " + server.url() + ": answered HTTP 500") != std::string::npos;
  })) << slurp(t.err);
  change_a(t, 3);
  EXPECT_TRUE(eventually([&] { return server.received() == 2; })) << slurp(t.err);
}

// While a POST is under way, only the newest waiting change is kept: a:3 is replaced by a:4.
TEST(ExecWebhook, OnlyTheNewestWaitingChangeIsPosted) {
  WebhookServer server;
  server.hold();
  Exec t;
  // --signal as well: each change's SIGHUP shows when exec has handled it.
  t.start({"--webhook", server.url(), "--signal", "HUP"}, script(t.out));
  change_a(t, 2);
  ASSERT_TRUE(server.next_body().has_value()) << slurp(t.err);  // a:2 is held, unanswered
  // Two SIGHUPs that arrive while the script sleeps run its trap once: await each.
  ASSERT_TRUE(eventually([&] { return t.hups() == 1; })) << slurp(t.err);
  change_a(t, 3);
  ASSERT_TRUE(eventually([&] { return t.hups() == 2; })) << slurp(t.err) << slurp(t.out);
  change_a(t, 4);
  EXPECT_TRUE(eventually([&] {
    return slurp(t.err).find("webhook " + server.url() + " busy: 1 change not posted, replaced by a newer change") !=
           std::string::npos;
  })) << slurp(t.err);
  server.release();
  auto newest = server.next_body();
  ASSERT_TRUE(newest.has_value()) << slurp(t.err);
  EXPECT_EQ(nlohmann::json::parse(*newest).at("data").at("changes"),
            nlohmann::json::parse(R"([{"path": "a", "op": "modified", "old": 3, "new": 4}])"));
  EXPECT_TRUE(eventually([&] { return count(slurp(t.err), "notified " + server.url()) == 2; })) << slurp(t.err);
  EXPECT_EQ(server.received(), 2u);
}

TEST(ExecWebhook, OnlyLoopbackUrlsAreAccepted) {
  testing::TempDir dir;
  std::string config = dir.write("config.yaml", "a: 1\n");
  auto run = [&](const std::string& url) {
    return testing::run_command({cli_path(), "exec", "--webhook", url, "--config", config, "--", "/bin/sh", "-c", "exit 7"});
  };
  for (std::string url : {"http://localhost:9/reload", "http://127.3.2.1/x", "http://[::1]:9/-/reload"}) {
    auto accepted = run(url);
    EXPECT_EQ(accepted.exit_code, 7) << url << ": " << accepted.err;
  }
  for (std::string host : {"example.com", "10.0.0.1", "::2"}) {
    std::string url = host.find(':') != std::string::npos ? "http://[" + host + "]:80/x" : "http://" + host + ":80/x";
    auto refused = run(url);
    EXPECT_EQ(refused.exit_code, 2) << url;
    EXPECT_NE(refused.err.find("\"" + url + "\": the webhook must be on this machine: a loopback host (127.0.0.1, "
                               "[::1] or localhost), not \"" + host + "\""),
              std::string::npos)
        << refused.err;
  }
  auto bad_port = run("http://127.0.0.1:0/x");
  EXPECT_EQ(bad_port.exit_code, 2);
  EXPECT_NE(bad_port.err.find("the port must be a number in 1..65535, not \"0\""), std::string::npos) << bad_port.err;
  auto bad_path = run("http://127.0.0.1:9/a b");
  EXPECT_EQ(bad_path.exit_code, 2);
  EXPECT_NE(bad_path.err.find("the path has a space or a control character"), std::string::npos) << bad_path.err;
  auto https = run("https://127.0.0.1/x");
  EXPECT_EQ(https.exit_code, 2);
  EXPECT_NE(https.err.find("is not an http://HOST[:PORT][/PATH] URL"), std::string::npos) << https.err;
}

}  // namespace
}  // namespace hotreload
