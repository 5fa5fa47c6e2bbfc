// YAML's two paths (src/load/parsers.hpp): whatever the fast path (libyaml) accepts, the reference
// (yaml-cpp, which gave every error message and position before the fast path existed) must
// accept with the same tree: the same kinds, values, key order and the same line:column on every
// node. The fast path may give up on more than the reference refuses (the reference then reads
// the text); it must never accept what the reference refuses. The input goes through parse()'s
// own UTF-8 and blank checks first, as every text does.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/utf8.hpp"
#include "fuzz_support.hpp"
#include "load/parsers.hpp"

namespace {

using hotreload::Value;

// Small limits so that the depth and value limits are reached often.
constexpr hotreload::ParseLimits kLimits{.max_file_bytes = 1u << 20, .max_depth = 16, .max_nodes = 2'000};

std::string origin_text(const hotreload::Origin& origin) {
  return std::to_string(origin.line) + ":" + std::to_string(origin.column);
}

// The first difference between two trees, or "" when they are the same to the bit (NaN equal to
// NaN: ".nan" reads as one on both paths).
std::string difference(const Value& fast, const Value& reference, const std::string& where) {
  if (fast.origin != reference.origin) {
    return where + ": at " + origin_text(fast.origin) + ", reference " + origin_text(reference.origin);
  }
  if (fast.kind() != reference.kind()) {
    return where + ": " + hotreload::kind_name(fast.kind()) + ", reference " + hotreload::kind_name(reference.kind());
  }
  if (fast.is_double()) {
    double a = fast.as_double();
    double b = reference.as_double();
    bool same = (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
    return same ? "" : where + ": " + std::to_string(a) + ", reference " + std::to_string(b);
  }
  if (fast.is_array()) {
    const hotreload::Array& a = fast.as_array();
    const hotreload::Array& b = reference.as_array();
    if (a.size() != b.size()) {
      return where + ": " + std::to_string(a.size()) + " items, reference " + std::to_string(b.size());
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string found = difference(a[i], b[i], where + "[" + std::to_string(i) + "]");
      if (!found.empty()) return found;
    }
    return "";
  }
  if (fast.is_object()) {
    auto a = fast.as_object().begin();
    auto b = reference.as_object().begin();
    for (; a != fast.as_object().end() && b != reference.as_object().end(); ++a, ++b) {
      if (a->first != b->first) return where + ": key \"" + a->first + "\", reference \"" + b->first + "\"";
      if (std::string found = difference(a->second, b->second, where + "." + a->first); !found.empty()) return found;
    }
    if (a != fast.as_object().end() || b != reference.as_object().end()) return where + ": a different number of keys";
    return "";
  }
  if (!(fast == reference)) return where + ": " + to_json_text(fast) + ", reference " + to_json_text(reference);
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = hotreload::fuzz::as_text(data, size);
  // parse() refuses invalid UTF-8 and blank texts before any parser sees them.
  if (hotreload::detail::find_invalid_utf8(text) != std::string_view::npos) return 0;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return 0;
  std::optional<Value> fast = hotreload::detail::parse_yaml_fast(text, kLimits);
  if (!fast) return 0;
  hotreload::Result<Value> reference = hotreload::detail::parse_yaml_reference(text, "fuzz.yaml", kLimits);
  HOTRELOAD_FUZZ_CHECK(static_cast<bool>(reference), "the fast path accepts what the reference refuses: " +
                                                         (reference ? std::string() : reference.error().to_string()));
  std::string found = difference(*fast, *reference, "$");
  HOTRELOAD_FUZZ_CHECK(found.empty(), found);
  return 0;
}
