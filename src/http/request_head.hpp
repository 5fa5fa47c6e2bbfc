// The head of an HTTP/1.1 request, read by the serving layer before any handler runs: enough to
// know where the request ends (Content-Length), whether it may be refused before its body is read,
// and whether the client waits for "100 Continue". Parsing proper (query strings, percent
// decoding, routing) is left to cpp-httplib, which gets the whole request once it has arrived.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hotreload::http {

struct RequestHead {
  std::string method;
  std::string target;   // as sent: path and query
  std::string version;  // "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;  // in order, values trimmed
  std::size_t size = 0;            // bytes of the request line and headers, blank line included
  std::size_t content_length = 0;  // 0 without a Content-Length header

  // The first value of a header, the name compared without case; empty when absent.
  std::string_view header(std::string_view name) const;
  // The target without its query string.
  std::string_view path() const;
  bool expects_continue() const;
  // The request line and headers again, CRLF-terminated, without the headers in `drop`.
  std::string serialize(const std::vector<std::string_view>& drop) const;
};

// A request the serving layer answers itself, without reading further.
struct HeadError {
  int status = 400;
  std::string message;
};

struct HeadLimits {
  std::size_t max_target = 4096;        // longer request targets are 414
  std::size_t max_head = 16 * 1024;     // a longer request line and headers are 431
};

// Scans what has arrived of a request so far. nullopt: the head is not complete yet (and is not
// over a limit). A Content-Length that is not a plain decimal number of at most 19 digits
// (negative, signed, overflowing, two different values) is a 400, Transfer-Encoding a 411: the
// body could not be framed. The body size limit is the caller's: the head alone may be refused.
std::optional<std::variant<RequestHead, HeadError>> parse_head(std::string_view bytes, const HeadLimits& limits);

bool equal_ignoring_case(std::string_view a, std::string_view b);

}  // namespace hotreload::http
