// The serving layer over real sockets on 127.0.0.1: limits, deadlines, early refusals.
#include "http/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <vector>

#include "support/raw_http.hpp"

namespace hotreload::http {
namespace {

using std::chrono::milliseconds;
using testing::RawConnection;
using testing::body_of;
using testing::status_of;

constexpr milliseconds kPatience{5000};  // a bound on waits that should end much sooner

// GET /healthz, POST /echo (answers the body's size), and a screen that refuses POST /guarded
// without an X-Key header.
Routes test_routes() {
  Routes routes;
  routes.screen = [](const RequestHead& head, const std::string&) -> std::optional<Reply> {
    if (head.path() == "/guarded" && head.header("X-Key").empty()) return error_reply(401, "no key");
    return std::nullopt;
  };
  routes.setup = [](httplib::Server& s) {
    s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    auto echo = [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(std::to_string(req.body.size()), "text/plain");
    };
    s.Post("/echo", echo);
    s.Post("/guarded", echo);
  };
  return routes;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(Limits limits = {}) {
    server_ = std::make_unique<Server>(limits, test_routes());
    auto started = server_->start("127.0.0.1", 0);
    ASSERT_TRUE(started.has_value()) << started.error().to_string();
  }

  RawConnection connect() const {
    RawConnection c(server_->port());
    EXPECT_TRUE(c.connected());
    return c;
  }

  // One request on a fresh connection; the raw response once the server closed.
  std::string exchange(std::string_view request) const {
    RawConnection c = connect();
    EXPECT_TRUE(c.send(request));
    return c.read_until_closed(kPatience).value_or("(no answer)");
  }

  std::unique_ptr<Server> server_;
};

TEST_F(HttpServerTest, AnswersAndClosesTheConnection) {
  start();
  std::string response = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(response), 200);
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  EXPECT_EQ(body_of(response), "ok");
}

TEST_F(HttpServerTest, PostWithoutBodyOrContentLengthReachesTheHandler) {
  start();
  std::string response = exchange("POST /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(response), 200);
  EXPECT_EQ(body_of(response), "0");
}

TEST_F(HttpServerTest, BodyOfContentLengthReachesTheHandler) {
  start();
  std::string body(40000, 'x');
  std::string response = exchange("POST /echo HTTP/1.1\r\nContent-Type: application/json\r\n"
                                  "Content-Length: 40000\r\n\r\n" + body);
  EXPECT_EQ(status_of(response), 200);
  EXPECT_EQ(body_of(response), "40000");
}

TEST_F(HttpServerTest, NegativeOrAbsurdContentLengthIs400AtOnce) {
  start();  // request_timeout 5 s: an answer after it would be the deadline's, not the check's
  for (const char* value : {"-1", "99999999999999999999"}) {
    RawConnection c = connect();
    const auto sent = std::chrono::steady_clock::now();
    ASSERT_TRUE(c.send(std::string("POST /echo HTTP/1.1\r\nContent-Length: ") + value + "\r\n\r\n"));
    auto response = c.read_until_closed(milliseconds(2000));
    ASSERT_TRUE(response.has_value()) << value;
    EXPECT_LT(std::chrono::steady_clock::now() - sent, milliseconds(2000));
    EXPECT_EQ(status_of(*response), 400);
    EXPECT_EQ(body_of(*response), std::string(R"({"error":"invalid Content-Length \")") + value + R"(\""})");
  }
}

TEST_F(HttpServerTest, ContentLengthOverTheLimitIs413BeforeTheBody) {
  start({.max_body = 1024});
  RawConnection c = connect();
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\n"));
  auto response = c.read_until_closed(milliseconds(2000));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(status_of(*response), 413);
  EXPECT_EQ(body_of(*response), R"({"error":"request body too large: at most 1024 bytes"})");
}

TEST_F(HttpServerTest, ScreenRefusesBeforeTheBodyArrives) {
  start({.max_body = 1024});
  for (const char* length : {"100", "1000000000000"}) {  // a body that never comes, one over the limit
    RawConnection c = connect();
    ASSERT_TRUE(c.send(std::string("POST /guarded HTTP/1.1\r\nContent-Length: ") + length + "\r\n\r\n"));
    auto response = c.read_until_closed(milliseconds(2000));
    ASSERT_TRUE(response.has_value()) << length;
    EXPECT_EQ(status_of(*response), 401) << length;
    EXPECT_EQ(body_of(*response), R"({"error":"no key"})");
  }
  EXPECT_EQ(status_of(exchange("POST /guarded HTTP/1.1\r\nX-Key: k\r\nContent-Length: 2\r\n\r\nab")), 200);
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
  start();
  RawConnection c = connect();
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = c.read_until("\r\n\r\n", kPatience);
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(*interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.send("hello"));
  auto response = c.read_until_closed(kPatience);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(status_of(*response), 200);
  EXPECT_EQ(body_of(*response), "5");
}

TEST_F(HttpServerTest, IncompleteRequestIs408AtTheDeadline) {
  start({.request_timeout = milliseconds(300)});
  RawConnection c = connect();
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  auto response = c.read_until_closed(kPatience);
  ASSERT_TRUE(response.has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - sent, milliseconds(250));
  EXPECT_EQ(status_of(*response), 408);
  EXPECT_EQ(body_of(*response), R"({"error":"the request did not arrive within 300 ms"})");
}

TEST_F(HttpServerTest, TricklingClientIsCutOffAtTheTotalDeadline) {
  start({.request_timeout = milliseconds(300)});
  RawConnection c = connect();
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\n"));
  // One header line every 20 ms, each well within any per-read timeout, until the server answers.
  int lines = 0;
  while (!c.readable_within(milliseconds(20)) && std::chrono::steady_clock::now() - started < kPatience) {
    ASSERT_TRUE(c.send("X-Line-" + std::to_string(lines++) + ": 1\r\n"));
  }
  auto response = c.read_until_closed(kPatience);
  ASSERT_TRUE(response.has_value());
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(status_of(*response), 408);
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(2000));
  EXPECT_GT(lines, 5);
}

TEST_F(HttpServerTest, IdleConnectionIsClosedWithoutAnAnswerAtTheDeadline) {
  start({.request_timeout = milliseconds(200)});
  RawConnection c = connect();
  auto response = c.read_until_closed(kPatience);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(*response, "");
}

TEST_F(HttpServerTest, ConnectionsOverTheCapAreRefusedWith503UntilOneCloses) {
  start({.max_connections = 4});
  std::vector<RawConnection> held;
  for (int i = 0; i < 4; ++i) held.push_back(connect());
  std::string refused = exchange("GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(refused), 503);
  EXPECT_NE(refused.find("Connection: close"), std::string::npos);
  EXPECT_EQ(body_of(refused), R"({"error":"too many connections: the server holds at most 4 at once"})");

  held.front().close();
  // The server notices the close on its next turn; ask until it has (each answer is immediate).
  int status = 0;
  const auto started = std::chrono::steady_clock::now();
  while (status != 200 && std::chrono::steady_clock::now() - started < kPatience) {
    status = status_of(exchange("GET /healthz HTTP/1.1\r\n\r\n"));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(HttpServerTest, StopClosesOpenConnectionsAndStartServesAgain) {
  start();
  RawConnection idle = connect();
  server_->stop();
  EXPECT_EQ(server_->port(), 0);
  EXPECT_TRUE(idle.read_until_closed(kPatience).has_value());
  ASSERT_TRUE(server_->start("127.0.0.1", 0).has_value());
  EXPECT_EQ(status_of(exchange("GET /healthz HTTP/1.1\r\n\r\n")), 200);
}

TEST_F(HttpServerTest, PortInUseIsAnIoErrorNamingIt) {
  start();
  Server second({}, test_routes());
  auto started = second.start("127.0.0.1", server_->port());
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, ErrorCode::io);
  EXPECT_EQ(started.error().message,
            "cannot listen on 127.0.0.1:" + std::to_string(server_->port()) + ": Address already in use");
}

}  // namespace
}  // namespace hotreload::http
