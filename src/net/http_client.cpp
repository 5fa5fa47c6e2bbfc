#include "net/http_client.hpp"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <ctime>

namespace hotreload::detail::net {
namespace {

void set_timeout(httplib::Client& client, std::chrono::milliseconds timeout,
                 void (httplib::Client::*setter)(time_t, time_t)) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
  (client.*setter)(static_cast<time_t>(seconds.count()), static_cast<time_t>(micros.count()));
}

}  // namespace

SigpipeGuard::SigpipeGuard() {
  sigemptyset(&sigpipe_);
  sigaddset(&sigpipe_, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_);
}

SigpipeGuard::~SigpipeGuard() {
  if (!was_pending_) {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{0, 0};
      while (sigtimedwait(&sigpipe_, nullptr, &now) == -1 && errno == EINTR) {
      }
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

void set_timeouts(httplib::Client& client, std::chrono::milliseconds connect, std::chrono::milliseconds read,
                  std::chrono::milliseconds write) {
  set_timeout(client, connect, &httplib::Client::set_connection_timeout);
  set_timeout(client, read, &httplib::Client::set_read_timeout);
  set_timeout(client, write, &httplib::Client::set_write_timeout);
}

// httplib's own names ("Connection", "Read") say little to an operator.
std::string describe(httplib::Error error, std::string_view server) {
  switch (error) {
    case httplib::Error::Connection: return "cannot connect (is " + std::string(server) + " running and listening there?)";
    case httplib::Error::ConnectionTimeout: return "connecting timed out";
    case httplib::Error::Read: return "the connection broke or the reply timed out";
    case httplib::Error::Write: return "the request could not be sent";
    case httplib::Error::SSLConnection: return "the TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "cannot load the TLS CA, certificate or key files";
    case httplib::Error::SSLServerVerification: return "the server's TLS certificate did not verify";
    case httplib::Error::Canceled: return "the request was canceled";
    default: return httplib::to_string(error);
  }
}

Result<HttpUrl> split_http_url(std::string_view url) {
  auto usage = [](std::string message) { return unexpected(Error{ErrorCode::usage, std::move(message), {}, {}}); };
  HttpUrl out;
  out.https = url.starts_with("https://");
  if (!out.https && !url.starts_with("http://")) return usage("not an http:// or https:// URL: " + std::string(url));
  const std::size_t scheme_end = url.find("://") + 3;
  const std::size_t path_start = url.find_first_of("/?#", scheme_end);
  const std::string_view authority = url.substr(scheme_end, path_start - scheme_end);
  if (authority.empty()) return usage("no host in " + std::string(url));
  if (authority.find('@') != std::string_view::npos) {
    return usage("credentials in the URL would be printed with it: use --http-token-file or a header instead");
  }
  // The port follows the last ':' outside an IPv6 literal's brackets.
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    const std::string_view port = authority.substr(colon + 1);
    int value = 0;
    const bool digits = !port.empty() && port.size() <= 5 &&
                        std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (digits) value = std::stoi(std::string(port));
    if (!digits || value < 1 || value > 65535) return usage("bad port in " + std::string(url));
    if (colon == 0) return usage("no host in " + std::string(url));
  }
  out.base = std::string(url.substr(0, path_start == std::string_view::npos ? url.size() : path_start));
  out.path = path_start == std::string_view::npos ? "/" : std::string(url.substr(path_start));
  if (!out.path.empty() && out.path.front() != '/') out.path.insert(0, "/");
  if (const std::size_t fragment = out.path.find('#'); fragment != std::string::npos) out.path.resize(fragment);
  out.file = out.path.substr(0, out.path.find('?'));
  return out;
}

}  // namespace hotreload::detail::net
