// JavaScript's conversions, as json-logic-js applies them, for JSONLogic values.
#include "flagd/logic_value.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "hotreload/json_text.hpp"

namespace hotreload::detail::logic {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_js_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

double string_to_number(std::string_view s) {
  while (!s.empty() && is_js_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_js_space(s.back())) s.remove_suffix(1);
  if (s.empty()) return 0;
  bool negative = false;
  if (s.front() == '+' || s.front() == '-') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "Infinity") return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  // from_chars would also take "inf", "nan" and hex digits without "0x", which Number() refuses.
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return kNaN;
  }
  double out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size()) return kNaN;
  return negative ? -out : out;
}

// JavaScript's ToPrimitive for the comparison operators: arrays and objects become their text.
Val primitive(const Val& v) {
  if (v.kind() == Val::Kind::array || v.kind() == Val::Kind::object) return Val::owned(to_string(v));
  return v;
}

}  // namespace

Val Val::owned(std::string s) {
  Val v;
  v.kind_ = Kind::string;
  auto storage = std::make_shared<Storage>();
  storage->text = std::move(s);
  v.text_ = storage->text;
  v.storage_ = std::move(storage);
  return v;
}

Val Val::array(std::vector<Val> items) {
  Val v;
  v.kind_ = Kind::array;
  if (items.empty()) return v;
  auto storage = std::make_shared<Storage>();
  storage->items = std::move(items);
  v.storage_ = std::move(storage);
  return v;
}

nlohmann::json Val::to_json() const {
  switch (kind_) {
    case Kind::null: return nullptr;
    case Kind::boolean: return boolean_;
    case Kind::number: {
      if (std::trunc(number_) == number_ && std::fabs(number_) < 9.007199254740992e15) {
        return static_cast<std::int64_t>(number_);
      }
      return number_;
    }
    case Kind::string: return std::string(as_string());
    case Kind::array:
    case Kind::object: {
      if (json_ != nullptr) return *json_;
      nlohmann::json out = nlohmann::json::array();
      if (storage_ != nullptr) {
        for (const Val& item : storage_->items) out.push_back(item.to_json());
      }
      return out;
    }
  }
  return nullptr;
}

bool truthy(const Val& v) {
  switch (v.kind()) {
    case Val::Kind::null: return false;
    case Val::Kind::boolean: return v.as_bool();
    case Val::Kind::number: return v.as_number() != 0 && !std::isnan(v.as_number());
    case Val::Kind::string: return !v.as_string().empty();
    case Val::Kind::array: return v.size() != 0;
    case Val::Kind::object: return true;
  }
  return false;
}

double to_number(const Val& v) {
  switch (v.kind()) {
    case Val::Kind::null: return 0;
    case Val::Kind::boolean: return v.as_bool() ? 1 : 0;
    case Val::Kind::number: return v.as_number();
    case Val::Kind::string: return string_to_number(v.as_string());
    case Val::Kind::array: return string_to_number(to_string(v));
    case Val::Kind::object: return kNaN;
  }
  return kNaN;
}

std::string json_text(const nlohmann::json& value) {
  return hotreload::dump_json(value);
}

std::string number_text(double n) {
  if (std::isnan(n)) return "NaN";
  if (std::isinf(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (n == 0) return "0";  // also -0, as JavaScript prints it
  char buffer[64];
  std::to_chars_result result;
  if (std::trunc(n) == n && std::fabs(n) < 1e21) {
    result = std::to_chars(buffer, buffer + sizeof buffer, n, std::chars_format::fixed, 0);
  } else {
    result = std::to_chars(buffer, buffer + sizeof buffer, n);
  }
  return std::string(buffer, result.ptr);
}

void append_string(std::string& out, const Val& v) {
  switch (v.kind()) {
    case Val::Kind::null: out += "null"; return;
    case Val::Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case Val::Kind::number: out += number_text(v.as_number()); return;
    case Val::Kind::string: out += v.as_string(); return;
    case Val::Kind::array: {
      // Array.prototype.join: null elements print as nothing.
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i != 0) out += ',';
        Val item = v.at(i);
        if (!item.is_null()) append_string(out, item);
      }
      return;
    }
    case Val::Kind::object: out += "[object Object]"; return;
  }
}

std::string to_string(const Val& v) {
  std::string out;
  append_string(out, v);
  return out;
}

bool strict_equals(const Val& a, const Val& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Val::Kind::null: return true;
    case Val::Kind::boolean: return a.as_bool() == b.as_bool();
    case Val::Kind::number: return a.as_number() == b.as_number();
    case Val::Kind::string: return a.as_string() == b.as_string();
    case Val::Kind::array:
    case Val::Kind::object: return a.json() != nullptr && a.json() == b.json();  // identity, as in JavaScript
  }
  return false;
}

bool loose_equals(const Val& a, const Val& b) {
  using K = Val::Kind;
  if (a.kind() == b.kind()) return strict_equals(a, b);
  if (a.is_null() || b.is_null()) return false;
  if (a.kind() == K::boolean) return loose_equals(Val::number(a.as_bool() ? 1 : 0), b);
  if (b.kind() == K::boolean) return loose_equals(a, Val::number(b.as_bool() ? 1 : 0));
  if (a.is_number() && b.is_string()) return a.as_number() == to_number(b);
  if (a.is_string() && b.is_number()) return to_number(a) == b.as_number();
  const bool a_composite = a.kind() == K::array || a.kind() == K::object;
  const bool b_composite = b.kind() == K::array || b.kind() == K::object;
  if (a_composite && !b_composite) return loose_equals(primitive(a), b);
  if (b_composite && !a_composite) return loose_equals(a, primitive(b));
  return false;
}

bool less_than(const Val& a, const Val& b) {
  Val pa = primitive(a);
  Val pb = primitive(b);
  if (pa.is_string() && pb.is_string()) return pa.as_string() < pb.as_string();
  return to_number(pa) < to_number(pb);
}

bool less_equal(const Val& a, const Val& b) {
  Val pa = primitive(a);
  Val pb = primitive(b);
  if (pa.is_string() && pb.is_string()) return pa.as_string() <= pb.as_string();
  return to_number(pa) <= to_number(pb);
}

}  // namespace hotreload::detail::logic
