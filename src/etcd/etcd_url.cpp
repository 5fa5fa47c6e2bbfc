#include <charconv>

#include "hotreload/etcd.hpp"

namespace hotreload {
namespace {

constexpr std::string_view kScheme = "etcd://";

Error bad_url(std::string_view url, const std::string& why) {
  return Error{ErrorCode::usage, "bad etcd layer \"" + std::string(url) + "\": " + why +
                                     " (expected etcd://HOST:PORT/KEY or etcd://HOST:PORT/PREFIX/)",
               {}, {}};
}

}  // namespace

std::string EtcdLocation::url() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return std::string(kScheme) + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + key;
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
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return unexpected(bad_url(url, "an unclosed [ in the host"));
    location.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return unexpected(bad_url(url, "junk after the host"));
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    location.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (location.host.find(':') != std::string::npos) return unexpected(bad_url(url, "an IPv6 host needs brackets"));
  }
  if (location.host.empty()) return unexpected(bad_url(url, "no host"));
  if (!port_text.empty() || authority.ends_with(':')) {
    int port = 0;
    auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || error != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return unexpected(bad_url(url, "the port must be 1..65535"));
    }
    location.port = port;
  }
  if (location.key == "/") return unexpected(bad_url(url, "no key"));
  const std::string_view inner = std::string_view(location.key).substr(1, location.key.size() - (location.is_prefix() ? 2 : 1));
  if (inner.empty() || inner.find("//") != std::string_view::npos || inner.starts_with('/') || inner.ends_with('/')) {
    return unexpected(bad_url(url, "an empty key segment"));
  }
  return location;
}

}  // namespace hotreload
