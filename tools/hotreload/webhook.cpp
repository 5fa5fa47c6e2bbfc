#include "webhook.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace hotreload::cli {

std::optional<WebhookTarget> parse_webhook_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  WebhookTarget target;
  std::size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    target.path = rest.substr(slash);
    rest.erase(slash);
  }
  std::size_t colon = rest.rfind(':');
  // An IPv6 literal is bracketed: "[::1]:8080".
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      return std::nullopt;
    }
    target.port = std::stoi(port);
    if (target.port < 1 || target.port > 65535) return std::nullopt;
    rest.erase(colon);
  }
  if (rest.size() > 2 && rest.front() == '[' && rest.back() == ']') rest = rest.substr(1, rest.size() - 2);
  if (rest.empty() || rest.find_first_of("@?#[] ") != std::string::npos) return std::nullopt;
  target.host = rest;
  return target;
}

Result<void, std::string> post_webhook(const WebhookTarget& target, const std::string& body,
                                       const std::string& content_type, int timeout_ms) {
  httplib::Client client(target.host, target.port);
  const auto seconds = timeout_ms / 1000;
  const auto micros = (timeout_ms % 1000) * 1000;
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  auto response = client.Post(target.path, body, content_type);
  if (!response) return unexpected("POST failed: " + httplib::to_string(response.error()));
  if (response->status < 200 || response->status > 299) {
    return unexpected("POST answered HTTP " + std::to_string(response->status));
  }
  return {};
}

}  // namespace hotreload::cli
