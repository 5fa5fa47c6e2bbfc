// The environment overlay with a fuzzed environment, prefix and separator. Input: NUL-separated
// parts: the base document (YAML), the prefix, the separator, then the variables as NAME=VALUE
// lines. Checks: no internal errors; every origin points at a source; and the errors do not
// depend on the values, which may be secrets (the same environment with every value replaced
// must give the same messages but for the kind of a value in the way, so no message can quote
// a value).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/utf8.hpp"
#include "fuzz_support.hpp"
#include "hotreload/layers.hpp"

namespace {

using namespace hotreload;

Environment parse_environment(std::string_view text) {
  Environment vars;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    vars.emplace_back(std::string(line.substr(0, equals)), std::string(line.substr(equals + 1)));
  }
  return vars;
}

// The messages without the kind of the value in the way (", which is a number"): the kind
// may differ once values are masked, and it says nothing of the value itself.
std::string messages(const Result<void, Errors>& result) {
  if (result) return {};
  std::string out;
  for (const Error& error : result.error()) {
    std::string line = error.to_string();
    out += line.substr(0, line.find(", which is ")) + "\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = fuzz::split_parts(fuzz::as_text(data, size), 4);
  ParseOptions options{.limits = {.max_file_bytes = 1u << 20, .max_depth = 64, .max_nodes = 20'000},
                       .allow_empty = true};
  Result<Document> base = parse(parts[0], Format::yaml, "base.yaml", options);
  if (!base) return 0;
  const EnvOverlay overlay{.prefix = std::string(parts[1]), .separator = std::string(parts[2])};
  const Environment vars = parse_environment(parts[3]);

  Document document = *base;
  Result<void, Errors> applied = apply_env(document, overlay, vars);
  if (!applied) fuzz::check_not_internal(applied.error());
  fuzz::check_origins(document.root, document.sources.size());
  (void)provenance(document);

  // A secret value must never shape an error message.
  Environment masked = vars;
  // A value that is not UTF-8 is refused for that alone, so its mask keeps that one property.
  for (auto& var : masked) {
    var.second = detail::find_invalid_utf8(var.second) == std::string::npos ? "masked" : "masked\xff";
  }
  Document masked_document = *base;
  Result<void, Errors> masked_applied = apply_env(masked_document, overlay, masked);
  HOTRELOAD_FUZZ_CHECK(messages(applied) == messages(masked_applied), messages(applied) + "\nvs\n" + messages(masked_applied));
  return 0;
}
