// YAML's two paths (src/load/parsers.hpp): whatever the fast path (libyaml) accepts, the reference
// (yaml-cpp, which gave every error message and position before the fast path existed) must
// accept with the same tree: the same kinds, values, key order and the same line:column on every
// node. The fast path may give up on more than the reference refuses (the reference then reads
// the text); it must never accept what the reference refuses. The input goes through parse()'s
// own UTF-8 and blank checks first, as every text does.
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
  std::string found = hotreload::fuzz::tree_difference(*fast, *reference, "$");
  HOTRELOAD_FUZZ_CHECK(found.empty(), found);
  return 0;
}
