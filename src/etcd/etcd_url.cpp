#include <algorithm>
#include <cctype>
#include <charconv>

#include "hotreload/etcd.hpp"

namespace hotreload {
namespace {

constexpr std::string_view kScheme = "etcd://";

Error bad_url(std::string_view url, const std::string& why) {
  return Error{ErrorCode::usage, "bad etcd layer \"" + std::string(url) + "\": " + why +
                                     " (expected etcd://HOST:PORT/KEY, etcd://HOST:PORT/PREFIX/ or "
                                     "etcd://HOST:PORT,HOST:PORT,.../KEY)",
               {}, {}};
}

// One member "host", "host:port", "[v6]" or "[v6]:port"; the reason it is bad, else the endpoint.
Result<EtcdEndpoint, std::string> parse_endpoint(std::string_view text) {
  EtcdEndpoint endpoint;
  std::string_view port_text;
  bool has_port = false;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return unexpected(std::string("an unclosed [ in the host"));
    endpoint.host = std::string(text.substr(1, close - 1));
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return unexpected(std::string("junk after the host"));
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const std::size_t colon = text.rfind(':');
    endpoint.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      has_port = true;
    }
    if (endpoint.host.find(':') != std::string::npos) return unexpected(std::string("an IPv6 host needs brackets"));
  }
  if (endpoint.host.empty()) return unexpected(std::string("no host"));
  if (has_port) {
    int port = 0;
    auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || error != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return unexpected(std::string("the port must be 1..65535"));
    }
    endpoint.port = port;
  }
  return endpoint;
}

bool same_member(const EtcdEndpoint& a, const EtcdEndpoint& b) {
  return a.port == b.port && std::equal(a.host.begin(), a.host.end(), b.host.begin(), b.host.end(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string EtcdEndpoint::text() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string EtcdLocation::url() const {
  std::string out(kScheme);
  for (std::size_t i = 0; i < endpoints.size(); ++i) out += (i == 0 ? "" : ",") + endpoints[i].text();
  return out + key;
}

bool is_etcd_url(std::string_view text) { return text.starts_with(kScheme); }

Result<EtcdLocation> parse_etcd_url(std::string_view url) {
  if (!is_etcd_url(url)) return unexpected(bad_url(url, "it does not start with etcd://"));
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return unexpected(bad_url(url, "no key"));
  const std::string_view authority = rest.substr(0, slash);
  EtcdLocation location;
  location.key = std::string(rest.substr(slash));
  const bool list = authority.find(',') != std::string_view::npos;
  std::size_t start = 0;
  for (std::size_t index = 1;; ++index) {
    const std::size_t comma = authority.find(',', start);
    const std::string_view member = authority.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    // In a list, say which member is wrong: "member 2 (h2:0)".
    const std::string which = list ? "member " + std::to_string(index) + " (\"" + std::string(member) + "\"): " : "";
    if (list && member.empty()) {
      return unexpected(bad_url(url, "member " + std::to_string(index) + " of the endpoint list is empty"));
    }
    auto endpoint = parse_endpoint(member);
    if (!endpoint) return unexpected(bad_url(url, which + endpoint.error()));
    for (std::size_t earlier = 0; earlier < location.endpoints.size(); ++earlier) {
      if (same_member(location.endpoints[earlier], *endpoint)) {
        return unexpected(bad_url(url, which + "it repeats member " + std::to_string(earlier + 1) + " (" +
                                           location.endpoints[earlier].text() + ")"));
      }
    }
    location.endpoints.push_back(std::move(*endpoint));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (location.key == "/") return unexpected(bad_url(url, "no key"));
  const std::string_view inner = std::string_view(location.key).substr(1, location.key.size() - (location.is_prefix() ? 2 : 1));
  if (inner.empty() || inner.find("//") != std::string_view::npos || inner.starts_with('/') || inner.ends_with('/')) {
    return unexpected(bad_url(url, "an empty key segment"));
  }
  return location;
}

}  // namespace hotreload
