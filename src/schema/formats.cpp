#include "schema/formats.hpp"

#include <arpa/inet.h>

#include <string>

#include "hotreload/duration.hpp"
#include "schema/pattern.hpp"

namespace hotreload::schema_detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex_digit(char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

// Reads exactly `width` digits at `i` as a number; -1 when they are not all there.
int digits(std::string_view text, std::size_t& i, std::size_t width) {
  if (i + width > text.size()) return -1;
  int value = 0;
  for (std::size_t end = i + width; i < end; ++i) {
    if (!is_digit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool expect(std::string_view text, std::size_t& i, char c) {
  if (i >= text.size() || text[i] != c) return false;
  ++i;
  return true;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// RFC 3339 section 5.6: full-date "T" full-time, T and Z in either case.
bool date_time(std::string_view text) {
  std::size_t i = 0;
  const int year = digits(text, i, 4);
  if (year < 0 || !expect(text, i, '-')) return false;
  const int month = digits(text, i, 2);
  if (month < 1 || month > 12 || !expect(text, i, '-')) return false;
  const int day = digits(text, i, 2);
  if (day < 1 || day > days_in_month(year, month)) return false;
  if (i >= text.size() || (text[i] != 'T' && text[i] != 't')) return false;
  ++i;
  const int hour = digits(text, i, 2);
  if (hour < 0 || hour > 23 || !expect(text, i, ':')) return false;
  const int minute = digits(text, i, 2);
  if (minute < 0 || minute > 59 || !expect(text, i, ':')) return false;
  const int second = digits(text, i, 2);
  if (second < 0 || second > 60) return false;
  if (i < text.size() && text[i] == '.') {
    std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start) return false;
  }
  if (i >= text.size()) return false;
  int offset_minutes = 0;
  if (text[i] == 'Z' || text[i] == 'z') {
    ++i;
  } else if (text[i] == '+' || text[i] == '-') {
    const int sign = text[i++] == '-' ? -1 : 1;
    const int offset_hour = digits(text, i, 2);
    if (offset_hour < 0 || offset_hour > 23 || !expect(text, i, ':')) return false;
    const int offset_minute = digits(text, i, 2);
    if (offset_minute < 0 || offset_minute > 59) return false;
    offset_minutes = sign * (offset_hour * 60 + offset_minute);
  } else {
    return false;
  }
  if (i != text.size()) return false;
  // A leap second exists only as the last second of a UTC day.
  if (second == 60) {
    const int utc_minute = ((hour * 60 + minute - offset_minutes) % 1440 + 1440) % 1440;
    if (utc_minute != 1439) return false;
  }
  return true;
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, each 1-63
// characters, 253 in all (a trailing dot, the root, is allowed).
bool hostname(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty() || text.size() > 253) return false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view label = text.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

// Dotted decimal, four parts of 0-255 without leading zeros (inet_pton's rules).
bool ipv4(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;  // inet_pton would stop there
  unsigned char address[4];
  return inet_pton(AF_INET, std::string(text).c_str(), address) == 1;
}

// RFC 4291 section 2.2 text forms, "::" and an embedded IPv4 tail included; no zone index.
bool ipv6(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;
  unsigned char address[16];
  return inet_pton(AF_INET6, std::string(text).c_str(), address) == 1;
}

bool is_unreserved(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
bool is_sub_delim(char c) { return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos; }

// Every character of `part` is in `allowed` or a %XX escape.
template <class Allowed>
bool escaped_chars(std::string_view part, Allowed allowed) {
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i] == '%') {
      if (i + 2 >= part.size()) return false;
      if (!is_hex_digit(part[i + 1]) || !is_hex_digit(part[i + 2])) return false;
      i += 2;
    } else if (!allowed(part[i])) {
      return false;
    }
  }
  return true;
}

// RFC 3986 section 3: an absolute URI with an optional fragment.
bool uri(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || !is_alpha(text[0])) return false;
  for (char c : text.substr(0, colon)) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  std::string_view rest = text.substr(colon + 1);
  std::string_view fragment;
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  auto pchar = [](char c) { return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@'; };
  auto query_char = [&](char c) { return pchar(c) || c == '/' || c == '?'; };
  if (!escaped_chars(fragment, query_char)) return false;
  std::string_view query;
  if (std::size_t question = rest.find('?'); question != std::string_view::npos) {
    query = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  if (!escaped_chars(query, query_char)) return false;
  if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      auto user_char = [](char c) { return is_unreserved(c) || is_sub_delim(c) || c == ':'; };
      if (!escaped_chars(authority.substr(0, at), user_char)) return false;
      authority.remove_prefix(at + 1);
    }
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
      std::size_t close = authority.find(']');
      if (close == std::string_view::npos || !ipv6(authority.substr(1, close - 1))) return false;
      std::string_view after = authority.substr(close + 1);
      if (!after.empty() && after.front() != ':') return false;
      port = after.empty() ? after : after.substr(1);
    } else {
      std::size_t port_colon = authority.rfind(':');
      if (port_colon != std::string_view::npos) {
        port = authority.substr(port_colon + 1);
        authority = authority.substr(0, port_colon);
      }
      auto host_char = [](char c) { return is_unreserved(c) || is_sub_delim(c); };
      if (!escaped_chars(authority, host_char)) return false;
    }
    for (char c : port) {
      if (!is_digit(c)) return false;
    }
  }
  return escaped_chars(rest, [&](char c) { return pchar(c) || c == '/'; });
}

// RFC 5321/5322 in the form configs use: a dot-atom local part (no leading, trailing or double
// dots) or a quoted string, "@", and a host name or an address literal in brackets.
bool email(std::string_view text) {
  const std::size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) return false;
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  if (local.size() > 64) return false;
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    for (std::size_t i = 1; i + 1 < local.size(); ++i) {
      if (local[i] == '\\') {
        ++i;
      } else if (local[i] == '"' || static_cast<unsigned char>(local[i]) < 0x20) {
        return false;
      }
    }
  } else {
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
    for (char c : local) {
      if (!is_alpha(c) && !is_digit(c) && c != '.' && std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) == std::string_view::npos) {
        return false;
      }
    }
  }
  if (domain.front() == '[' && domain.back() == ']') {
    std::string_view literal = domain.substr(1, domain.size() - 2);
    if (literal.substr(0, 5) == "IPv6:") return ipv6(literal.substr(5));
    return ipv4(literal);
  }
  return hostname(domain);
}

// A valid ECMA-262 pattern, as "pattern" would accept it.
bool regex(std::string_view text) { return Pattern::compile(std::string(text)).has_value(); }

// Go-style ("500ms", "1m30s") and ISO 8601 ("PT5S", "P1DT2H"), as config bindings read them.
bool duration(std::string_view text) { return parse_duration(text).has_value(); }

constexpr FormatCheck kFormats[] = {
    {"date-time", date_time}, {"duration", duration}, {"email", email}, {"hostname", hostname},
    {"ipv4", ipv4},           {"ipv6", ipv6},         {"regex", regex}, {"uri", uri},
};

}  // namespace

const FormatCheck* find_format(std::string_view name) {
  for (const FormatCheck& format : kFormats) {
    if (name == format.name) return &format;
  }
  return nullptr;
}

}  // namespace hotreload::schema_detail
