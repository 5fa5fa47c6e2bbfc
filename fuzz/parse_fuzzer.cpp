// Each parser into the document model. The first byte picks the format ('0' YAML, '1' JSON,
// '2' TOML, '3' keyvalue: byte % 4); the rest is the text. Checks: no internal errors, limits
// hold, origins index the sources, and a parsed tree survives a round trip through its JSON
// rendering.
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "fuzz_support.hpp"
#include "hotreload/document.hpp"

namespace {

// Small enough that YAML alias bombs hit the limit in microseconds, not milliseconds.
constexpr hotreload::ParseLimits kLimits{.max_file_bytes = 1u << 20, .max_depth = 64, .max_nodes = 20'000};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hotreload;
  if (size == 0) return 0;
  // '0'..'3' (48..51) pick these in order, as the corpus files' first bytes expect.
  constexpr Format kFormats[] = {Format::yaml, Format::json, Format::toml, Format::keyvalue};
  const Format format = kFormats[data[0] % std::size(kFormats)];
  std::string_view text = fuzz::as_text(data + 1, size - 1);

  ParseOptions options{.limits = kLimits, .require_object = false, .allow_empty = true};
  Result<Document> parsed = parse(text, format, "fuzz.conf", options);
  if (!parsed) {
    fuzz::check_not_internal(parsed.error());
    return 0;
  }
  const Document& document = *parsed;
  fuzz::check_origins(document.root, document.sources.size());
  HOTRELOAD_FUZZ_CHECK(fuzz::depth_of(document.root) <= kLimits.max_depth, to_json_text(document.root));
  HOTRELOAD_FUZZ_CHECK(document.root.node_count() <= kLimits.max_nodes, "node count");

  // The default options refuse a top level that is not a map, and an empty text; an empty map
  // may be either ("{}" in JSON is a map, an empty TOML file is empty).
  Result<Document> strict = parse(text, format, "fuzz.conf", ParseOptions{.limits = kLimits});
  const bool is_map = document.root.is_object();
  HOTRELOAD_FUZZ_CHECK(!strict || (is_map && fuzz::same(strict->root, document.root)), to_json_text(document.root));
  HOTRELOAD_FUZZ_CHECK(strict || !is_map || document.root.as_object().empty(), strict.error().to_string());

  if (fuzz::json_exact(document.root)) {
    std::string rendered = to_json_text(document.root);
    Result<Document> again = parse(rendered, Format::json, "rendered.json", options);
    HOTRELOAD_FUZZ_CHECK(static_cast<bool>(again), rendered + "\n" + (again ? "" : again.error().to_string()));
    HOTRELOAD_FUZZ_CHECK(fuzz::same(again->root, document.root), rendered + "\n" + to_json_text(again->root));
  }
  return 0;
}
