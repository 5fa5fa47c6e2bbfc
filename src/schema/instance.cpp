#include "schema/instance.hpp"

#include <cmath>
#include <cstdlib>

#include "schema/node.hpp"

namespace hotreload::schema_detail {

bool json_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const Array& x = a.as_array();
    const Array& y = b.as_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!json_equal(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const Object& x = a.as_object();
    const Object& y = b.as_object();
    if (x.size() != y.size()) return false;
    for (const auto& [key, item] : x) {
      const Value* other = y.find(key);
      if (other == nullptr || !json_equal(item, *other)) return false;
    }
    return true;
  }
  return a == b;
}

bool is_integral(const Value& number) {
  if (number.is_int()) return true;
  if (!number.is_double()) return false;
  double d = number.as_double();
  return std::isfinite(d) && std::floor(d) == d;
}

int compare_numbers(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
  double x = a.as_double();
  double y = b.as_double();
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool is_multiple_of(const Value& number, const Value& divisor) {
  if (number.is_int() && divisor.is_int()) {
    return divisor.as_int() != 0 && number.as_int() % divisor.as_int() == 0;
  }
  double quotient = number.as_double() / divisor.as_double();
  // A quotient that overflows to infinity is no integer; otherwise allow for the rounding of
  // decimal fractions (0.0075 / 0.0001 is 74.99999999999999 in binary floating point).
  if (!std::isfinite(quotient)) return false;
  double nearest = std::round(quotient);
  return std::fabs(quotient - nearest) <= 1e-9 * std::fmax(1.0, std::fabs(quotient));
}

std::size_t code_points(std::string_view utf8) {
  std::size_t count = 0;
  for (char c : utf8) {
    // Continuation bytes (10xxxxxx) belong to the code point started before them.
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::uint8_t type_bits(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::null: return kNull;
    case Value::Kind::boolean: return kBoolean;
    case Value::Kind::integer: return kInteger | kNumber;
    case Value::Kind::floating: return is_integral(value) ? (kInteger | kNumber) : kNumber;
    case Value::Kind::string: return kString;
    case Value::Kind::array: return kArray;
    case Value::Kind::object: return kObject;
  }
  return 0;
}

const char* json_type_name(const Value& value) {
  // The document model's names, except that JSON Schema calls a map an "object".
  return value.is_object() ? "object" : kind_name(value.kind());
}

std::string shown(const Value& value) {
  std::string text = to_json_text(value);
  constexpr std::size_t kMax = 60;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

std::string quoted(const std::string& text) { return to_json_text(Value(text)); }

}  // namespace hotreload::schema_detail
