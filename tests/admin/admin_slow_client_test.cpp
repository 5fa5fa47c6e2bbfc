// The admin endpoint under slow clients (issue 18): idle and trickling connections do not keep
// /healthz from answering, on real sockets on 127.0.0.1.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "hotreload/admin.hpp"
#include "support/raw_http.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using std::chrono::milliseconds;
using testing::RawConnection;
using testing::status_of;

constexpr int kSlowClients = 50;
// The issue asks for "well under 100 ms"; the bound here is looser so that a loaded CI machine
// does not fail it. What it guards against took 1.7 s with 4 idle clients and 22.8 s with 50.
constexpr milliseconds kBound{1000};

class AdminSlowClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.layers.files = {{dir_.write("config.yaml", "a: 1\n")}};
    reloader_ = std::make_unique<Reloader<nlohmann::json>>(options_);
    ASSERT_TRUE(reloader_->start().has_value());
    server_ = std::make_unique<AdminServer>(AdminOptions{.token = "admin-token-0123456789"},
                                            admin_sources(*reloader_, options_.fields));
    ASSERT_TRUE(server_->start().has_value());
  }

  // The time a GET /healthz on a fresh connection takes to be answered, and its status.
  std::pair<milliseconds, int> healthz() const {
    const auto started = std::chrono::steady_clock::now();
    RawConnection c(server_->port());
    EXPECT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    auto response = c.read_until("\r\n\r\n", milliseconds(10000));
    auto elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    return {elapsed, response ? status_of(*response) : 0};
  }

  testing::TempDir dir_;
  ReloadOptions options_;
  std::unique_ptr<Reloader<nlohmann::json>> reloader_;
  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminSlowClientTest, HealthzAnswersPromptlyWithFiftyIdleConnectionsOpen) {
  std::vector<RawConnection> idle;
  for (int i = 0; i < kSlowClients; ++i) {
    idle.emplace_back(server_->port());
    ASSERT_TRUE(idle.back().connected());
  }
  auto [elapsed, status] = healthz();
  std::cout << "[ measured ] GET /healthz with " << kSlowClients << " idle connections: " << elapsed.count() << " ms\n";
  EXPECT_EQ(status, 200);
  EXPECT_LT(elapsed, kBound);
}

TEST_F(AdminSlowClientTest, HealthzAnswersPromptlyWithFiftyTricklingConnections) {
  std::vector<RawConnection> slow;
  for (int i = 0; i < kSlowClients; ++i) {
    slow.emplace_back(server_->port());
    ASSERT_TRUE(slow.back().connected());
    ASSERT_TRUE(slow.back().send("POST /reload HTTP/1.1\r\n"));
  }
  // Every connection sends one more header line every 100 ms until the measurement is done.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread trickle([&] {
    std::unique_lock lock(mu);
    for (int line = 0; !cv.wait_for(lock, milliseconds(100), [&] { return done; }); ++line) {
      for (RawConnection& c : slow) (void)c.send("X-Slow-" + std::to_string(line) + ": 1\r\n");
    }
  });
  std::vector<long long> measured;
  int worst_status = 200;
  for (int i = 0; i < 5; ++i) {  // spread over half a second of trickling
    auto [elapsed, status] = healthz();
    measured.push_back(elapsed.count());
    if (status != 200) worst_status = status;
    EXPECT_LT(elapsed, kBound);
    std::unique_lock lock(mu);
    cv.wait_for(lock, milliseconds(100), [&] { return done; });  // pace, not synchronise
  }
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  trickle.join();
  std::cout << "[ measured ] GET /healthz with " << kSlowClients << " trickling connections (ms):";
  for (long long ms : measured) std::cout << ' ' << ms;
  std::cout << '\n';
  EXPECT_EQ(worst_status, 200);
}

TEST_F(AdminSlowClientTest, FourSlowClientsDoNotStarveTheWorkers) {
  // The original failure: 4 workers, 4 connections that never finish their request.
  std::vector<RawConnection> slow;
  for (int i = 0; i < 4; ++i) {
    slow.emplace_back(server_->port());
    ASSERT_TRUE(slow.back().send("GET /healthz HTTP/1.1\r\n"));
  }
  for (int i = 0; i < 8; ++i) {
    auto [elapsed, status] = healthz();
    EXPECT_EQ(status, 200);
    EXPECT_LT(elapsed, kBound);
  }
}

}  // namespace
}  // namespace hotreload
