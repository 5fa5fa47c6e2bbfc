// The JSON Schema validator with both sides fuzzed. Input: the schema and the instance, both
// JSON, separated by a NUL byte. Checks: compiling never fails internally, and validate() and
// is_valid() agree (one builds every message, the other stops at the first violation).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hotreload/document.hpp"
#include "hotreload/schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hotreload;
  auto parts = fuzz::split_parts(fuzz::as_text(data, size), 2);
  ParseOptions options{.limits = {.max_file_bytes = 1u << 20, .max_depth = 64, .max_nodes = 20'000},
                       .require_object = false};
  Result<Document> schema_document = parse(parts[0], Format::json, "schema.json", options);
  if (!schema_document) return 0;
  Result<Schema, Errors> schema = Schema::compile(*schema_document);
  if (!schema) {
    fuzz::check_not_internal(schema.error());
    return 0;
  }
  Result<Document> instance = parse(parts[1], Format::json, "instance.json", options);
  if (!instance) return 0;
  Errors errors = schema->validate(*instance);
  fuzz::check_not_internal(errors);
  HOTRELOAD_FUZZ_CHECK(errors.empty() == schema->is_valid(instance->root), to_string(errors));
  for (const Error& error : errors) (void)error.to_string();
  return 0;
}
