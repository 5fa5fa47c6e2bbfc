// What the harnesses share: splitting one input into parts, and invariant checks that stop the
// fuzzer with a message (a failed check is a finding, like a sanitizer report).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/value.hpp"

namespace hotreload::fuzz {

// abort() rather than throw: libFuzzer saves the input that triggered it as a crash.
[[noreturn]] inline void fail(const char* check, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant failed: %s\n%s\n", check, detail.c_str());
  std::abort();
}

#define HOTRELOAD_FUZZ_CHECK(condition, detail)                 \
  do {                                                          \
    if (!(condition)) ::hotreload::fuzz::fail(#condition, (detail)); \
  } while (false)

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Multi-part inputs separate their parts with NUL bytes: configs never contain one, so a seed
// is its parts joined by "\0" and the fuzzer finds the separator quickly. Missing parts are empty.
inline std::vector<std::string_view> split_parts(std::string_view input, std::size_t count) {
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i + 1 < count; ++i) {
    std::size_t end = input.find('\0');
    if (end == std::string_view::npos) break;
    parts.push_back(input.substr(0, end));
    input.remove_prefix(end + 1);
  }
  parts.push_back(input);
  parts.resize(count);
  return parts;
}

// Library failures are values; ErrorCode::internal means an exception escaped a parser or a bug
// was caught at the boundary, which the fuzzer should report.
inline void check_not_internal(const Errors& errors) {
  for (const Error& error : errors) HOTRELOAD_FUZZ_CHECK(error.code != ErrorCode::internal, error.to_string());
}
inline void check_not_internal(const Error& error) { check_not_internal(Errors{error}); }

// Every origin indexes the document's sources (or none), so location_of() never prints garbage.
inline void check_origins(const Value& value, std::size_t source_count) {
  HOTRELOAD_FUZZ_CHECK(value.origin.source == Origin::kNoSource || value.origin.source < source_count,
                       "origin source " + std::to_string(value.origin.source) + " of " +
                           std::to_string(source_count) + " at " + to_json_text(value));
  if (value.is_array()) {
    for (const Value& item : value.as_array()) check_origins(item, source_count);
  } else if (value.is_object()) {
    for (const auto& entry : value.as_object()) check_origins(entry.second, source_count);
  }
}

inline std::size_t depth_of(const Value& value) {
  std::size_t deepest = 0;
  if (value.is_array()) {
    for (const Value& item : value.as_array()) deepest = std::max(deepest, depth_of(item));
    return deepest + 1;
  }
  if (value.is_object()) {
    for (const auto& entry : value.as_object()) deepest = std::max(deepest, depth_of(entry.second));
    return deepest + 1;
  }
  return 0;
}

// Value equality as diff sees it: NaN equals NaN.
inline bool same(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  if (a.is_double() && std::isnan(a.as_double())) return std::isnan(b.as_double());
  if (a.is_array()) {
    const Array& x = a.as_array();
    const Array& y = b.as_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!same(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.as_object().size() != b.as_object().size()) return false;
    for (const auto& [key, value] : a.as_object()) {
      const Value* other = b.as_object().find(key);
      if (other == nullptr || !same(value, *other)) return false;
    }
    return true;
  }
  return a == b;
}

// JSON can carry the value exactly: no NaN or infinity, and every string and key valid UTF-8.
inline bool json_exact(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::floating: return std::isfinite(value.as_double());
    case Value::Kind::string:
      try {
        (void)nlohmann::json(value.as_string()).dump();
        return true;
      } catch (const nlohmann::json::exception&) {
        return false;
      }
    case Value::Kind::array:
      for (const Value& item : value.as_array()) {
        if (!json_exact(item)) return false;
      }
      return true;
    case Value::Kind::object:
      for (const auto& [key, item] : value.as_object()) {
        if (!json_exact(Value(key)) || !json_exact(item)) return false;
      }
      return true;
    default: return true;
  }
}

// The first difference between two trees a parser's two paths built from one text, or "" when
// they are the same to the bit: kinds, values (NaN equal to NaN, -0 unequal to 0), key order and
// every node's line:column. Used by the harnesses that check a fast path against its reference.
inline std::string tree_difference(const Value& fast, const Value& reference, const std::string& where) {
  auto origin_text = [](const Origin& origin) { return std::to_string(origin.line) + ":" + std::to_string(origin.column); };
  if (fast.origin != reference.origin) {
    return where + ": at " + origin_text(fast.origin) + ", reference " + origin_text(reference.origin);
  }
  if (fast.kind() != reference.kind()) return where + ": " + kind_name(fast.kind()) + ", reference " + kind_name(reference.kind());
  if (fast.is_double()) {
    double a = fast.as_double();
    double b = reference.as_double();
    bool equal = (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
    return equal ? "" : where + ": " + std::to_string(a) + ", reference " + std::to_string(b);
  }
  if (fast.is_array()) {
    const Array& a = fast.as_array();
    const Array& b = reference.as_array();
    if (a.size() != b.size()) return where + ": " + std::to_string(a.size()) + " items, reference " + std::to_string(b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string found = tree_difference(a[i], b[i], where + "[" + std::to_string(i) + "]");
      if (!found.empty()) return found;
    }
    return "";
  }
  if (fast.is_object()) {
    auto a = fast.as_object().begin();
    auto b = reference.as_object().begin();
    for (; a != fast.as_object().end() && b != reference.as_object().end(); ++a, ++b) {
      if (a->first != b->first) return where + ": key \"" + a->first + "\", reference \"" + b->first + "\"";
      if (std::string found = tree_difference(a->second, b->second, where + "." + a->first); !found.empty()) return found;
    }
    if (a != fast.as_object().end() || b != reference.as_object().end()) return where + ": a different number of keys";
    return "";
  }
  if (!(fast == reference)) return where + ": " + to_json_text(fast) + ", reference " + to_json_text(reference);
  return "";
}

}  // namespace hotreload::fuzz
