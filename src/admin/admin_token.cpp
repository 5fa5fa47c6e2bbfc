// Bearer tokens and listen addresses for the admin endpoint.
#include <arpa/inet.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "hotreload/admin.hpp"

namespace hotreload {
namespace {

std::string_view trim(std::string_view text) {
  const char* space = " \t\r\n";
  std::size_t begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  std::size_t end = text.find_last_not_of(space);
  return text.substr(begin, end - begin + 1);
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of `a` is visited whatever the contents; the difference is accumulated without a
  // branch, and the volatile keeps the compiler from turning the loop into an early-exit memcmp.
  volatile unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char other = b.empty() ? 0 : static_cast<unsigned char>(b[i % b.size()]);
    difference = static_cast<unsigned char>(difference | (static_cast<unsigned char>(a[i]) ^ other));
  }
  return difference == 0;
}

Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(Error{ErrorCode::io, "cannot read the admin token file", {path, 0, 0}, {}});
  std::ostringstream content;
  content << in.rdbuf();
  std::string token(trim(content.str()));
  if (token.empty()) return unexpected(Error{ErrorCode::usage, "the admin token file is empty", {path, 0, 0}, {}});
  if (token.find_first_of(" \t\r\n") != std::string::npos) {
    return unexpected(Error{ErrorCode::usage, "the admin token must be one line without spaces", {path, 0, 0}, {}});
  }
  return token;
}

std::optional<std::string> token_from_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  std::string token(trim(value));
  if (token.empty()) return std::nullopt;
  return token;
}

Result<std::pair<std::string, int>> parse_admin_address(std::string_view address) {
  auto invalid = [&](std::string why) {
    return unexpected(Error{ErrorCode::usage, "invalid admin address \"" + std::string(address) + "\": " + why, {}, {}});
  };
  std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return invalid("expected HOST:PORT");
  std::string_view host = address.substr(0, colon);
  std::string_view port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return invalid("the host is empty");
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string_view::npos) {
    return invalid("the port must be a number 0..65535");
  }
  int port = std::stoi(std::string(port_text));
  if (port > 65535) return invalid("the port must be a number 0..65535");
  return std::pair<std::string, int>{std::string(host), port};
}

bool is_loopback(std::string_view host) {
  if (host == "localhost") return true;
  std::string text(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace hotreload
