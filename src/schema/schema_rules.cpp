#include "hotreload/schema_rules.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "schema/registry.hpp"
#include "schema/uri.hpp"

namespace hotreload {
namespace {

using schema_detail::Located;
using schema_detail::Registry;

constexpr std::string_view kReloadKeyword = "x-reload";
constexpr std::string_view kSecretKeyword = "x-secret";
// How many times one $ref target may be expanded inside itself (a tree of nodes).
constexpr int kMaxRecursion = 4;
// Subschemas visited while following $refs, before the schema is refused as too recursive.
constexpr std::size_t kMaxVisits = 100'000;

// One step of the instance path a subschema describes.
struct Step {
  enum class Kind { key, index, any_key, any_index } kind;
  std::string key{};
  std::size_t index = 0;
};

std::string pattern_of(const std::vector<Step>& steps) {
  std::string out;
  for (const Step& step : steps) {
    std::string piece;
    switch (step.kind) {
      case Step::Kind::key: piece = to_dotted({step.key}); break;
      case Step::Kind::index: piece = "[" + std::to_string(step.index) + "]"; break;
      case Step::Kind::any_key: piece = "*"; break;
      case Step::Kind::any_index: piece = "[*]"; break;
    }
    if (!out.empty() && piece.front() != '[') out += '.';
    out += piece;
  }
  // FieldRules has no pattern for the root; every top-level key is the closest.
  return out.empty() ? "*" : out;
}

bool is_schema(const Value& value) { return value.is_object() || value.is_bool(); }

bool declares(const Object& object) { return object.contains(kReloadKeyword) || object.contains(kSecretKeyword); }

// Keywords whose value is one subschema describing the same value, or an array of them.
constexpr const char* kSameValue[] = {"if", "then", "else"};
constexpr const char* kSameValueArrays[] = {"allOf", "anyOf", "oneOf"};
// One subschema for every member or item the keyword does not name.
constexpr const char* kAnyKey[] = {"additionalProperties", "unevaluatedProperties"};
constexpr const char* kAnyIndex[] = {"additionalItems", "unevaluatedItems", "contains"};
// Subschemas that describe no value of the instance (or none directly): checked, never declaring.
constexpr const char* kNoValue[] = {"not", "propertyNames"};
constexpr const char* kDefinitionMaps[] = {"definitions", "$defs"};

class Collector {
 public:
  Collector(const Document& document, const SchemaOptions& options) : registry_(options) {
    registry_.add_document(document, "");
    root_ = *registry_.find(&document.root);
  }

  Result<std::vector<SchemaFieldRule>, Errors> run() {
    std::vector<Step> steps;
    walk(root_, steps, true);
    if (!errors_.empty()) {
      // In the order of the file, not of the walk (which follows $refs).
      std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
        return std::tie(a.location.file, a.location.line, a.location.column) <
               std::tie(b.location.file, b.location.line, b.location.column);
      });
      return unexpected(std::move(errors_));
    }
    return std::move(rules_);
  }

 private:
  // The place of `child`, a subschema found under `parent` at `segments`.
  Located locate(const Located& parent, const Value& child, std::vector<PathSegment> segments) {
    if (const Located* indexed = registry_.find(&child)) return *indexed;
    Located here = parent;
    here.value = &child;
    here.path.insert(here.path.end(), segments.begin(), segments.end());
    return here;
  }

  void fail(const Located& at, const Value& value, std::string_view keyword, std::string message) {
    Path path = at.path;
    path.emplace_back(std::string(keyword));
    errors_.push_back(Error{ErrorCode::validation, "invalid schema: " + std::move(message),
                            at.document->location_of(value.origin), to_dotted(path)});
  }

  // Checks the vendor keywords of one subschema (each once) and, when `declare`, records them.
  void read_keywords(const Located& at, const Object& object, const std::vector<Step>& steps, bool declare) {
    if (const Value* reload = object.find(kReloadKeyword)) {
      std::optional<SchemaFieldRule::Kind> kind;
      if (reload->is_string() && reload->as_string() == "dynamic") kind = SchemaFieldRule::Kind::dynamic;
      if (reload->is_string() && reload->as_string() == "restart") kind = SchemaFieldRule::Kind::restart;
      if (!kind && checked_.insert(reload).second) {
        fail(at, *reload, kReloadKeyword,
             "\"x-reload\" must be \"dynamic\" or \"restart\", got " + std::string(kind_name(reload->kind())) + " " +
                 to_json_text(*reload));
      }
      if (kind && declare) record(at, *reload, steps, *kind);
    }
    if (const Value* secret = object.find(kSecretKeyword)) {
      if (!secret->is_bool() && checked_.insert(secret).second) {
        fail(at, *secret, kSecretKeyword,
             "\"x-secret\" must be true or false, got " + std::string(kind_name(secret->kind())) + " " +
                 to_json_text(*secret));
      }
      if (secret->is_bool() && secret->as_bool() && declare) record(at, *secret, steps, SchemaFieldRule::Kind::secret);
    }
  }

  void record(const Located& at, const Value& value, const std::vector<Step>& steps, SchemaFieldRule::Kind kind) {
    std::string pattern = pattern_of(steps);
    // anyOf branches and repeated $refs declare the same thing more than once.
    if (!recorded_.emplace(pattern, kind).second) return;
    rules_.push_back({std::move(pattern), kind, at.document->location_of(value.origin)});
  }

  void walk_child(const Located& parent, const Value& child, std::vector<PathSegment> segments,
                  std::vector<Step>& steps, bool declare, std::optional<Step> step = std::nullopt) {
    if (!is_schema(child)) return;
    if (step) steps.push_back(std::move(*step));
    walk(locate(parent, child, std::move(segments)), steps, declare);
    if (step) steps.pop_back();
  }

  // `declare`: the subschema describes the value at `steps`; otherwise it is only checked.
  void walk(const Located& at, std::vector<Step>& steps, bool declare) {
    if (!at.value->is_object() || too_recursive_) return;
    if (++visits_ > kMaxVisits) {
      if (!too_recursive_) {
        too_recursive_ = true;
        errors_.push_back(Error{ErrorCode::validation,
                                "invalid schema: its $refs expand into more than " + std::to_string(kMaxVisits) +
                                    " subschemas while looking for x-reload and x-secret",
                                at.document->location_of(at.value->origin), to_dotted(at.path)});
      }
      return;
    }
    const Object& object = at.value->as_object();
    read_keywords(at, object, steps, declare);

    if (const Value* ref = object.find("$ref"); ref != nullptr && ref->is_string() && declare) follow(at, *ref, steps);
    // A 2020-12 $dynamicRef is followed to its static target: what the schema says before any
    // extension overrides it through the dynamic scope.
    if (const Value* ref = object.find("$dynamicRef");
        ref != nullptr && ref->is_string() && declare && at.dialect != SchemaDialect::draft7) {
      follow(at, *ref, steps);
    }

    for (const char* keyword : kSameValue) {
      if (const Value* child = object.find(keyword)) walk_child(at, *child, {std::string(keyword)}, steps, declare);
    }
    for (const char* keyword : kSameValueArrays) {
      const Value* list = object.find(keyword);
      if (list == nullptr || !list->is_array()) continue;
      for (std::size_t i = 0; i < list->as_array().size(); ++i) {
        walk_child(at, list->as_array()[i], {std::string(keyword), i}, steps, declare);
      }
    }
    for (const char* keyword : {"dependencies", "dependentSchemas"}) {
      const Value* map = object.find(keyword);
      if (map == nullptr || !map->is_object()) continue;
      for (const auto& [key, child] : map->as_object()) walk_child(at, child, {std::string(keyword), key}, steps, declare);
    }
    if (const Value* properties = object.find("properties"); properties != nullptr && properties->is_object()) {
      for (const auto& [key, child] : properties->as_object()) {
        walk_child(at, child, {std::string("properties"), key}, steps, declare, Step{Step::Kind::key, key});
      }
    }
    if (const Value* patterns = object.find("patternProperties"); patterns != nullptr && patterns->is_object()) {
      for (const auto& [key, child] : patterns->as_object()) {
        walk_child(at, child, {std::string("patternProperties"), key}, steps, declare, Step{Step::Kind::any_key});
      }
    }
    for (const char* keyword : kAnyKey) {
      if (const Value* child = object.find(keyword)) {
        walk_child(at, *child, {std::string(keyword)}, steps, declare, Step{Step::Kind::any_key});
      }
    }
    for (const char* keyword : {"items", "prefixItems"}) {
      const Value* items = object.find(keyword);
      if (items == nullptr) continue;
      if (items->is_array()) {
        for (std::size_t i = 0; i < items->as_array().size(); ++i) {
          walk_child(at, items->as_array()[i], {std::string(keyword), i}, steps, declare, Step{Step::Kind::index, {}, i});
        }
      } else {
        walk_child(at, *items, {std::string(keyword)}, steps, declare, Step{Step::Kind::any_index});
      }
    }
    for (const char* keyword : kAnyIndex) {
      if (const Value* child = object.find(keyword)) {
        walk_child(at, *child, {std::string(keyword)}, steps, declare, Step{Step::Kind::any_index});
      }
    }
    for (const char* keyword : kNoValue) {
      if (const Value* child = object.find(keyword)) walk_child(at, *child, {std::string(keyword)}, steps, false);
    }
    // Reached through $refs when used; checked here, once, so that an unused one is checked too.
    for (const char* keyword : kDefinitionMaps) {
      const Value* map = object.find(keyword);
      if (map == nullptr || !map->is_object() || !checked_.insert(map).second) continue;
      for (const auto& [key, child] : map->as_object()) walk_child(at, child, {std::string(keyword), key}, steps, false);
    }
  }

  void follow(const Located& at, const Value& ref, std::vector<Step>& steps) {
    std::optional<Located> target = registry_.resolve(schema_detail::resolve_uri(at.base, ref.as_string()), at.document);
    if (!target || !reaches_declaration(*target)) return;
    int& depth = expanding_[target->value];
    if (depth >= kMaxRecursion) return;
    ++depth;
    walk(*target, steps, true);
    --depth;
  }

  // Does any subschema reachable from `schema` (through keywords and $refs) carry x-reload or
  // x-secret? Following only such $refs keeps a recursive schema without them (the draft-07
  // meta-schema, a $ref away) from being expanded for nothing.
  bool reaches_declaration(const Located& start) {
    if (auto known = reaches_.find(start.value); known != reaches_.end()) return known->second;
    std::unordered_set<const Value*> seen;
    std::vector<std::pair<const Value*, std::string>> pending{{start.value, start.base}};  // value, base URI
    bool found = false;
    while (!pending.empty() && !found) {
      auto [at, base] = std::move(pending.back());
      pending.pop_back();
      if (!at->is_object() || !seen.insert(at).second) continue;
      if (auto known = reaches_.find(at); known != reaches_.end()) {
        found = known->second;
        continue;
      }
      const Document* document = nullptr;
      if (const Located* indexed = registry_.find(at)) {
        base = indexed->base;
        document = indexed->document;
      }
      const Object& object = at->as_object();
      if (declares(object)) {
        found = true;
        break;
      }
      for (const auto& [keyword, child] : object) {
        if ((keyword == "$ref" || keyword == "$dynamicRef") && child.is_string()) {
          std::optional<Located> target = registry_.resolve(schema_detail::resolve_uri(base, child.as_string()), document);
          if (target) pending.emplace_back(target->value, target->base);
        } else {
          // Anything holding objects may hold subschemas; data (enum, default) only costs a visit.
          push_nested(child, base, pending);
        }
      }
    }
    if (found) {
      reaches_[start.value] = true;
    } else {
      // Nothing reachable from here declares, so nothing reachable from anything seen does either.
      for (const Value* visited : seen) reaches_[visited] = false;
    }
    return found;
  }

  static void push_nested(const Value& value, const std::string& base,
                          std::vector<std::pair<const Value*, std::string>>& pending) {
    if (value.is_object()) {
      pending.emplace_back(&value, base);
    } else if (value.is_array()) {
      for (const Value& item : value.as_array()) push_nested(item, base, pending);
    }
  }

  Registry registry_;
  Located root_;
  std::vector<SchemaFieldRule> rules_;
  std::set<std::pair<std::string, SchemaFieldRule::Kind>> recorded_;
  Errors errors_;
  std::unordered_set<const Value*> checked_;         // invalid values reported, definition maps walked
  std::unordered_map<const Value*, int> expanding_;  // $ref targets being walked, and how deep
  std::unordered_map<const Value*, bool> reaches_;   // reaches_declaration() answers
  std::size_t visits_ = 0;
  bool too_recursive_ = false;
};

std::size_t wildcards_in(std::string pattern) {
  for (std::size_t at = pattern.find("[*]"); at != std::string::npos; at = pattern.find("[*]", at)) {
    pattern.replace(at, 3, at == 0 ? "*" : ".*");
  }
  auto path = parse_dotted(pattern);
  if (!path) return 0;
  return static_cast<std::size_t>(std::count_if(path->begin(), path->end(), [](const PathSegment& segment) {
    const auto* key = std::get_if<std::string>(&segment);
    return key != nullptr && *key == "*";
  }));
}

}  // namespace

Result<std::vector<SchemaFieldRule>, Errors> schema_field_rules(const Document& schema_document,
                                                                const SchemaOptions& options) {
  return Collector(schema_document, options).run();
}

void add_schema_field_rules(FieldRules& rules, const std::vector<SchemaFieldRule>& declared) {
  std::vector<const SchemaFieldRule*> ordered;
  for (const SchemaFieldRule& rule : declared) ordered.push_back(&rule);
  // FieldRules lets a later rule win a tie of equal length: add the vaguer patterns first, and
  // dynamic before restart, so that a tie goes to the exact pattern and then to the safe side.
  std::stable_sort(ordered.begin(), ordered.end(), [](const SchemaFieldRule* a, const SchemaFieldRule* b) {
    const std::size_t wa = wildcards_in(a->pattern), wb = wildcards_in(b->pattern);
    if (wa != wb) return wa > wb;
    return a->kind < b->kind;
  });
  for (const SchemaFieldRule* rule : ordered) {
    switch (rule->kind) {
      case SchemaFieldRule::Kind::dynamic: rules.dynamic(rule->pattern); break;
      case SchemaFieldRule::Kind::restart: rules.restart(rule->pattern); break;
      case SchemaFieldRule::Kind::secret: rules.secret(rule->pattern); break;
    }
  }
}

Result<ConfigSchema, Errors> ConfigSchema::compile(const Document& schema_document, const SchemaOptions& options) {
  Result<Schema, Errors> compiled = Schema::compile(schema_document, options);
  Result<std::vector<SchemaFieldRule>, Errors> declared = schema_field_rules(schema_document, options);
  if (!compiled || !declared) {
    Errors errors = compiled ? Errors{} : std::move(compiled).error();
    if (!declared) errors.insert(errors.end(), declared.error().begin(), declared.error().end());
    return unexpected(std::move(errors));
  }
  return ConfigSchema{std::move(*compiled), std::move(*declared)};
}

Result<ConfigSchema, Errors> ConfigSchema::load(const std::string& path, const SchemaOptions& options) {
  Result<Document> document = parse_file(path, std::nullopt, ParseOptions{.require_object = false});
  if (!document) return unexpected(Errors{document.error()});
  return compile(*document, options);
}

}  // namespace hotreload
