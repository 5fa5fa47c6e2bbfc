#include "core/scalar.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>

namespace hotreload::detail {
namespace {

bool one_of(std::string_view text, std::initializer_list<std::string_view> options) {
  for (std::string_view option : options) {
    if (text == option) return true;
  }
  return false;
}

bool all_in(std::string_view text, std::string_view allowed) {
  return !text.empty() && text.find_first_not_of(allowed) == std::string_view::npos;
}

std::optional<std::int64_t> parse_integer(std::string_view text, int base) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The YAML 1.2 core schema float form: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_core_float(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    std::size_t fraction = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++fraction;
    if (digits == 0 && fraction == 0) return false;
  } else if (digits == 0) {
    return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    std::size_t exponent = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == text.size();
}

}  // namespace

Value resolve_plain_scalar(std::string_view text) {
  if (text.empty() || one_of(text, {"~", "null", "Null", "NULL"})) return Value(nullptr);
  if (one_of(text, {"true", "True", "TRUE"})) return Value(true);
  if (one_of(text, {"false", "False", "FALSE"})) return Value(false);

  std::string_view unsigned_part = text;
  bool negative = false;
  if (text.front() == '+' || text.front() == '-') {
    negative = text.front() == '-';
    unsigned_part = text.substr(1);
  }
  if (all_in(unsigned_part, "0123456789")) {
    // Leading '+' is not accepted by from_chars; parse the digits with the sign re-applied.
    std::string digits = negative ? "-" + std::string(unsigned_part) : std::string(unsigned_part);
    if (auto value = parse_integer(digits, 10)) return Value(*value);
    return Value(std::strtod(digits.c_str(), nullptr));  // beyond int64: keep it a number
  }
  if (text.size() > 2 && text[0] == '0' && text[1] == 'x' && all_in(text.substr(2), "0123456789abcdefABCDEF")) {
    if (auto value = parse_integer(text.substr(2), 16)) return Value(*value);
  }
  if (text.size() > 2 && text[0] == '0' && text[1] == 'o' && all_in(text.substr(2), "01234567")) {
    if (auto value = parse_integer(text.substr(2), 8)) return Value(*value);
  }
  if (one_of(unsigned_part, {".inf", ".Inf", ".INF"})) {
    double inf = std::numeric_limits<double>::infinity();
    return Value(negative ? -inf : inf);
  }
  if (one_of(text, {".nan", ".NaN", ".NAN"})) return Value(std::numeric_limits<double>::quiet_NaN());
  if (is_core_float(text)) return Value(std::strtod(std::string(text).c_str(), nullptr));
  return Value(std::string(text));
}

}  // namespace hotreload::detail
