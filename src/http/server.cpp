// The serving thread (sockets, deadlines, limits) and the workers (cpp-httplib over whole requests).
#include "http/server.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

namespace hotreload::http {
namespace {

using Clock = std::chrono::steady_clock;

// After a response, the client's unread bytes are drained this long before the socket closes: a
// close with unread input sends a reset, which can destroy the response before the client reads it.
constexpr std::chrono::milliseconds kLinger{1000};
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::chrono::milliseconds kAcceptPause{100};
// A stream without keepalive has no deadline; the loop still looks at it now and then.
constexpr std::chrono::milliseconds kIdleStreamCheck{60'000};

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 422: return "Unprocessable Entity";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

struct Endpoint {
  std::string address;
  int port = 0;
};

Endpoint endpoint_of(const sockaddr_storage& storage) {
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(storage);
    ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    return {text, ntohs(in.sin_port)};
  }
  if (storage.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(storage);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    return {text, ntohs(in6.sin6_port)};
  }
  return {};
}

Endpoint local_endpoint(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return {};
  return endpoint_of(storage);
}

// A whole request in memory on one side, the response collected on the other: what cpp-httplib
// reads and writes when a worker runs it.
class MemoryStream final : public httplib::Stream {
 public:
  MemoryStream(const std::string& request, Endpoint peer, Endpoint local)
      : request_(request), peer_(std::move(peer)), local_(std::move(local)) {}

  bool is_readable() const override { return offset_ < request_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    std::size_t n = std::min(size, request_.size() - offset_);
    std::memcpy(ptr, request_.data() + offset_, n);
    offset_ += n;
    return static_cast<ssize_t>(n);  // 0 at the end: a body without a length ends here
  }
  ssize_t write(const char* ptr, size_t size) override {
    response_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.address;
    port = peer_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_.address;
    port = local_.port;
  }
  // There is no socket behind the stream; -1 also keeps cpp-httplib's FD_SETSIZE check quiet.
  socket_t socket() const override { return INVALID_SOCKET; }

  std::string take_response() { return std::move(response_); }

 private:
  const std::string& request_;
  std::size_t offset_ = 0;
  Endpoint peer_;
  Endpoint local_;
  std::string response_;
};

// cpp-httplib's request processing (parse, route, handle, write) without its sockets.
class Processor final : public httplib::Server {
 public:
  std::string handle(const std::string& request, Endpoint peer, Endpoint local) {
    MemoryStream stream(request, std::move(peer), std::move(local));
    bool connection_closed = false;
    process_request(stream, /*close_connection=*/true, connection_closed, {});
    return stream.take_response();
  }
};

enum class Phase {
  reading,   // the request is arriving; POLLIN until it is whole or the deadline
  handling,  // a worker has it; nothing to wait for on the socket
  writing,   // the response is going out; POLLOUT
  lingering,  // the response is written and the write side shut: draining until EOF or the deadline
  streaming   // an event stream: written to as broadcasts come, input discarded, until EOF or stop
};

struct Connection {
  int fd = -1;
  Endpoint peer;
  Endpoint local;
  bool refusal = false;  // accepted over the cap only to be told so; not counted
  Phase phase = Phase::reading;
  Clock::time_point deadline;
  std::string in;
  std::optional<RequestHead> head;
  std::string out;
  std::size_t written = 0;
  std::string keepalive;  // streams: sent after keepalive_interval without other output
  std::chrono::milliseconds keepalive_interval{0};
};

struct Job {
  std::uint64_t id = 0;
  std::string request;
  Endpoint peer;
  Endpoint local;
};

struct Done {
  std::uint64_t id = 0;
  std::string response;
};

}  // namespace

std::string format_reply(const Reply& reply) {
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason_phrase(reply.status) + "\r\n";
  for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
  if (!reply.content_type.empty()) out += "Content-Type: " + reply.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
  out += reply.body;
  return out;
}

Reply error_reply(int status, const std::string& message) {
  nlohmann::ordered_json body{{"error", message}};
  return Reply{status, {}, body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)};
}

struct Server::State {
  Limits limits;
  Routes routes;
  Processor processor;  // configured once by routes.setup; process_request is safe from several threads

  std::mutex lifecycle_mu;  // serialises start() and stop()
  std::thread loop;         // guarded by lifecycle_mu
  std::vector<std::thread> workers;  // guarded by lifecycle_mu
  std::atomic<int> port{0};
  int listen_fd = -1;  // owned by the loop while it runs
  int wake_fd = -1;    // eventfd: stop, a response or a broadcast is ready; set and closed under broadcasts_mu
  std::atomic<bool> stopping{false};

  std::mutex jobs_mu;
  std::condition_variable jobs_cv;
  std::deque<Job> jobs;     // guarded by jobs_mu
  bool jobs_closed = false;  // guarded by jobs_mu
  std::mutex done_mu;
  std::vector<Done> done;   // guarded by done_mu
  std::mutex broadcasts_mu;
  std::vector<std::string> broadcasts;  // guarded by broadcasts_mu; taken by the serving thread
  std::atomic<std::size_t> open_streams{0};  // written by the serving thread, read by anyone

  // The serving thread's own state.
  std::map<std::uint64_t, Connection> connections;
  std::uint64_t next_id = 0;
  std::size_t counted = 0;  // connections that are neither refusals nor streams
  std::size_t streams = 0;
  std::optional<Clock::time_point> accept_paused_until;  // after running out of descriptors

  State(Limits l, Routes r) : limits(l), routes(std::move(r)) {
    processor.set_payload_max_length(limits.max_body);
    if (routes.setup) routes.setup(processor);
  }

  void wake() const {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd, &one, sizeof(one));
  }

  // ---- workers ----

  void work() {
    while (true) {
      Job job;
      {
        std::unique_lock lock(jobs_mu);
        jobs_cv.wait(lock, [&] { return jobs_closed || !jobs.empty(); });
        if (jobs_closed) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      std::string response;
      try {
        response = processor.handle(job.request, std::move(job.peer), std::move(job.local));
      } catch (...) {
        response.clear();
      }
      if (response.empty()) response = format_reply(error_reply(500, "internal error"));
      {
        std::lock_guard lock(done_mu);
        done.push_back({job.id, std::move(response)});
      }
      wake();
    }
  }

  // ---- the serving thread ----

  void serve() {
    std::vector<pollfd> fds;
    std::vector<std::uint64_t> ids;
    while (!stopping.load()) {
      fds.clear();
      ids.clear();
      fds.push_back({wake_fd, POLLIN, 0});
      std::optional<Clock::time_point> next_deadline;
      if (accept_paused_until && *accept_paused_until <= Clock::now()) accept_paused_until.reset();
      // While paused the listening socket is left out (-1 is skipped by poll()).
      fds.push_back({accept_paused_until ? -1 : listen_fd, POLLIN, 0});
      if (accept_paused_until) next_deadline = accept_paused_until;
      for (auto& [id, c] : connections) {
        if (c.phase == Phase::handling) continue;
        short events = c.phase == Phase::writing ? POLLOUT : POLLIN;
        if (c.phase == Phase::streaming && c.written < c.out.size()) events |= POLLOUT;
        fds.push_back({c.fd, events, 0});
        ids.push_back(id);
        if (!next_deadline || c.deadline < *next_deadline) next_deadline = c.deadline;
      }
      int timeout = -1;
      if (next_deadline) {
        auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next_deadline - Clock::now()).count();
        timeout = static_cast<int>(std::clamp<long long>(wait, 0, 60'000));
      }
      int ready = ::poll(fds.data(), fds.size(), timeout);
      if (ready < 0 && errno != EINTR) break;
      if (fds[0].revents != 0) collect_responses();
      if (fds[1].revents != 0) accept_connections();
      for (std::size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        auto it = connections.find(ids[i - 2]);
        if (it != connections.end() && it->second.fd >= 0) on_ready(it->first, it->second, fds[i].revents);
      }
      expire(Clock::now());
      const std::size_t erased = std::erase_if(connections, [&](const auto& entry) {
        if (entry.second.fd >= 0) return false;
        if (entry.second.phase == Phase::streaming) {
          --streams;
        } else if (!entry.second.refusal) {
          --counted;
        }
        return true;
      });
      open_streams.store(streams, std::memory_order_relaxed);
      if (erased > 0) accept_paused_until.reset();
    }
    for (auto& [id, c] : connections) close_connection(c);
    connections.clear();
    counted = 0;
    streams = 0;
    open_streams.store(0, std::memory_order_relaxed);
  }

  void close_connection(Connection& c) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;  // erased at the end of the loop's turn
  }

  void collect_responses() {
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t n = ::read(wake_fd, &count, sizeof(count));
    std::vector<Done> ready;
    {
      std::lock_guard lock(done_mu);
      ready.swap(done);
    }
    for (Done& d : ready) {
      auto it = connections.find(d.id);
      if (it == connections.end() || it->second.fd < 0) continue;
      respond(it->second, std::move(d.response));
    }
    std::vector<std::string> messages;
    {
      std::lock_guard lock(broadcasts_mu);
      messages.swap(broadcasts);
    }
    if (messages.empty()) return;
    for (auto& [id, c] : connections) {
      if (c.fd < 0 || c.phase != Phase::streaming) continue;
      for (const std::string& message : messages) {
        queue_on_stream(c, message);
        if (c.fd < 0) break;
      }
      if (c.fd >= 0) write_stream(c);
    }
  }

  void accept_connections() {
    while (true) {
      sockaddr_storage storage{};
      socklen_t length = sizeof(storage);
      int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&storage), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        // Out of descriptors: the pending connection stays readable, so polling for it again at
        // once would spin. Wait for a connection to close, or a little while.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          accept_paused_until = Clock::now() + kAcceptPause;
        }
        return;
      }
      Connection c;
      c.fd = fd;
      c.peer = endpoint_of(storage);
      const bool full = counted >= limits.max_connections;
      if (full && connections.size() - counted >= limits.max_connections) {
        ::close(fd);  // refusing that many already: no answer at all
        continue;
      }
      const std::uint64_t id = ++next_id;
      auto& placed = connections.emplace(id, std::move(c)).first->second;
      if (full) {
        placed.refusal = true;
        respond(placed, format_reply(error_reply(
                            503, "too many connections: the server holds at most " +
                                     std::to_string(limits.max_connections) + " at once")));
        continue;
      }
      ++counted;
      placed.local = local_endpoint(fd);
      placed.deadline = Clock::now() + limits.request_timeout;
    }
  }

  void on_ready(std::uint64_t id, Connection& c, short revents) {
    switch (c.phase) {
      case Phase::reading: return read_request(id, c);
      case Phase::writing: return write_response(c);
      case Phase::lingering: return drain(c);
      case Phase::handling: return;
      case Phase::streaming:
        if ((revents & POLLOUT) != 0) write_stream(c);
        if (c.fd >= 0 && (revents & ~POLLOUT) != 0) discard_input(c);
        return;
    }
  }

  void read_request(std::uint64_t id, Connection& c) {
    char buffer[kReadChunk];
    while (c.phase == Phase::reading) {
      std::size_t want = kReadChunk;
      if (c.head) want = std::min(want, c.head->size + c.head->content_length - c.in.size());
      ssize_t n = ::recv(c.fd, buffer, want, 0);
      if (n == 0) return close_connection(c);  // the client left before its request was whole
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        return close_connection(c);
      }
      c.in.append(buffer, static_cast<std::size_t>(n));
      if (!c.head && !read_head(c)) return;
      if (c.head && c.in.size() >= c.head->size + c.head->content_length) return dispatch(id, c);
    }
  }

  // False when the head is incomplete or was answered.
  bool read_head(Connection& c) {
    auto parsed = parse_head(c.in, {.max_target = limits.max_target, .max_head = limits.max_head});
    if (!parsed) return false;
    if (auto* error = std::get_if<HeadError>(&*parsed)) {
      respond(c, format_reply(error_reply(error->status, error->message)));
      return false;
    }
    RequestHead& head = std::get<RequestHead>(*parsed);
    if (routes.screen) {
      if (auto reply = routes.screen(head, c.peer.address + ":" + std::to_string(c.peer.port))) {
        respond(c, format_reply(*reply));
        return false;
      }
    }
    if (routes.stream) {
      if (auto stream = routes.stream(head)) {
        start_stream(c, std::move(*stream));
        return false;
      }
    }
    if (head.content_length > limits.max_body) {
      respond(c, format_reply(error_reply(413, "request body too large: at most " + std::to_string(limits.max_body) +
                                                   " bytes")));
      return false;
    }
    const bool body_pending = c.in.size() < head.size + head.content_length;
    if (body_pending && head.expects_continue()) {
      // A fresh socket's send buffer takes these few bytes; if not, the client sends after its own wait.
      constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      [[maybe_unused]] ssize_t n = ::send(c.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL);
    }
    c.head = std::move(head);
    return true;
  }

  void dispatch(std::uint64_t id, Connection& c) {
    // cpp-httplib gets the request as if whole from the start: Expect was answered here already.
    Job job{id, c.head->serialize({"Expect"}), c.peer, c.local};
    job.request.append(c.in, c.head->size, c.head->content_length);
    c.in.clear();
    c.in.shrink_to_fit();
    c.phase = Phase::handling;
    {
      std::lock_guard lock(jobs_mu);
      jobs.push_back(std::move(job));
    }
    jobs_cv.notify_one();
  }

  void respond(Connection& c, std::string response) {
    c.out = std::move(response);
    c.written = 0;
    c.phase = Phase::writing;
    c.deadline = Clock::now() + limits.response_timeout;
    write_response(c);
  }

  void write_response(Connection& c) {
    while (c.written < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        return close_connection(c);
      }
      c.written += static_cast<std::size_t>(n);
    }
    ::shutdown(c.fd, SHUT_WR);
    c.out.clear();
    c.phase = Phase::lingering;
    c.deadline = Clock::now() + kLinger;
  }

  void start_stream(Connection& c, StreamReply stream) {
    if (streams >= limits.max_streams) {
      respond(c, format_reply(error_reply(503, "too many event streams: the server holds at most " +
                                                   std::to_string(limits.max_streams) + " at once")));
      return;
    }
    --counted;
    ++streams;
    open_streams.store(streams, std::memory_order_relaxed);
    c.phase = Phase::streaming;
    c.in.clear();
    c.in.shrink_to_fit();
    c.keepalive = std::move(stream.keepalive);
    c.keepalive_interval = stream.keepalive_interval;
    c.out = format_stream_head(stream);
    c.written = 0;
    c.deadline = Clock::now() + limits.response_timeout;
    write_stream(c);
  }

  static std::string format_stream_head(const StreamReply& stream) {
    std::string out = "HTTP/1.1 200 OK\r\n";
    for (const auto& [name, value] : stream.headers) out += name + ": " + value + "\r\n";
    if (!stream.content_type.empty()) out += "Content-Type: " + stream.content_type + "\r\n";
    // No Content-Length: the body ends when the connection does.
    out += "Connection: close\r\n\r\n";
    out += stream.opening;
    return out;
  }

  // Appends to what the stream client has still to read; one that lets too much pile up is closed.
  void queue_on_stream(Connection& c, std::string_view bytes) {
    if (c.written == c.out.size()) {
      c.out.clear();
      c.written = 0;
      c.deadline = Clock::now() + limits.response_timeout;  // from now, the client must read
    }
    if (c.out.size() - c.written + bytes.size() > limits.max_stream_backlog) return close_connection(c);
    c.out.append(bytes);
  }

  void write_stream(Connection& c) {
    while (c.written < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        return close_connection(c);
      }
      c.written += static_cast<std::size_t>(n);
    }
    c.out.clear();
    c.written = 0;
    c.deadline = Clock::now() + (keeps_alive(c) ? c.keepalive_interval : kIdleStreamCheck);
  }

  static bool keeps_alive(const Connection& c) { return !c.keepalive.empty() && c.keepalive_interval.count() > 0; }

  // A stream's client has nothing to say: its bytes are dropped, its EOF ends the stream.
  void discard_input(Connection& c) {
    char buffer[kReadChunk];
    while (true) {
      ssize_t n = ::recv(c.fd, buffer, sizeof(buffer), 0);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
      return close_connection(c);
    }
  }

  void drain(Connection& c) {
    char buffer[kReadChunk];
    while (true) {
      ssize_t n = ::recv(c.fd, buffer, sizeof(buffer), 0);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
      return close_connection(c);
    }
  }

  void expire(Clock::time_point now) {
    for (auto& [id, c] : connections) {
      if (c.fd < 0 || c.phase == Phase::handling || c.deadline > now) continue;
      if (c.phase == Phase::streaming) {
        if (c.written < c.out.size()) {
          close_connection(c);  // a client that stopped reading
        } else if (!keeps_alive(c)) {
          c.deadline = now + kIdleStreamCheck;
        } else {
          queue_on_stream(c, c.keepalive);
          write_stream(c);
        }
        continue;
      }
      if (c.phase == Phase::reading && !c.in.empty()) {
        respond(c, format_reply(error_reply(408, "the request did not arrive within " +
                                                     std::to_string(limits.request_timeout.count()) + " ms")));
      } else {
        close_connection(c);  // an idle connection, a client not reading its response, or done lingering
      }
    }
  }
};

Server::Server(Limits limits, Routes routes) : state_(std::make_unique<State>(limits, std::move(routes))) {}

Server::~Server() { stop(); }

Result<void> Server::start(const std::string& host, int port) {
  State& s = *state_;
  std::lock_guard lock(s.lifecycle_mu);
  if (s.loop.joinable()) return {};
  auto failure = [&](const std::string& why) {
    return unexpected(Error{ErrorCode::io, "cannot listen on " + host + ":" + std::to_string(port) + ": " + why, {}, {}});
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return failure(::gai_strerror(rc));
  }
  int fd = -1;
  int last_errno = 0;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    // SO_REUSEADDR only: SO_REUSEPORT would let another process of the same user bind the same
    // port and receive a share of the admin requests and tokens.
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      last_errno = errno;
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return failure(std::strerror(last_errno));
  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    int error = errno;
    ::close(fd);
    return failure(std::strerror(error));
  }
  {
    std::lock_guard broadcasts_lock(s.broadcasts_mu);  // broadcast() reads it from any thread
    s.wake_fd = wake_fd;
  }
  s.listen_fd = fd;
  s.port.store(local_endpoint(fd).port);
  s.stopping.store(false);
  {
    std::lock_guard jobs_lock(s.jobs_mu);
    s.jobs_closed = false;
    s.jobs.clear();
  }
  for (std::size_t i = 0; i < std::max<std::size_t>(1, s.limits.workers); ++i) s.workers.emplace_back([&s] { s.work(); });
  s.loop = std::thread([&s] { s.serve(); });
  return {};
}

void Server::stop() {
  State& s = *state_;
  std::lock_guard lock(s.lifecycle_mu);
  if (!s.loop.joinable()) return;
  s.stopping.store(true);
  s.wake();
  s.loop.join();
  {
    std::lock_guard jobs_lock(s.jobs_mu);
    s.jobs_closed = true;
  }
  s.jobs_cv.notify_all();
  for (std::thread& worker : s.workers) worker.join();
  s.workers.clear();
  {
    std::lock_guard done_lock(s.done_mu);
    s.done.clear();
  }
  ::close(s.listen_fd);
  s.listen_fd = -1;
  {
    std::lock_guard broadcasts_lock(s.broadcasts_mu);
    s.broadcasts.clear();
    ::close(s.wake_fd);
    s.wake_fd = -1;
  }
  s.port.store(0);
}

int Server::port() const { return state_->port.load(); }

void Server::broadcast(std::string bytes) {
  State& s = *state_;
  std::lock_guard lock(s.broadcasts_mu);
  if (s.wake_fd < 0) return;  // stopped
  s.broadcasts.push_back(std::move(bytes));
  s.wake();
}

std::size_t Server::stream_count() const { return state_->open_streams.load(std::memory_order_relaxed); }

}  // namespace hotreload::http
