// HTTP servers on 127.0.0.1 for the HTTP clients' tests: a config server that honours
// If-None-Match (and counts what it answered), a raw one that answers what no library would, and
// one that takes connections and never answers.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace hotreload::testing {

// Serves one document at every path; a GET with the current ETag in If-None-Match gets a 304.
class ConfigServer {
 public:
  ConfigServer() {
    server_.Get(R"(/.*)", [this](const httplib::Request& request, httplib::Response& response) { answer(request, response); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib 0.11 has no wait_until_ready(): is_running() turns true inside listen_after_bind(),
    // and stop() before then would not stop it.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~ConfigServer() {
    server_.stop();
    thread_.join();
  }
  ConfigServer(const ConfigServer&) = delete;
  ConfigServer& operator=(const ConfigServer&) = delete;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int port() const { return port_; }

  // The document (and its ETag; empty: none) every GET gets from now on.
  void serve(std::string body, std::string etag, std::string content_type = "application/yaml") {
    std::lock_guard lock(mu_);
    body_ = std::move(body);
    etag_ = std::move(etag);
    content_type_ = std::move(content_type);
    status_ = 200;
  }
  // Every GET gets this status (and no document) until serve() is called again.
  void fail_with(int status) {
    std::lock_guard lock(mu_);
    status_ = status;
  }
  // GETs without "Authorization: Bearer <token>" get a 401.
  void require_token(std::string token) {
    std::lock_guard lock(mu_);
    token_ = std::move(token);
  }
  unsigned full_replies() const { return full_.load(); }
  unsigned not_modified_replies() const { return not_modified_.load(); }
  unsigned requests() const { return requests_.load(); }
  std::string last_header(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto found = last_headers_.find(name);
    return found == last_headers_.end() ? std::string() : found->second;
  }

 private:
  void answer(const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mu_);
    last_headers_ = request.headers;
    if (!token_.empty() && request.get_header_value("Authorization") != "Bearer " + token_) {
      response.status = 401;
    } else if (status_ != 200) {
      response.status = status_;
    } else if (!etag_.empty() && request.get_header_value("If-None-Match") == etag_) {
      response.status = 304;
      ++not_modified_;
    } else {
      response.status = 200;
      if (!etag_.empty()) response.set_header("ETag", etag_);
      response.set_content(body_, content_type_);
      ++full_;
    }
    ++requests_;
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::string body_;          // guarded by mu_
  std::string etag_;          // guarded by mu_
  std::string content_type_;  // guarded by mu_
  std::string token_;         // guarded by mu_
  int status_ = 200;          // guarded by mu_
  httplib::Headers last_headers_;  // guarded by mu_
  std::atomic<unsigned> full_{0};
  std::atomic<unsigned> not_modified_{0};
  std::atomic<unsigned> requests_{0};
};

// Binds `fd` to a free port on 127.0.0.1 and listens on it; returns the port.
inline int listen_on_loopback(int fd) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  (void)::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  (void)::listen(fd, 16);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  return ntohs(address.sin_port);
}

// A listener on 127.0.0.1 that answers every connection with the same raw bytes and closes it
// (a reply cut short, say); with an empty reply it accepts nothing and never answers, so a
// client's read times out.
class RawServer {
 public:
  explicit RawServer(std::string reply) : reply_(std::move(reply)), fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    port_ = listen_on_loopback(fd_);
    if (!reply_.empty()) thread_ = std::thread([this] { serve(); });
  }
  ~RawServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  void serve() {
    while (!stop_) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 50) != 1) continue;  // a bounded wait, to notice stop_
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      char request[4096];
      (void)::recv(client, request, sizeof request, 0);
      (void)::send(client, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  std::string reply_;
  int fd_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// Accepts connections and holds them open without reading or answering, so a client's request
// stays in flight until the client gives up, is stopped, or hang_up() closes the connections.
class HangingServer {
 public:
  HangingServer() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    port_ = listen_on_loopback(fd_);
    thread_ = std::thread([this] { accept_all(); });
  }
  ~HangingServer() {
    stop_ = true;
    thread_.join();
    hang_up();
    ::close(fd_);
  }
  HangingServer(const HangingServer&) = delete;
  HangingServer& operator=(const HangingServer&) = delete;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  // Whether a client connected within `timeout`.
  bool await_connection(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return connected_.wait_for(lock, timeout, [this] { return !clients_.empty(); });
  }

  // Closes every connection taken so far: their clients read the end of the stream.
  void hang_up() {
    std::lock_guard lock(mu_);
    for (int client : clients_) ::close(client);
    clients_.clear();
  }

 private:
  void accept_all() {
    while (!stop_) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 50) != 1) continue;  // a bounded wait, to notice stop_
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      std::lock_guard lock(mu_);
      clients_.push_back(client);
      connected_.notify_all();
    }
  }

  int fd_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable connected_;
  std::vector<int> clients_;  // guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hotreload::testing
