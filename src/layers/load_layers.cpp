#include <cstdint>
#include <filesystem>
#include <system_error>
#include <utility>

#include "hotreload/layers.hpp"

namespace hotreload {
namespace {

bool is_missing(const std::string& path) {
  std::error_code ignored;
  // A dangling symlink counts as missing: that is how a removed ConfigMap key looks.
  return std::filesystem::status(path, ignored).type() == std::filesystem::file_type::not_found;
}

// A parsed file's origins index its own sources; in the merged document they index new ones.
void reindex_origins(Value& node, const std::vector<std::uint32_t>& new_index) {
  if (node.origin.source < new_index.size()) node.origin.source = new_index[node.origin.source];
  if (node.is_array()) {
    for (Value& element : node.as_array()) reindex_origins(element, new_index);
  } else if (node.is_object()) {
    for (auto& entry : node.as_object()) reindex_origins(entry.second, new_index);
  }
}

}  // namespace

Result<Document, Errors> load_layers(const LayerOptions& options) {
  Document merged;
  merged.root = Object{};
  Errors errors;
  for (const LayerSpec& spec : options.files) {
    Result<Document> parsed = parse_file(spec.path, spec.format, options.parse);
    if (!parsed) {
      // Checking after the failure rather than before leaves no window between check and read.
      if (spec.optional && parsed.error().code == ErrorCode::io && is_missing(spec.path)) continue;
      errors.push_back(std::move(parsed).error());
      continue;
    }
    std::vector<std::uint32_t> new_index;
    for (Source source : parsed->sources) {
      source.layer = spec.name.empty() ? spec.path : spec.name;
      new_index.push_back(merged.add_source(std::move(source)));
    }
    reindex_origins(parsed->root, new_index);
    merge_into(merged.root, std::move(parsed->root));
  }
  if (!errors.empty()) return unexpected(std::move(errors));

  if (options.env) {
    Result<void, Errors> applied =
        options.environment ? apply_env(merged, *options.env, *options.environment)
                            : apply_env(merged, *options.env, process_environment());
    if (!applied) return unexpected(std::move(applied).error());
  }
  return merged;
}

}  // namespace hotreload
