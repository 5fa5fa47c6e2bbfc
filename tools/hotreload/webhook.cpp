#include "webhook.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace hotreload::cli {
namespace {

using Clock = std::chrono::steady_clock;

bool is_loopback(const std::string& host) {
  std::string lower;
  for (unsigned char c : host) lower.push_back(static_cast<char>(std::tolower(c)));
  if (lower == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// "Connection refused" -> "connection refused": the reason reads as part of a sentence.
std::string reason(int error_number) {
  std::string text = std::strerror(error_number);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string seconds(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(timeout.count()) / 1000.0);
  return text;
}

struct Socket {
  int fd;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

enum class Wait { ready, timed_out, cancelled };

// Until `fd` has one of `events`, `cancel_fd` is readable, or the deadline passes.
Wait wait_for(int fd, short events, int cancel_fd, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Wait::timed_out;
    pollfd fds[2] = {{fd, events, 0}, {cancel_fd, POLLIN, 0}};
    int polled = ::poll(fds, cancel_fd >= 0 ? 2 : 1, static_cast<int>(left.count()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled < 0) return Wait::ready;  // the next call on `fd` fails and says why
    if (polled == 0) continue;           // the deadline is checked above
    if (cancel_fd >= 0 && fds[1].revents != 0) return Wait::cancelled;
    return Wait::ready;
  }
}

std::string request_text(const WebhookTarget& target, const std::string& body, const std::string& content_type) {
  const bool ipv6 = target.host.find(':') != std::string::npos;
  std::string host = (ipv6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
  return "POST " + target.path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// "HTTP/1.1 204 No Content" -> 204; nullopt when the line is not an HTTP status line.
std::optional<int> status_of(const std::string& line) {
  if (line.size() < 12 || line.rfind("HTTP/1.", 0) != 0 || line[8] != ' ') return std::nullopt;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (std::isdigit(static_cast<unsigned char>(line[i])) == 0) return std::nullopt;
    status = status * 10 + (line[i] - '0');
  }
  return status;
}

}  // namespace

Result<WebhookTarget, std::string> parse_webhook_url(const std::string& url) {
  const std::string quoted = "\"" + url + "\"";
  constexpr std::string_view scheme = "http://";
  const std::string not_http = quoted + " is not an http://HOST[:PORT][/PATH] URL";
  if (url.rfind(scheme, 0) != 0) return unexpected(not_http);
  std::string rest = url.substr(scheme.size());
  WebhookTarget target;
  if (std::size_t slash = rest.find('/'); slash != std::string::npos) {
    target.path = rest.substr(slash);
    rest.erase(slash);
  }
  if (std::any_of(target.path.begin(), target.path.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; })) {
    return unexpected(quoted + ": the path has a space or a control character (percent-encode it)");
  }
  std::string port = "80";
  if (!rest.empty() && rest.front() == '[') {  // an IPv6 literal: "[::1]:8080"
    std::size_t close = rest.find(']');
    if (close == std::string::npos) return unexpected(not_http);
    target.host = rest.substr(1, close - 1);
    std::string after = rest.substr(close + 1);
    if (!after.empty() && after.front() != ':') return unexpected(not_http);
    if (!after.empty()) port = after.substr(1);
  } else {
    std::size_t colon = rest.find(':');
    target.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (target.host.empty() || target.host.find_first_of("@?#[] ") != std::string::npos) return unexpected(not_http);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; }) ||
      std::stoi(port) < 1 || std::stoi(port) > 65535) {
    return unexpected(quoted + ": the port must be a number in 1..65535, not \"" + port + "\"");
  }
  target.port = std::stoi(port);
  if (!is_loopback(target.host)) {
    return unexpected(quoted + ": the webhook must be on this machine: a loopback host (127.0.0.1, [::1] or "
                      "localhost), not \"" + target.host + "\"");
  }
  target.address = target.host.find(':') != std::string::npos || std::isdigit(static_cast<unsigned char>(target.host[0]))
                       ? target.host
                       : "127.0.0.1";
  return target;
}

Result<void, std::string> post_webhook(const WebhookTarget& target, const std::string& body,
                                       const std::string& content_type, std::chrono::milliseconds timeout,
                                       int cancel_fd) {
  const auto deadline = Clock::now() + timeout;
  const std::string no_answer = "no answer in " + seconds(timeout);
  sockaddr_storage address{};
  socklen_t address_size = 0;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&address); ::inet_pton(AF_INET, target.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(target.port));
    address_size = sizeof *v4;
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
             ::inet_pton(AF_INET6, target.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(target.port));
    address_size = sizeof *v6;
  } else {
    return unexpected("\"" + target.address + "\" is not an IP address");
  }

  Socket socket{::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (socket.fd < 0) return unexpected("socket: " + reason(errno));
  if (::connect(socket.fd, reinterpret_cast<const sockaddr*>(&address), address_size) != 0) {
    if (errno != EINPROGRESS) return unexpected(reason(errno));
    switch (wait_for(socket.fd, POLLOUT, cancel_fd, deadline)) {
      case Wait::timed_out: return unexpected("could not connect in " + seconds(timeout));
      case Wait::cancelled: return unexpected(std::string("cancelled"));
      case Wait::ready: break;
    }
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) return unexpected(reason(error));
  }

  const std::string request = request_text(target, body, content_type);
  for (std::size_t sent = 0; sent < request.size();) {
    switch (wait_for(socket.fd, POLLOUT, cancel_fd, deadline)) {
      case Wait::timed_out: return unexpected("the request was not taken in " + seconds(timeout));
      case Wait::cancelled: return unexpected(std::string("cancelled"));
      case Wait::ready: break;
    }
    ssize_t wrote = ::send(socket.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (wrote < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (wrote < 0) return unexpected("sending the request: " + reason(errno));
    sent += static_cast<std::size_t>(wrote);
  }

  std::string answer;
  while (answer.find("\r\n") == std::string::npos && answer.size() < 1024) {
    switch (wait_for(socket.fd, POLLIN, cancel_fd, deadline)) {
      case Wait::timed_out: return unexpected(no_answer);
      case Wait::cancelled: return unexpected(std::string("cancelled"));
      case Wait::ready: break;
    }
    char chunk[512];
    ssize_t got = ::recv(socket.fd, chunk, sizeof chunk, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got < 0) return unexpected("reading the answer: " + reason(errno));
    if (got == 0) return unexpected(std::string("the connection was closed without an answer"));
    answer.append(chunk, static_cast<std::size_t>(got));
  }
  auto status = status_of(answer.substr(0, answer.find("\r\n")));
  if (!status) return unexpected(std::string("the answer is not HTTP"));
  if (*status < 200 || *status > 299) return unexpected("answered HTTP " + std::to_string(*status));
  return {};
}

}  // namespace hotreload::cli
