#include "net/http_client.hpp"

#include <pthread.h>
#include <time.h>

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

}  // namespace hotreload::detail::net
