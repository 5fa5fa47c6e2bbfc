// The HTTP serving layer under the admin endpoint (and the OpenFeature endpoints to come).
//
// cpp-httplib alone serves each connection on a pool thread for the connection's whole life, so
// a few clients that connect and send nothing, or send a header line now and then, take every
// worker and the endpoint stops answering. Here one thread owns every socket: it accepts, reads
// each request without blocking until its head and body have arrived, writes the responses and
// enforces the limits below. Only a complete request reaches a worker, which hands it to
// cpp-httplib (parsing, routing, the handlers) as bytes in memory and gets the response back as
// bytes; a worker never waits for a client.
//
// One request per connection (responses say Connection: close), except event streams: a request
// Routes::stream accepts is answered at once with its head and kept open, and the serving thread
// writes whatever broadcast() is given to every open stream until the client leaves or stop().
// Refusals the layer makes itself carry a JSON body {"error": "..."}:
//   503  more than max_connections connections open (the new one is answered and closed)
//   408  the request's head and body did not all arrive within request_timeout of the accept
//        (a connection that sent nothing is closed without an answer)
//   400  a malformed request line or header, a Content-Length that is not a decimal number of at
//        most 19 digits (negative, overflowing) or two different ones; 411 Transfer-Encoding
//   413  a Content-Length over max_body, at once: the body is never read
//   414  a request target over max_target; 431 a head over max_head
//   503  a stream over max_streams (the stream's request is answered and closed)
// A stream client that leaves max_stream_backlog bytes unread, or reads nothing of what is
// pending for response_timeout, is closed: it reconnects and re-fetches, the server never waits.
// Thread safety: start() and stop() are idempotent and may be called from any thread; stop()
// (and the destructor) joins every thread. The screen runs on the serving thread, the handlers on
// the workers, several at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hotreload/result.hpp"
#include "http/request_head.hpp"

namespace httplib {
class Server;
}

namespace hotreload::http {

struct Limits {
  std::size_t max_connections = 128;                    // open at once, refusals aside
  std::chrono::milliseconds request_timeout{5000};      // accept -> whole request, head and body
  std::chrono::milliseconds response_timeout{5000};     // the whole response written
  std::size_t max_target = 4096;
  std::size_t max_head = 16 * 1024;
  std::size_t max_body = 64 * 1024;
  std::size_t workers = 4;
  std::size_t max_streams = 32;                         // event streams open at once, apart from max_connections
  std::size_t max_stream_backlog = 64 * 1024;           // bytes queued for one stream client
};

// An answer the layer writes itself; Content-Length and Connection: close are added.
struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::string content_type = "application/json";
};

// The start of a long-lived response (Server-Sent Events): the head, without Content-Length,
// and the first bytes of the body. `keepalive` is sent when nothing else was for
// `keepalive_interval`, so a client that is gone is noticed and proxies keep the stream open.
struct StreamReply {
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string content_type = "text/event-stream";
  std::string opening{};
  std::string keepalive{};  // empty (or a zero interval): none
  std::chrono::milliseconds keepalive_interval{15000};
};

struct Routes {
  // Called when a request's head has arrived, before its body is read: a reply answers the
  // request at once (authentication, so that a refused client cannot make the server read or
  // wait for its body). `peer` is "address:port". It runs on the serving thread: no blocking.
  std::function<std::optional<Reply>(const RequestHead& head, const std::string& peer)> screen{};
  // Registers the handlers on the cpp-httplib server that answers complete requests. A plain
  // handler gets the body in req.body, except that cpp-httplib parses an
  // application/x-www-form-urlencoded one into parameters and answers 413 over 8 KiB; a handler
  // registered with a ContentReader is spared that (it may leave the body unread).
  std::function<void(httplib::Server& server)> setup{};
  // Called after the screen let a request through, on the serving thread (no blocking): a
  // StreamReply makes the connection a stream; what the client sends afterwards is discarded.
  std::function<std::optional<StreamReply>(const RequestHead& head)> stream{};
};

class Server {
 public:
  Server(Limits limits, Routes routes);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0: an ephemeral one) and starts serving; connections made after it
  // returns are answered. Errors (io): the address cannot be resolved or bound.
  Result<void> start(const std::string& host, int port);
  void stop();
  int port() const;  // the bound port; 0 when stopped
  // Queues `bytes` for every stream open when the serving thread takes them (before any later
  // broadcast); returns at once. Thread-safe; nothing happens when stopped.
  void broadcast(std::string bytes);
  // Streams open now (refusals aside).
  std::size_t stream_count() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// "HTTP/1.1 <status> <reason>" with the headers, Content-Length, Connection: close and the body.
std::string format_reply(const Reply& reply);
// The body of a refusal: {"error": message}.
Reply error_reply(int status, const std::string& message);

}  // namespace hotreload::http
