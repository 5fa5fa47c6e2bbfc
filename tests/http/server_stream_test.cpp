// Event streams in the serving layer: long-lived responses fed by broadcast(), bounded in number
// and backlog, closed by stop(); ordinary requests beside them are unaffected.
#include "http/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "support/raw_http.hpp"

namespace hotreload::http {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;
using testing::status_of;

constexpr std::chrono::milliseconds kPatience{10000};  // a bound on waits that should end much sooner

Routes stream_routes(std::chrono::milliseconds keepalive_interval = 60s) {
  Routes routes;
  routes.setup = [](httplib::Server& s) {
    s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  };
  routes.stream = [keepalive_interval](const RequestHead& head) -> std::optional<StreamReply> {
    if (head.path() != "/events") return std::nullopt;
    return StreamReply{.headers = {{"Cache-Control", "no-cache"}},
                       .opening = ": hello\n\n",
                       .keepalive = ": ping\n\n",
                       .keepalive_interval = keepalive_interval};
  };
  return routes;
}

class HttpStreamTest : public ::testing::Test {
 protected:
  void start(Limits limits = {}, Routes routes = stream_routes()) {
    server_ = std::make_unique<Server>(limits, std::move(routes));
    auto started = server_->start("127.0.0.1", 0);
    ASSERT_TRUE(started.has_value()) << started.error().to_string();
  }

  // A stream whose opening has arrived: registered, so every later broadcast reaches it.
  RawConnection open_stream() const {
    RawConnection c(server_->port());
    EXPECT_TRUE(c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto opening = c.read_until(": hello\n\n", kPatience);
    EXPECT_TRUE(opening.has_value());
    if (opening) {
      EXPECT_EQ(status_of(*opening), 200);
      EXPECT_NE(opening->find("Content-Type: text/event-stream\r\n"), std::string::npos);
      EXPECT_NE(opening->find("Cache-Control: no-cache\r\n"), std::string::npos);
      EXPECT_EQ(opening->find("Content-Length"), std::string::npos);
    }
    return c;
  }

  // The serving thread counts a stream's end on its own turn: await it, bounded.
  bool streams_become(std::size_t count) const {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (server_->stream_count() != count) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  std::unique_ptr<Server> server_;
};

TEST_F(HttpStreamTest, BroadcastReachesEveryStreamInOrder) {
  start();
  RawConnection a = open_stream();
  RawConnection b = open_stream();
  EXPECT_EQ(server_->stream_count(), 2u);
  server_->broadcast("data: one\n\n");
  server_->broadcast("data: two\n\n");
  for (RawConnection* c : {&a, &b}) {
    auto received = c->read_until("data: two\n\n", kPatience);
    ASSERT_TRUE(received.has_value());
    EXPECT_LT(received->find("data: one"), received->find("data: two"));
  }
}

TEST_F(HttpStreamTest, OrdinaryRequestsAreServedBesideStreams) {
  start({.max_connections = 2});
  RawConnection a = open_stream();
  RawConnection b = open_stream();
  RawConnection c = open_stream();  // streams do not take the connection slots
  RawConnection plain(server_->port());
  ASSERT_TRUE(plain.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_of(plain.read_until_closed(kPatience).value_or("")), 200);
}

TEST_F(HttpStreamTest, StreamsOverTheLimitAre503) {
  start({.max_streams = 1});
  RawConnection first = open_stream();
  RawConnection second(server_->port());
  ASSERT_TRUE(second.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto refused = second.read_until_closed(kPatience);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(status_of(*refused), 503);
  EXPECT_NE(refused->find("too many event streams"), std::string::npos);
  first.close();
  ASSERT_TRUE(streams_become(0));
  RawConnection third = open_stream();
  EXPECT_EQ(server_->stream_count(), 1u);
}

TEST_F(HttpStreamTest, ClientThatLeavesEndsItsStream) {
  start();
  RawConnection c = open_stream();
  ASSERT_TRUE(c.send("ignored bytes"));  // what a stream client sends is discarded
  server_->broadcast("data: still here\n\n");
  EXPECT_TRUE(c.read_until("still here", kPatience).has_value());
  c.close();
  EXPECT_TRUE(streams_become(0));
}

TEST_F(HttpStreamTest, BacklogOverTheLimitClosesTheStream) {
  start({.max_stream_backlog = 1024});
  RawConnection c = open_stream();
  server_->broadcast(std::string(4096, 'x'));
  auto rest = c.read_until_closed(kPatience);
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(rest->find('x'), std::string::npos);
  EXPECT_TRUE(streams_become(0));
}

TEST_F(HttpStreamTest, KeepaliveIsSentWhenNothingElseIs) {
  start({}, stream_routes(1ms));
  RawConnection c = open_stream();
  EXPECT_TRUE(c.read_until(": ping\n\n", kPatience).has_value());
}

TEST_F(HttpStreamTest, StopClosesStreamsAndBroadcastAfterStopDoesNothing) {
  start();
  RawConnection c = open_stream();
  server_->stop();
  EXPECT_TRUE(c.read_until_closed(kPatience).has_value());
  EXPECT_EQ(server_->stream_count(), 0u);
  server_->broadcast("data: nobody\n\n");
  // And it serves streams again after a restart.
  ASSERT_TRUE(server_->start("127.0.0.1", 0).has_value());
  RawConnection again = open_stream();
  server_->broadcast("data: back\n\n");
  EXPECT_TRUE(again.read_until("data: back", kPatience).has_value());
}

}  // namespace
}  // namespace hotreload::http
