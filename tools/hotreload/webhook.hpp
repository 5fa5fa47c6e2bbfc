// The local HTTP endpoint `hotreload exec --webhook URL` notifies after each applied change.
// Plain http only: the target is meant to be the program's own loopback listener.
#pragma once

#include <optional>
#include <string>

#include "hotreload/result.hpp"

namespace hotreload::cli {

struct WebhookTarget {
  std::string host;
  int port = 80;
  std::string path = "/";
};

// "http://127.0.0.1:9090/-/reload" -> {127.0.0.1, 9090, /-/reload}; nullopt when the text is not
// an http URL with a host (and a port in 1..65535 if one is given).
std::optional<WebhookTarget> parse_webhook_url(const std::string& url);

// POSTs `body` and waits for the answer (connect and read time out after `timeout_ms`); a status
// outside 2xx is an error, described in words.
Result<void, std::string> post_webhook(const WebhookTarget& target, const std::string& body,
                                       const std::string& content_type, int timeout_ms);

}  // namespace hotreload::cli
