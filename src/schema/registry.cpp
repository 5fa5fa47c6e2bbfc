#include "schema/registry.hpp"

#include <algorithm>
#include <charconv>

#include "schema/metaschema.hpp"
#include "schema/uri.hpp"

namespace hotreload::schema_detail {
namespace {

// Keywords whose value is one subschema, an array of them, or a map of them (draft-07).
constexpr const char* kSchemaKeywords[] = {"additionalItems", "additionalProperties", "contains",
                                           "propertyNames", "not", "if", "then", "else"};
constexpr const char* kSchemaArrayKeywords[] = {"allOf", "anyOf", "oneOf"};
constexpr const char* kSchemaMapKeywords[] = {"definitions", "properties", "patternProperties"};
// The ones 2020-12 adds.
constexpr const char* kSchemaKeywords2020[] = {"unevaluatedProperties", "unevaluatedItems"};
constexpr const char* kSchemaArrayKeywords2020[] = {"prefixItems"};
constexpr const char* kSchemaMapKeywords2020[] = {"$defs", "dependentSchemas"};

constexpr std::string_view kDraft07Uri = "http://json-schema.org/draft-07/schema";
constexpr std::string_view kDraft2020Uri = "https://json-schema.org/draft/2020-12/schema";

bool is_schema(const Value& value) { return value.is_object() || value.is_bool(); }

}  // namespace

std::optional<SchemaDialect> dialect_named(std::string_view uri) {
  if (!uri.empty() && uri.back() == '#') uri.remove_suffix(1);
  if (uri == kDraft07Uri) return SchemaDialect::draft7;
  if (uri == kDraft2020Uri) return SchemaDialect::draft2020_12;
  return std::nullopt;
}

void Registry::add_document(const Document& document, const std::string& uri, const Document* referrer) {
  DocumentDialect dialect = read_dialect(document, uri, referrer);
  dialects_[&document] = dialect;
  Path path;
  resources_.emplace(uri, Located{&document.root, uri, {}, &document, dialect.version});
  index(document.root, uri, path, document, dialect.version);
}

const DocumentDialect& Registry::dialect_of(const Document* document) const {
  static const DocumentDialect kUnknown{};
  auto it = dialects_.find(document);
  return it == dialects_.end() ? kUnknown : it->second;
}

// A "$schema" other than draft-07's or 2020-12's names a meta-schema, fetched like a $ref: its own
// "$schema" gives the version, and its "$vocabulary" the vocabularies in effect (2020-12 Core 8.1).
DocumentDialect Registry::read_dialect(const Document& document, const std::string& uri, const Document* referrer) {
  DocumentDialect dialect{options_.default_dialect,
                          options_.default_dialect == SchemaDialect::draft7 ? kDraft07Vocabularies : kDefault2020Vocabularies};
  if (referrer != nullptr) {
    dialect = dialect_of(referrer);
    dialect.problem.clear();
  }
  const Value* schema = document.root.is_object() ? document.root.as_object().find("$schema") : nullptr;
  // A "$schema" that is not a string is reported by the compiler; the default stands in.
  if (schema == nullptr || !schema->is_string()) return dialect;
  const std::string& named = schema->as_string();
  if (std::optional<SchemaDialect> known = dialect_named(named)) {
    dialect.version = *known;
    dialect.vocabularies = *known == SchemaDialect::draft7 ? kDraft07Vocabularies : kDefault2020Vocabularies;
    return dialect;
  }
  const std::string meta_uri = split_fragment(named).first;
  if (meta_uri == uri || std::find(reading_dialect_.begin(), reading_dialect_.end(), meta_uri) != reading_dialect_.end()) {
    // A meta-schema that describes itself: "$vocabulary" came with 2019-09, so it is 2020-12.
    dialect.version = SchemaDialect::draft2020_12;
    dialect.vocabularies = kDefault2020Vocabularies;
    return dialect;
  }
  reading_dialect_.push_back(uri);
  std::optional<Located> meta = resolve(meta_uri);
  reading_dialect_.pop_back();
  if (!meta || !meta->value->is_object()) {
    dialect.problem = "unknown \"$schema\" " + to_json_text(*schema) +
                      ": supported are \"http://json-schema.org/draft-07/schema#\", \"https://json-schema.org/draft/2020-12/schema\" "
                      "and meta-schemas built on 2020-12 that the resolver finds";
    return dialect;
  }
  const DocumentDialect& meta_dialect = dialect_of(meta->document);
  if (!meta_dialect.problem.empty()) {
    dialect.problem = "\"$schema\" " + to_json_text(*schema) + ": its meta-schema's " + meta_dialect.problem;
    return dialect;
  }
  dialect.version = meta_dialect.version;
  const Value* vocabularies = meta->value->as_object().find("$vocabulary");
  if (vocabularies == nullptr || !vocabularies->is_object() || dialect.version == SchemaDialect::draft7) {
    dialect.vocabularies = meta_dialect.vocabularies;
    return dialect;
  }
  constexpr std::string_view kVocabularyPrefix = "https://json-schema.org/draft/2020-12/vocab/";
  dialect.vocabularies = 0;
  for (const auto& [vocabulary, required] : vocabularies->as_object()) {
    const std::string_view name = std::string_view(vocabulary).substr(0, kVocabularyPrefix.size()) == kVocabularyPrefix
                                      ? std::string_view(vocabulary).substr(kVocabularyPrefix.size())
                                      : std::string_view{};
    if (name == "applicator") {
      dialect.vocabularies |= kApplicator;
    } else if (name == "unevaluated") {
      dialect.vocabularies |= kUnevaluated;
    } else if (name == "validation") {
      dialect.vocabularies |= kValidation;
    } else if (name == "format-assertion") {
      dialect.vocabularies |= kFormatAssertion;
    } else if (name != "core" && name != "meta-data" && name != "content" && name != "format-annotation" &&
               required.is_bool() && required.as_bool()) {
      // An unknown vocabulary that is optional (false) is ignored; a required one cannot be honoured.
      dialect.problem = "\"$schema\" " + to_json_text(*schema) + " requires the vocabulary \"" + vocabulary +
                        "\", which hotreload does not know";
    }
  }
  return dialect;
}

const Located* Registry::find(const Value* value) const {
  auto it = located_.find(value);
  return it == located_.end() ? nullptr : &it->second;
}

void Registry::index_child(const Value& child, const std::string& base, Path& path, const Document& document,
                           SchemaDialect dialect, const PathSegment& segment) {
  if (!is_schema(child)) return;
  path.push_back(segment);
  index(child, base, path, document, dialect);
  path.pop_back();
}

void Registry::index(const Value& schema, std::string base, Path& path, const Document& document, SchemaDialect dialect) {
  const bool draft7 = dialect == SchemaDialect::draft7;
  if (schema.is_object()) {
    const Object& object = schema.as_object();
    const Value* id = object.find("$id");
    // draft-07: a $ref replaces its siblings, $id included. 2020-12 keeps them.
    if (id != nullptr && id->is_string() && !(draft7 && object.contains("$ref"))) {
      std::string resolved = resolve_uri(base, id->as_string());
      auto [uri, fragment] = split_fragment(resolved);
      Located here{&schema, uri, path, &document, dialect};
      if (!fragment.empty() && fragment[0] != '/') {
        anchors_.emplace(uri + "#" + fragment, here);
      } else {
        base = uri;
        resources_.emplace(uri, here);
      }
    }
    if (!draft7) {
      // A $dynamicAnchor is also a plain anchor, for $ref and for $dynamicRef's static resolution.
      for (const char* keyword : {"$anchor", "$dynamicAnchor"}) {
        const Value* anchor = object.find(keyword);
        if (anchor != nullptr && anchor->is_string()) {
          anchors_.emplace(base + "#" + anchor->as_string(), Located{&schema, base, path, &document, dialect});
        }
      }
      if (const Value* dynamic = object.find("$dynamicAnchor"); dynamic != nullptr && dynamic->is_string()) {
        dynamic_anchors_[base].emplace_back(dynamic->as_string(), Located{&schema, base, path, &document, dialect});
      }
    }
  }
  located_.emplace(&schema, Located{&schema, base, path, &document, dialect});
  if (!schema.is_object()) return;
  const Object& object = schema.as_object();
  auto singles = [&](const auto& keywords) {
    for (const char* keyword : keywords) {
      if (const Value* child = object.find(keyword)) index_child(*child, base, path, document, dialect, std::string(keyword));
    }
  };
  auto arrays = [&](const auto& keywords) {
    for (const char* keyword : keywords) {
      const Value* list = object.find(keyword);
      if (list == nullptr || !list->is_array()) continue;
      path.push_back(std::string(keyword));
      for (std::size_t i = 0; i < list->as_array().size(); ++i) index_child(list->as_array()[i], base, path, document, dialect, i);
      path.pop_back();
    }
  };
  auto maps = [&](const auto& keywords) {
    for (const char* keyword : keywords) {
      const Value* map = object.find(keyword);
      if (map == nullptr || !map->is_object()) continue;
      path.push_back(std::string(keyword));
      for (const auto& [key, child] : map->as_object()) index_child(child, base, path, document, dialect, key);
      path.pop_back();
    }
  };
  singles(kSchemaKeywords);
  arrays(kSchemaArrayKeywords);
  maps(kSchemaMapKeywords);
  if (!draft7) {
    singles(kSchemaKeywords2020);
    arrays(kSchemaArrayKeywords2020);
    maps(kSchemaMapKeywords2020);
  }
  if (const Value* items = object.find("items")) {
    path.push_back(std::string("items"));
    if (items->is_array()) {
      for (std::size_t i = 0; i < items->as_array().size(); ++i) index_child(items->as_array()[i], base, path, document, dialect, i);
    } else if (is_schema(*items)) {
      index(*items, base, path, document, dialect);
    }
    path.pop_back();
  }
  if (const Value* dependencies = object.find("dependencies"); draft7 && dependencies != nullptr && dependencies->is_object()) {
    path.push_back(std::string("dependencies"));
    for (const auto& [key, child] : dependencies->as_object()) index_child(child, base, path, document, dialect, key);
    path.pop_back();
  }
}

std::vector<std::pair<std::string, Located>> Registry::dynamic_anchors(const std::string& resource_uri) const {
  auto it = dynamic_anchors_.find(resource_uri);
  return it == dynamic_anchors_.end() ? std::vector<std::pair<std::string, Located>>{} : it->second;
}

std::optional<Located> Registry::resolve(const std::string& uri, const Document* referrer) {
  auto [document_uri, fragment] = split_fragment(uri);
  const bool plain_name = !fragment.empty() && fragment[0] != '/';
  if (plain_name) {
    if (auto anchor = anchors_.find(document_uri + "#" + fragment); anchor != anchors_.end()) return anchor->second;
  }
  // Not indexed yet: the document may still have to be loaded, its anchors with it.
  auto resource = resources_.find(document_uri);
  std::optional<std::string_view> bundled_text = resource == resources_.end() ? bundled_metaschema(document_uri) : std::nullopt;
  if (bundled_text) {
    Result<Document> bundled = parse(*bundled_text, Format::json, document_uri);
    if (bundled) {
      remotes_.push_back(std::make_unique<Document>(std::move(*bundled)));
      add_document(*remotes_.back(), document_uri, referrer);
      resource = resources_.find(document_uri);
    }
  }
  if (resource == resources_.end() && options_.resolve_remote) {
    if (std::optional<Document> fetched = options_.resolve_remote(document_uri)) {
      remotes_.push_back(std::make_unique<Document>(std::move(*fetched)));
      add_document(*remotes_.back(), document_uri, referrer);
      resource = resources_.find(document_uri);
    }
  }
  if (resource == resources_.end()) return std::nullopt;
  if (plain_name) {
    auto anchor = anchors_.find(document_uri + "#" + fragment);
    if (anchor == anchors_.end()) return std::nullopt;
    return anchor->second;
  }
  auto tokens = json_pointer_tokens(fragment);
  if (!fragment.empty() && !tokens) return std::nullopt;
  Located target = resource->second;
  const Value* at = target.value;
  for (const std::string& token : tokens ? *tokens : std::vector<std::string>{}) {
    if (at->is_object()) {
      at = at->as_object().find(token);
      target.path.push_back(token);
    } else if (at->is_array()) {
      std::size_t index = 0;
      auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      if (ec != std::errc() || end != token.data() + token.size() || index >= at->as_array().size()) return std::nullopt;
      at = &at->as_array()[index];
      target.path.push_back(index);
    } else {
      return std::nullopt;
    }
    if (at == nullptr) return std::nullopt;
  }
  if (const Located* indexed = find(at)) return *indexed;
  target.value = at;
  return target;
}

}  // namespace hotreload::schema_detail
