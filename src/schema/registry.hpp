// Where every (sub)schema lives: its base URI for resolving relative $refs, its path for error
// messages, and the index from absolute URIs ($id, JSON pointer fragments) to schema values.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/path.hpp"
#include "hotreload/schema.hpp"
#include "hotreload/value.hpp"

namespace hotreload::schema_detail {

struct Located {
  const Value* value = nullptr;
  std::string base{};       // the base URI in effect for this schema (after its own $id)
  Path path{};              // from the root of its document, for error messages
  const Document* document = nullptr;
  SchemaDialect dialect = SchemaDialect::draft7;  // of the document this schema is part of
};

// The dialect a "$schema" URI names (a trailing empty fragment "#" is allowed), or nullopt.
std::optional<SchemaDialect> dialect_named(std::string_view uri);

class Registry {
 public:
  explicit Registry(const SchemaOptions& options) : options_(options) {}

  // Indexes every subschema of `document`, whose own URI is `uri` ("" for the main document).
  void add_document(const Document& document, const std::string& uri);
  // The recorded place of an indexed subschema; nullptr when the value was never indexed.
  const Located* find(const Value* value) const;
  // The schema an absolute URI names, loading a remote document through the resolver if needed.
  std::optional<Located> resolve(const std::string& uri);
  // The "$dynamicAnchor"s of the schema resource whose URI (a Located's base) is `resource_uri`.
  std::vector<std::pair<std::string, Located>> dynamic_anchors(const std::string& resource_uri) const;

 private:
  void index(const Value& schema, std::string base, Path& path, const Document& document, SchemaDialect dialect);
  void index_child(const Value& child, const std::string& base, Path& path, const Document& document,
                   SchemaDialect dialect, const PathSegment& segment);

  SchemaOptions options_;
  std::unordered_map<std::string, Located> resources_;  // absolute URI without fragment -> root
  std::unordered_map<std::string, Located> anchors_;    // "uri#name" from $id: "#name" or $anchor
  std::unordered_map<std::string, std::vector<std::pair<std::string, Located>>> dynamic_anchors_;  // by resource URI
  std::unordered_map<const Value*, Located> located_;
  std::vector<std::unique_ptr<Document>> remotes_;      // documents fetched for $refs
};

}  // namespace hotreload::schema_detail
