#include "hotreload/duration.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <string>
#include <cstdint>
#include <limits>

namespace hotreload {
namespace {

struct Unit {
  std::string_view suffix;
  long double nanoseconds;
};

// Longest suffixes first so "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {
    {"ns", 1.0L},         {"us", 1e3L},         {"\xC2\xB5s", 1e3L}, {"ms", 1e6L},
    {"s", 1e9L},          {"m", 60e9L},         {"h", 3600e9L},      {"d", 86400e9L},
};

using ParseResult = Result<std::chrono::nanoseconds, std::string>;

// Reads "<digits>[.<digits>]" at `i`; nullopt when there is no number there.
std::optional<long double> read_number(std::string_view text, std::size_t& i) {
  std::size_t start = i;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string_view digits = text.substr(start, i - start);
  if (digits.empty() || digits == "." || std::count(digits.begin(), digits.end(), '.') > 1) return std::nullopt;
  return std::stold(std::string(digits));
}

ParseResult finish(long double total, bool negative) {
  if (negative) total = -total;
  if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max()) ||
      total < static_cast<long double>(std::numeric_limits<std::int64_t>::min())) {
    return unexpected(std::string("out of range"));
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(total)));
}

ParseResult parse_iso8601(std::string_view text, bool negative) {
  // P[nD][T[nH][nM][nS]]
  std::size_t i = 1;
  long double total = 0;
  bool in_time = false;
  bool any = false;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return unexpected(std::string("unexpected 'T'"));
      in_time = true;
      ++i;
      continue;
    }
    auto number = read_number(text, i);
    if (!number || i >= text.size()) return unexpected(std::string("expected a number and a unit"));
    char unit = text[i++];
    if (!in_time && unit == 'D') total += *number * 86400e9L;
    else if (!in_time && unit == 'W') total += *number * 7 * 86400e9L;
    else if (in_time && unit == 'H') total += *number * 3600e9L;
    else if (in_time && unit == 'M') total += *number * 60e9L;
    else if (in_time && unit == 'S') total += *number * 1e9L;
    else return unexpected(std::string("unknown ISO 8601 unit '") + unit + "'");
    any = true;
  }
  if (!any) return unexpected(std::string("no value"));
  return finish(total, negative);
}

}  // namespace

Result<std::chrono::nanoseconds, std::string> parse_duration(std::string_view text) {
  if (text.empty()) return unexpected(std::string("empty"));
  bool negative = false;
  std::size_t i = 0;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    ++i;
  }
  if (i < text.size() && text[i] == 'P') return parse_iso8601(text.substr(i), negative);
  if (text.substr(i) == "0") return std::chrono::nanoseconds(0);
  long double total = 0;
  bool any = false;
  while (i < text.size()) {
    auto number = read_number(text, i);
    if (!number) return unexpected(std::string("expected a number and a unit (ns, us, ms, s, m, h, d)"));
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (text.substr(i, candidate.suffix.size()) == candidate.suffix) {
        // "m" must not swallow the "m" of "ms".
        if (!unit || candidate.suffix.size() > unit->suffix.size()) unit = &candidate;
      }
    }
    if (unit == nullptr) {
      return unexpected(i < text.size() ? "unknown unit \"" + std::string(text.substr(i)) + "\"" : std::string("missing unit (ns, us, ms, s, m, h, d)"));
    }
    total += *number * unit->nanoseconds;
    i += unit->suffix.size();
    any = true;
  }
  if (!any) return unexpected(std::string("no value"));
  return finish(total, negative);
}

std::string format_duration(std::chrono::nanoseconds duration) {
  std::int64_t ns = duration.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;  // INT64_MIN cannot be produced by parse_duration's range check in practice
  }
  constexpr std::int64_t kSecond = 1'000'000'000;
  if (ns % kSecond != 0) {
    // Sub-second precision: one unit keeps it exact and readable.
    if (ns % 1'000'000 == 0) return out + std::to_string(ns / 1'000'000) + "ms";
    if (ns % 1'000 == 0) return out + std::to_string(ns / 1'000) + "us";
    return out + std::to_string(ns) + "ns";
  }
  std::int64_t seconds = ns / kSecond;
  if (seconds >= 3600) out += std::to_string(seconds / 3600) + "h", seconds %= 3600;
  if (seconds >= 60) out += std::to_string(seconds / 60) + "m", seconds %= 60;
  if (seconds > 0) out += std::to_string(seconds) + "s";
  return out;
}

}  // namespace hotreload
