// The local HTTP endpoint `hotreload exec --webhook URL` notifies after each applied change.
// Plain http to a loopback address only: the target is meant to be the program's own listener, so
// there is no DNS lookup, no TLS and no proxy, and every wait in a POST can be cut short.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "hotreload/result.hpp"

namespace hotreload::cli {

struct WebhookTarget {
  std::string host;     // as written: "127.0.0.1", "::1" (brackets removed) or "localhost"
  std::string address;  // what is connected to: "localhost" is 127.0.0.1
  int port = 80;
  std::string path = "/";
};

// "http://127.0.0.1:9090/-/reload" -> {127.0.0.1, 9090, /-/reload}. The error says what is wrong:
// not http://, no host, a host that is not loopback (127.0.0.0/8, [::1], localhost), a port
// outside 1..65535, a path with spaces or control characters.
Result<WebhookTarget, std::string> parse_webhook_url(const std::string& url);

// POSTs `body` with `Connection: close` and reads the status line. A status outside 2xx is an error;
// so is everything else, in words: "connection refused", "no answer in 5 s", "cancelled". One
// deadline, `timeout`, covers connecting, sending and the answer; `cancel_fd` (-1 for none)
// becoming readable ends the wait at once.
Result<void, std::string> post_webhook(const WebhookTarget& target, const std::string& body,
                                       const std::string& content_type, std::chrono::milliseconds timeout,
                                       int cancel_fd = -1);

}  // namespace hotreload::cli
