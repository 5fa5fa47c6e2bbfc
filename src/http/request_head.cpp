#include "http/request_head.hpp"

#include <algorithm>
#include <cctype>

namespace hotreload::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kEndOfHead = "\r\n\r\n";
// Room for the method, two spaces and "HTTP/1.1" around a target of max_target bytes.
constexpr std::size_t kRequestLineOverhead = 32;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_token(std::string_view text) {
  // RFC 9110 tchar: what a method or a header name may be made of.
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || kSymbols.find(c) != std::string_view::npos;
  });
}

HeadError bad(std::string message) { return HeadError{400, std::move(message)}; }

// A Content-Length value: 1 to 19 decimal digits, so that it fits in 64 bits.
std::optional<std::size_t> content_length(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

}  // namespace

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view RequestHead::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equal_ignoring_case(key, name)) return value;
  }
  return {};
}

std::string_view RequestHead::path() const {
  std::string_view view = target;
  return view.substr(0, view.find('?'));
}

bool RequestHead::expects_continue() const { return equal_ignoring_case(header("Expect"), "100-continue"); }

std::string RequestHead::serialize(const std::vector<std::string_view>& drop) const {
  std::string out = method + " " + target + " " + version + "\r\n";
  for (const auto& field : headers) {
    const std::string& key = field.first;
    bool dropped = std::any_of(drop.begin(), drop.end(), [&](std::string_view name) { return equal_ignoring_case(key, name); });
    if (!dropped) out += key + ": " + field.second + "\r\n";
  }
  out += kCrlf;
  return out;
}

std::optional<std::variant<RequestHead, HeadError>> parse_head(std::string_view bytes, const HeadLimits& limits) {
  const std::size_t line_end = bytes.find(kCrlf);
  const std::size_t max_line = limits.max_target + kRequestLineOverhead;
  if (line_end == std::string_view::npos) {
    if (bytes.size() > max_line) return HeadError{414, "request target too long"};
    if (bytes.size() > limits.max_head) return HeadError{431, "request header fields too large"};
    return std::nullopt;
  }
  const std::size_t end = bytes.find(kEndOfHead);
  if (end == std::string_view::npos) {
    if (line_end > max_line) return HeadError{414, "request target too long"};
    if (bytes.size() > limits.max_head) return HeadError{431, "request header fields too large"};
    return std::nullopt;
  }
  if (end + kEndOfHead.size() > limits.max_head) return HeadError{431, "request header fields too large"};

  RequestHead head;
  head.size = end + kEndOfHead.size();
  std::string_view line = bytes.substr(0, line_end);
  std::size_t first_space = line.find(' ');
  std::size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) return bad("malformed request line");
  head.method = line.substr(0, first_space);
  head.target = line.substr(first_space + 1, last_space - first_space - 1);
  head.version = line.substr(last_space + 1);
  if (!is_token(head.method) || head.target.empty() || head.target.find(' ') != std::string::npos) {
    return bad("malformed request line");
  }
  if (head.version != "HTTP/1.1" && head.version != "HTTP/1.0") return bad("unsupported HTTP version");
  if (head.target.size() > limits.max_target) return HeadError{414, "request target too long"};

  std::optional<std::size_t> length;
  std::size_t begin = line_end + kCrlf.size();
  while (begin < end + kCrlf.size()) {
    std::size_t stop = bytes.find(kCrlf, begin);
    std::string_view field = bytes.substr(begin, stop - begin);
    begin = stop + kCrlf.size();
    std::size_t colon = field.find(':');
    // A line folded onto the previous one (obsolete) or without a name is refused, as RFC 9112 allows.
    if (colon == std::string_view::npos || !is_token(field.substr(0, colon))) return bad("malformed header line");
    std::string_view name = field.substr(0, colon);
    std::string_view value = trim(field.substr(colon + 1));
    if (equal_ignoring_case(name, "Transfer-Encoding")) {
      return HeadError{411, "a request body must be sent with Content-Length, not Transfer-Encoding"};
    }
    if (equal_ignoring_case(name, "Content-Length")) {
      auto parsed = content_length(value);
      if (!parsed) return bad("invalid Content-Length \"" + std::string(value.substr(0, 32)) + "\"");
      if (length && *length != *parsed) return bad("conflicting Content-Length headers");
      length = parsed;
    }
    head.headers.emplace_back(std::string(name), std::string(value));
  }
  head.content_length = length.value_or(0);
  return head;
}

}  // namespace hotreload::http
