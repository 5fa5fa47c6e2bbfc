// Bearer tokens and listen addresses for the admin endpoint.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

Result<void> check_token(std::string_view token) {
  if (token.size() < kMinTokenBytes) {
    return unexpected(Error{ErrorCode::usage,
                            "the admin token is " + std::to_string(token.size()) + (token.size() == 1 ? " byte" : " bytes") +
                                "; it needs at least " +
                                std::to_string(kMinTokenBytes) + " (e.g. openssl rand -hex 16)",
                            {}, {}});
  }
  // What a client can send in an Authorization header: visible ASCII, no spaces. The message
  // never quotes the token.
  for (char c : token) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      return unexpected(Error{ErrorCode::usage, "the admin token must be one line without spaces", {}, {}});
    }
    if (c < 0x21 || c > 0x7e) {
      return unexpected(Error{ErrorCode::usage, "the admin token must be printable ASCII", {}, {}});
    }
  }
  return {};
}

Result<std::string> read_token_file(const std::string& path) {
  auto refuse = [&](ErrorCode code, std::string message) {
    return unexpected(Error{code, std::move(message), {path, 0, 0}, {}});
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the checks below refuse it anyway.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return refuse(ErrorCode::io, std::string("cannot read the admin token file: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info{};
  if (::fstat(fd, &info) != 0) {
    return refuse(ErrorCode::io, std::string("cannot read the admin token file: ") + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    const char* kind = S_ISDIR(info.st_mode)    ? "a directory"
                       : S_ISCHR(info.st_mode)  ? "a character device"
                       : S_ISBLK(info.st_mode)  ? "a block device"
                       : S_ISFIFO(info.st_mode) ? "a FIFO"
                       : S_ISSOCK(info.st_mode) ? "a socket"
                                                : "not a regular file";
    return refuse(ErrorCode::usage, std::string("the admin token file must be a regular file, this is ") + kind);
  }
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(info.st_mode & 07777));
    const char* who = (info.st_mode & 022) != 0 ? "written" : "read";
    return refuse(ErrorCode::usage, std::string("the admin token file can be ") + who + " by other users (mode " + mode +
                                        "); make it private: chmod 600");
  }
  if (info.st_size > static_cast<off_t>(kMaxTokenFileBytes)) {
    return refuse(ErrorCode::usage, "the admin token file is " + std::to_string(info.st_size) + " bytes; at most " +
                                        std::to_string(kMaxTokenFileBytes) + " are read");
  }
  // Read one byte over the cap, so that a file that grew after fstat() is still refused.
  std::string content(kMaxTokenFileBytes + 1, '\0');
  std::size_t filled = 0;
  while (filled < content.size()) {
    ssize_t n = ::read(fd, content.data() + filled, content.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return refuse(ErrorCode::io, std::string("cannot read the admin token file: ") + std::strerror(errno));
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  if (filled > kMaxTokenFileBytes) {
    return refuse(ErrorCode::usage, "the admin token file is over " + std::to_string(kMaxTokenFileBytes) + " bytes");
  }
  content.resize(filled);
  std::string token(trim(content));
  if (token.empty()) return refuse(ErrorCode::usage, "the admin token file is empty");
  if (auto checked = check_token(token); !checked) return refuse(ErrorCode::usage, checked.error().message);
  return token;
}

Result<std::optional<std::string>> token_from_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::optional<std::string>();
  std::string token(trim(value));
  if (token.empty()) return std::optional<std::string>();
  if (auto checked = check_token(token); !checked) {
    return unexpected(Error{ErrorCode::usage, std::string(name) + ": " + checked.error().message, {}, {}});
  }
  return std::optional<std::string>(std::move(token));
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
