// Where every (sub)schema lives: its base URI for resolving relative $refs, its path for error
// messages, and the index from absolute URIs ($id, JSON pointer fragments) to schema values.
#pragma once

#include <cstdint>
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

// The 2020-12 vocabularies that a meta-schema's "$vocabulary" can leave out, as bits (core is
// always on; meta-data, content and format-annotation only annotate). Keywords of a vocabulary
// that is off are ignored like unknown ones.
enum Vocabulary : std::uint8_t {
  kApplicator = 1,
  kUnevaluated = 2,
  kValidation = 4,
  kFormatAssertion = 8,  // "format" asserts
};
inline constexpr std::uint8_t kDefault2020Vocabularies = kApplicator | kUnevaluated | kValidation;
// draft-07 has no vocabularies; its "format" asserts unless SchemaOptions says otherwise.
inline constexpr std::uint8_t kDraft07Vocabularies = kApplicator | kUnevaluated | kValidation | kFormatAssertion;

// What a document's "$schema" makes of it.
struct DocumentDialect {
  SchemaDialect version = SchemaDialect::draft7;
  std::uint8_t vocabularies = kDraft07Vocabularies;
  std::string problem{};  // why "$schema" could not be honoured; empty when it was
};

class Registry {
 public:
  explicit Registry(const SchemaOptions& options) : options_(options) {}

  // Indexes every subschema of `document`, whose own URI is `uri` ("" for the main document).
  // Without "$schema" the document is in the dialect of `referrer` (the document whose $ref
  // fetched it), or SchemaOptions::default_dialect.
  void add_document(const Document& document, const std::string& uri, const Document* referrer = nullptr);
  // The recorded place of an indexed subschema; nullptr when the value was never indexed.
  const Located* find(const Value* value) const;
  // The schema an absolute URI names, loading a remote document (a bundled meta-schema, or one
  // from the resolver) if needed, on behalf of a schema in `referrer`.
  std::optional<Located> resolve(const std::string& uri, const Document* referrer = nullptr);
  // The "$dynamicAnchor"s of the schema resource whose URI (a Located's base) is `resource_uri`.
  std::vector<std::pair<std::string, Located>> dynamic_anchors(const std::string& resource_uri) const;
  // The dialect and vocabularies of an added document.
  const DocumentDialect& dialect_of(const Document* document) const;

 private:
  DocumentDialect read_dialect(const Document& document, const std::string& uri, const Document* referrer);
  void index(const Value& schema, std::string base, Path& path, const Document& document, SchemaDialect dialect);
  void index_child(const Value& child, const std::string& base, Path& path, const Document& document,
                   SchemaDialect dialect, const PathSegment& segment);

  SchemaOptions options_;
  std::unordered_map<std::string, Located> resources_;  // absolute URI without fragment -> root
  std::unordered_map<std::string, Located> anchors_;    // "uri#name" from $id: "#name" or $anchor
  std::unordered_map<std::string, std::vector<std::pair<std::string, Located>>> dynamic_anchors_;  // by resource URI
  std::unordered_map<const Value*, Located> located_;
  std::vector<std::unique_ptr<Document>> remotes_;      // documents fetched for $refs
  std::unordered_map<const Document*, DocumentDialect> dialects_;
  std::vector<std::string> reading_dialect_;            // documents whose "$schema" is being resolved
};

}  // namespace hotreload::schema_detail
