#include "hotreload/schema.hpp"

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <unordered_map>

#include "schema/compiler.hpp"
#include "schema/validator.hpp"

namespace hotreload {

Schema::Schema(std::shared_ptr<const schema_detail::CompiledSchema> compiled) : compiled_(std::move(compiled)) {}

Result<Schema, Errors> Schema::compile(const Document& schema_document, const SchemaOptions& options) {
  auto compiled = std::make_shared<schema_detail::CompiledSchema>();
  Errors errors;
  schema_detail::Compiler(options).compile(schema_document, *compiled, errors);
  if (!errors.empty()) return unexpected(std::move(errors));
  return Schema(std::move(compiled));
}

Result<Schema, Errors> Schema::load(const std::string& path, const SchemaOptions& options) {
  Result<Document> document = parse_file(path, std::nullopt, ParseOptions{.require_object = false});
  if (!document) return unexpected(Errors{document.error()});
  return compile(*document, options);
}

Errors Schema::validate(const Document& instance) const {
  Errors errors;
  schema_detail::Validator(*compiled_, &instance, &errors).check(0, instance.root);
  // The walk meets a value's own errors (required, anyOf, ...) after its children's; put each
  // source's errors in the order of their positions, sources in the order they first appear.
  std::unordered_map<std::string, std::size_t> file_rank;
  for (const Error& error : errors) file_rank.emplace(error.location.file, file_rank.size());
  std::stable_sort(errors.begin(), errors.end(), [&](const Error& a, const Error& b) {
    auto key = [&](const Error& e) { return std::tuple(file_rank[e.location.file], e.location.line, e.location.column); };
    return key(a) < key(b);
  });
  return errors;
}

bool Schema::is_valid(const Value& instance) const {
  return schema_detail::Validator(*compiled_, nullptr, nullptr).check(0, instance);
}

std::function<std::optional<Document>(std::string_view uri)> map_remote_prefix(std::string uri_prefix,
                                                                               std::string directory) {
  return [uri_prefix = std::move(uri_prefix), directory = std::move(directory)](std::string_view uri) -> std::optional<Document> {
    if (uri.substr(0, uri_prefix.size()) != uri_prefix) return std::nullopt;
    std::filesystem::path file = std::filesystem::path(directory) / std::string(uri.substr(uri_prefix.size()));
    Result<Document> document = parse_file(file.string(), Format::json, ParseOptions{.require_object = false});
    if (!document) return std::nullopt;
    return std::move(*document);
  };
}

}  // namespace hotreload
