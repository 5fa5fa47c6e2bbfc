// What the HTTP clients (the etcd gateway, the HTTP source, the rollout health check) share about
// cpp-httplib's client: timeouts set from durations, cancellation on a stop request, and a failure
// said in words a user can act on.
#pragma once

#include <signal.h>

#include <chrono>
#include <stop_token>
#include <string>
#include <string_view>

#include <httplib.h>

#include "hotreload/result.hpp"

namespace hotreload::detail::net {

// A write to a connection the peer closed raises SIGPIPE, which kills a process that has not
// ignored it; OpenSSL's writes (and some of cpp-httplib's) do not pass MSG_NOSIGNAL. A library must
// not change the process's signal dispositions, so each request blocks SIGPIPE on its own thread
// and consumes one it raised before unblocking (the signal then only makes the write fail, EPIPE).
class SigpipeGuard {
 public:
  SigpipeGuard();
  ~SigpipeGuard();
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t sigpipe_;
  sigset_t previous_;
  bool was_pending_ = false;
};

// While the returned callback lives, a stop request on `stop` shuts down `client`'s connection, so
// that a request in flight fails at once instead of holding its thread (and whoever joins it)
// until the server answers or the timeout passes. cpp-httplib's Client::stop() may be called from
// another thread for this; a connect in progress still runs to its connect timeout.
[[nodiscard]] inline auto cancel_on_stop(httplib::Client& client, std::stop_token stop) {
  return std::stop_callback(std::move(stop), [&client] { client.stop(); });
}

void set_timeouts(httplib::Client& client, std::chrono::milliseconds connect, std::chrono::milliseconds read,
                  std::chrono::milliseconds write);

// An http:// or https:// URL split as cpp-httplib's client takes it.
struct HttpUrl {
  bool https = false;
  std::string base;  // "https://host:port", what httplib::Client takes
  std::string path;  // "/app.yaml?x=1", without the fragment
  std::string file;  // the path without its query, for the extension
};
// Errors (usage): not http(s), no host, a bad port, credentials in the URL (they would be printed
// with it).
Result<HttpUrl> split_http_url(std::string_view url);

// "cannot connect (is <server> running and listening there?)", "the reply timed out", ...
std::string describe(httplib::Error error, std::string_view server);

}  // namespace hotreload::detail::net
