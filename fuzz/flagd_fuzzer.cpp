// flagd flag definitions and their JSONLogic targeting, evaluated with a fuzzed context. Input:
// an options byte (bit 0: lenient, bit 1: YAML instead of JSON), then NUL-separated parts: the
// flag file, the context attributes (JSON), the targeting key (raw bytes, as a caller may pass
// any string), and one more flag key to look up. Every flag is evaluated as every type.
// Checks: an evaluation never throws, and each resolution is consistent (an error has reason
// ERROR, no variant and the caller's default; other reasons carry no error code).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "hotreload/flagd.hpp"

namespace {

using namespace hotreload;

template <class T>
void check(const Resolution<T>& resolution, const T& default_value, std::string_view key) {
  const std::string where = "flag \"" + std::string(key) + "\": " + resolution.error_message;
  HOTRELOAD_FUZZ_CHECK(resolution.metadata != nullptr && resolution.metadata->is_object(), where);
  if (resolution.error != ResolutionError::none) {
    HOTRELOAD_FUZZ_CHECK(resolution.reason == Reason::error, where);
    HOTRELOAD_FUZZ_CHECK(resolution.variant.empty(), where);
    HOTRELOAD_FUZZ_CHECK(resolution.value == default_value, where);
    HOTRELOAD_FUZZ_CHECK(!resolution.error_message.empty(), where);
  } else {
    HOTRELOAD_FUZZ_CHECK(resolution.reason != Reason::error, where);
  }
  if (resolution.reason == Reason::targeting_match || resolution.reason == Reason::static_) {
    HOTRELOAD_FUZZ_CHECK(!resolution.variant.empty() || resolution.error == ResolutionError::none, where);
  }
}

void evaluate_all(const FlagdView& view, std::string_view key, const EvaluationContext& context) {
  check(view.evaluate_boolean(key, true, context), true, key);
  check(view.evaluate_string(key, "fallback", context), std::string("fallback"), key);
  check(view.evaluate_integer(key, std::int64_t{-7}, context), std::int64_t{-7}, key);
  check(view.evaluate_float(key, 0.5, context), 0.5, key);
  const nlohmann::json fallback = {{"fallback", true}};
  check(view.evaluate_object(key, fallback, context), fallback, key);
  Resolution<nlohmann::json> own = view.evaluate(key, std::nullopt, fallback, context);
  check(own, fallback, key);
  // As its own type a flag can fail only for its targeting, never for a type mismatch.
  HOTRELOAD_FUZZ_CHECK(own.error != ResolutionError::type_mismatch || !view.type_of(key), own.error_message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const FlagdOptions options{.strict = (data[0] & 1) == 0,
                             .limits = {.max_file_bytes = 1u << 20, .max_depth = 64, .max_nodes = 20'000}};
  const Format format = (data[0] & 2) != 0 ? Format::yaml : Format::json;
  auto parts = fuzz::split_parts(fuzz::as_text(data + 1, size - 1), 4);

  Result<FlagdDefinitions, Errors> definitions = FlagdDefinitions::parse(parts[0], "flags.json", format, options);
  if (!definitions) {
    fuzz::check_not_internal(definitions.error());
    return 0;
  }
  fuzz::check_not_internal(definitions->warnings());
  FlagdStore store(*definitions);

  EvaluationContext context;
  context.attributes = nlohmann::json::parse(parts[1], nullptr, /*allow_exceptions=*/false);
  if (context.attributes.is_discarded() || !context.attributes.is_object()) context.attributes = nullptr;
  context.targeting_key = std::string(parts[2]);

  FlagdView view = store.view();
  for (const std::string& key : view.keys()) evaluate_all(view, key, context);
  evaluate_all(view, parts[3], context);
  return 0;
}
