#include "schema/compiler.hpp"

#include <cstdint>
#include <unordered_set>

#include "schema/instance.hpp"
#include "schema/uri.hpp"

namespace hotreload::schema_detail {
namespace {

std::optional<std::uint8_t> type_bit(const Value& name) {
  if (!name.is_string()) return std::nullopt;
  const std::string& s = name.as_string();
  if (s == "null") return kNull;
  if (s == "boolean") return kBoolean;
  if (s == "integer") return kInteger;
  if (s == "number") return kNumber;
  if (s == "string") return kString;
  if (s == "array") return kArray;
  if (s == "object") return kObject;
  return std::nullopt;
}

std::string described(const Value& value) { return std::string(json_type_name(value)) + " " + to_json_text(value); }

}  // namespace

void Compiler::compile(const Document& document, CompiledSchema& out, Errors& errors) {
  out_ = &out;
  errors_ = &errors;
  main_document_ = &document;
  registry_.add_document(document, "");
  compile_schema(*registry_.find(&document.root));
  if (out.dynamic_scope) compile_dynamic_anchors();
  // A chain of $refs that leads back to itself would never reach a keyword that looks at the data.
  for (NodeId start = 0; start < out.nodes.size(); ++start) {
    std::unordered_set<NodeId> seen{start};
    for (NodeId at = start; out.nodes[at].ref;) {
      at = *out.nodes[at].ref;
      if (!seen.insert(at).second) {
        errors.push_back(Error{ErrorCode::validation, "invalid schema: $ref cycle that never reaches a keyword", {}, {}});
        return;
      }
    }
  }
}

void Compiler::fail(const Located& at, const Value& value, const std::vector<PathSegment>& segments, std::string message) {
  Path path = at.path;
  path.insert(path.end(), segments.begin(), segments.end());
  errors_->push_back(Error{ErrorCode::validation, "invalid schema: " + std::move(message),
                           at.document->location_of(value.origin), to_dotted(path)});
}

NodeId Compiler::compile_schema(const Located& at) {
  if (auto it = compiled_.find(at.value); it != compiled_.end()) return it->second;
  NodeId id = out_->nodes.size();
  out_->nodes.emplace_back();
  compiled_.emplace(at.value, id);
  Node node;
  node.location = location_of(at);
  node.dialect = at.dialect;
  node.resource = resource_of(at);
  if (at.value->is_bool()) {
    node.always = at.value->as_bool();
  } else if (!at.value->is_object()) {
    fail(at, *at.value, {}, "a schema must be an object or a boolean, got " + described(*at.value));
    node.always = true;
  } else {
    compile_keywords(at, node);
  }
  node.applicators = node.ref_applicator || node.dynamic_ref || !node.all_of.empty() || !node.any_of.empty() ||
                     !node.one_of.empty() || node.not_schema || node.if_schema;
  out_->nodes[id] = std::move(node);
  return id;
}

std::string Compiler::location_of(const Located& at) const {
  std::string location;
  if (at.document != main_document_ && at.document != nullptr) location = at.document->location_of(at.document->root.origin).file;
  location += '#';
  for (const PathSegment& segment : at.path) {
    location += '/';
    if (const std::size_t* index = std::get_if<std::size_t>(&segment)) {
      location += std::to_string(*index);
      continue;
    }
    // JSON pointer escapes (RFC 6901): "~" as "~0", "/" as "~1".
    for (char c : std::get<std::string>(segment)) {
      if (c == '~') {
        location += "~0";
      } else if (c == '/') {
        location += "~1";
      } else {
        location += c;
      }
    }
  }
  return location;
}

NodeId Compiler::compile_child(const Located& parent, const Value& child, PathSegment segment) {
  if (const Located* indexed = registry_.find(&child)) return compile_schema(*indexed);
  Located at{&child, parent.base, parent.path, parent.document, parent.dialect};
  at.path.push_back(std::move(segment));
  return compile_schema(at);
}

std::size_t Compiler::resource_of(const Located& at) {
  auto [it, added] = resource_ids_.emplace(at.base, resource_uris_.size());
  if (added) {
    resource_uris_.push_back(at.base);
    out_->resources.emplace_back();
  }
  return it->second;
}

// The schema `ref` (the value of $ref or $dynamicRef) names, or nullopt after reporting why not.
std::optional<Located> Compiler::resolve_ref(const Located& at, const Value& ref, const char* keyword) {
  const std::string quoted_keyword = "\"" + std::string(keyword) + "\"";
  if (!ref.is_string()) {
    fail(at, ref, {std::string(keyword)}, quoted_keyword + " must be a string, got " + described(ref));
    return std::nullopt;
  }
  std::optional<Located> target = registry_.resolve(resolve_uri(at.base, ref.as_string()), at.document);
  if (!target) fail(at, ref, {std::string(keyword)}, quoted_keyword + " " + to_json_text(ref) + " does not resolve to a schema");
  return target;
}

std::optional<NodeId> Compiler::compile_ref(const Located& at, const Value& ref) {
  std::optional<Located> target = resolve_ref(at, ref, "$ref");
  if (!target) return std::nullopt;
  return compile_schema(*target);
}

void Compiler::compile_dynamic_ref(const Located& at, const Value& ref, Node& node) {
  std::optional<Located> target = resolve_ref(at, ref, "$dynamicRef");
  if (!target) return;
  node.dynamic_ref = Node::DynamicRef{compile_schema(*target), {}};
  // Dynamic only when the fragment is a plain name that the target itself declares with
  // $dynamicAnchor (2020-12 Core 8.2.3.2); a JSON pointer or a plain $anchor makes it a $ref.
  const std::string fragment = split_fragment(resolve_uri(at.base, ref.as_string())).second;
  const Value* anchor = target->value->is_object() ? target->value->as_object().find("$dynamicAnchor") : nullptr;
  if (!fragment.empty() && fragment[0] != '/' && anchor != nullptr && anchor->is_string() && anchor->as_string() == fragment) {
    node.dynamic_ref->anchor = fragment;
    out_->dynamic_scope = true;
  }
}

// A dynamic $dynamicRef may land on the $dynamicAnchor of any resource evaluation passes through,
// so those of every resource reached are compiled, and of the resources they reach in turn.
void Compiler::compile_dynamic_anchors() {
  for (std::size_t resource = 0; resource < resource_uris_.size(); ++resource) {
    for (const auto& [name, located] : registry_.dynamic_anchors(resource_uris_[resource])) {
      const NodeId anchor = compile_schema(located);
      out_->resources[resource].dynamic_anchors.emplace(name, anchor);
    }
  }
}

void Compiler::compile_keywords(const Located& at, Node& node) {
  const Object& object = at.value->as_object();
  // "$schema" names the dialect of a whole document, so only a document's root is checked.
  if (const Value* dialect = object.find("$schema"); dialect != nullptr && at.path.empty()) {
    if (!dialect->is_string()) {
      fail(at, *dialect, {"$schema"}, "\"$schema\" must be a string, got " + described(*dialect));
    } else if (const std::string& problem = registry_.dialect_of(at.document).problem; !problem.empty()) {
      fail(at, *dialect, {"$schema"}, problem);
    }
  }
  const bool draft7 = at.dialect == SchemaDialect::draft7;
  if (const Value* ref = object.find("$ref")) {
    if (draft7) {
      // draft-07: a $ref replaces every sibling keyword.
      node.ref = compile_ref(at, *ref);
      if (!node.ref) node.always = true;
      return;
    }
    node.ref_applicator = compile_ref(at, *ref);
  }
  // Not a draft-07 keyword: ignored there like any unknown one.
  if (const Value* dynamic = object.find("$dynamicRef"); dynamic != nullptr && !draft7) compile_dynamic_ref(at, *dynamic, node);
  compile_assertions(at, object, node);
  compile_array_keywords(at, object, node);
  compile_object_keywords(at, object, node);
  compile_applicators(at, object, node);
}

std::uint8_t Compiler::vocabularies_of(const Located& at) const { return registry_.dialect_of(at.document).vocabularies; }

void Compiler::compile_assertions(const Located& at, const Object& object, Node& node) {
  const std::uint8_t vocabularies = vocabularies_of(at);
  if (const Value* format = object.find("format")) {
    if (!format->is_string()) {
      fail(at, *format, {"format"}, "\"format\" must be a string, got " + described(*format));
    } else if (assert_formats_.value_or((vocabularies & kFormatAssertion) != 0)) {
      node.format = find_format(format->as_string());
    }
  }
  if ((vocabularies & kValidation) == 0) return;
  if (const Value* type = object.find("type")) {
    bool ok = true;
    if (type->is_array()) {
      for (const Value& name : type->as_array()) {
        auto bit = type_bit(name);
        ok = ok && bit.has_value();
        if (bit) node.types |= *bit;
      }
    } else if (auto bit = type_bit(*type)) {
      node.types = *bit;
    } else {
      ok = false;
    }
    if (!ok) fail(at, *type, {"type"}, "\"type\" must be a type name or an array of type names, got " + described(*type));
  }
  if (const Value* values = object.find("enum")) {
    if (values->is_array()) {
      node.enum_values = values->as_array();
    } else {
      fail(at, *values, {"enum"}, "\"enum\" must be an array, got " + described(*values));
    }
  }
  if (const Value* value = object.find("const")) node.const_value = *value;
  node.multiple_of = number(at, object, "multipleOf", true);
  node.maximum = number(at, object, "maximum");
  node.minimum = number(at, object, "minimum");
  node.exclusive_maximum = number(at, object, "exclusiveMaximum");
  node.exclusive_minimum = number(at, object, "exclusiveMinimum");
  node.max_length = count(at, object, "maxLength");
  node.min_length = count(at, object, "minLength");
  if (const Value* source = object.find("pattern")) node.pattern = pattern(at, *source, std::string("pattern"));
}

void Compiler::compile_array_keywords(const Located& at, const Object& object, Node& node) {
  const std::uint8_t vocabularies = vocabularies_of(at);
  if ((vocabularies & kApplicator) == 0) {
    // Nothing applies to the items.
  } else if (at.dialect == SchemaDialect::draft7) {
    if (const Value* items = object.find("items")) {
      if (items->is_array()) {
        node.tuple.emplace();
        for (std::size_t i = 0; i < items->as_array().size(); ++i) {
          node.tuple->push_back(compile_child(at, items->as_array()[i], i));
        }
      } else {
        node.items = compile_child(at, *items, std::string("items"));
      }
    }
    if (const Value* additional = object.find("additionalItems")) {
      node.additional_items = compile_child(at, *additional, std::string("additionalItems"));
    }
  } else {
    if (const Value* prefix = object.find("prefixItems")) {
      if (prefix->is_array() && !prefix->as_array().empty()) {
        node.tuple.emplace();
        for (std::size_t i = 0; i < prefix->as_array().size(); ++i) {
          node.tuple->push_back(compile_child(at, prefix->as_array()[i], i));
        }
      } else {
        fail(at, *prefix, {"prefixItems"}, "\"prefixItems\" must be a non-empty array, got " + described(*prefix));
      }
    }
    if (const Value* items = object.find("items")) {
      if (items->is_array()) {
        fail(at, *items, {"items"}, "\"items\" must be a schema in 2020-12 (positions are \"prefixItems\"), got an array");
      } else if (node.tuple) {
        node.additional_items = compile_child(at, *items, std::string("items"));
      } else {
        node.items = compile_child(at, *items, std::string("items"));
      }
    }
  }
  if ((vocabularies & kApplicator) != 0) {
    if (const Value* contains = object.find("contains")) node.contains = compile_child(at, *contains, std::string("contains"));
  }
  if ((vocabularies & kValidation) == 0) return;
  if (at.dialect != SchemaDialect::draft7) {
    // Without "contains" these two mean nothing.
    if (node.contains) {
      node.min_contains = count(at, object, "minContains");
      node.max_contains = count(at, object, "maxContains");
    }
  }
  node.max_items = count(at, object, "maxItems");
  node.min_items = count(at, object, "minItems");
  if (const Value* unique = object.find("uniqueItems")) {
    if (unique->is_bool()) {
      node.unique_items = unique->as_bool();
    } else {
      fail(at, *unique, {"uniqueItems"}, "\"uniqueItems\" must be a boolean, got " + described(*unique));
    }
  }
}

void Compiler::compile_object_keywords(const Located& at, const Object& object, Node& node) {
  const std::uint8_t vocabularies = vocabularies_of(at);
  const bool applicator = (vocabularies & kApplicator) != 0;
  const bool validation = (vocabularies & kValidation) != 0;
  auto schema_map = [&](const char* keyword, auto&& each) {
    const Value* map = object.find(keyword);
    if (map == nullptr) return;
    if (!map->is_object()) {
      fail(at, *map, {std::string(keyword)}, "\"" + std::string(keyword) + "\" must be an object, got " + described(*map));
      return;
    }
    for (const auto& [key, child] : map->as_object()) each(key, child);
  };
  if (applicator) {
    schema_map("properties", [&](const std::string& key, const Value& child) {
      const NodeId schema = compile_child(at, child, key);
      if (node.property_index.emplace(key, node.properties.size()).second) node.properties.emplace_back(key, schema);
    });
  }
  if (applicator) schema_map("patternProperties", [&](const std::string& key, const Value& child) {
    Located here = at;
    here.path.push_back(std::string("patternProperties"));
    Value source(key);
    source.origin = child.origin;  // keys carry no position of their own; point at their schema
    if (auto compiled = pattern(here, source, key)) {
      node.pattern_properties.emplace_back(std::move(compiled), compile_child(at, child, key));
    }
  });
  if (const Value* additional = object.find("additionalProperties"); additional != nullptr && applicator) {
    node.additional_properties = compile_child(at, *additional, std::string("additionalProperties"));
  }
  if (const Value* required = object.find("required"); required != nullptr && validation) {
    if (auto names = strings(at, *required, std::string("required"))) node.required = std::move(*names);
  }
  auto dependent_required = [&](const char* keyword) {
    return [&, keyword](const std::string& key, const Value& child) {
      Located here = at;
      here.path.push_back(std::string(keyword));
      if (auto names = strings(here, child, key)) node.dependent_required.emplace_back(key, std::move(*names));
    };
  };
  if (at.dialect == SchemaDialect::draft7) {
    schema_map("dependencies", [&](const std::string& key, const Value& child) {
      if (child.is_array()) {
        dependent_required("dependencies")(key, child);
      } else {
        node.dependent_schemas.emplace_back(key, compile_child(at, child, key));
      }
    });
  } else {
    if (validation) schema_map("dependentRequired", dependent_required("dependentRequired"));
    if (applicator) {
      schema_map("dependentSchemas", [&](const std::string& key, const Value& child) {
        node.dependent_schemas.emplace_back(key, compile_child(at, child, key));
      });
    }
  }
  if (const Value* names = object.find("propertyNames"); names != nullptr && applicator) {
    node.property_names = compile_child(at, *names, std::string("propertyNames"));
  }
  if (!validation) return;
  node.max_properties = count(at, object, "maxProperties");
  node.min_properties = count(at, object, "minProperties");
}

void Compiler::compile_applicators(const Located& at, const Object& object, Node& node) {
  const std::uint8_t vocabularies = vocabularies_of(at);
  if (at.dialect != SchemaDialect::draft7 && (vocabularies & kUnevaluated) != 0) {
    if (const Value* child = object.find("unevaluatedProperties")) {
      node.unevaluated_properties = compile_child(at, *child, std::string("unevaluatedProperties"));
    }
    if (const Value* child = object.find("unevaluatedItems")) {
      node.unevaluated_items = compile_child(at, *child, std::string("unevaluatedItems"));
    }
  }
  if ((vocabularies & kApplicator) == 0) return;
  auto schema_list = [&](const char* keyword, std::vector<NodeId>& into) {
    const Value* list = object.find(keyword);
    if (list == nullptr) return;
    if (!list->is_array() || list->as_array().empty()) {
      fail(at, *list, {std::string(keyword)}, "\"" + std::string(keyword) + "\" must be a non-empty array, got " + described(*list));
      return;
    }
    for (std::size_t i = 0; i < list->as_array().size(); ++i) into.push_back(compile_child(at, list->as_array()[i], i));
  };
  schema_list("allOf", node.all_of);
  schema_list("anyOf", node.any_of);
  schema_list("oneOf", node.one_of);
  auto single = [&](const char* keyword) -> std::optional<NodeId> {
    const Value* child = object.find(keyword);
    if (child == nullptr) return std::nullopt;
    return compile_child(at, *child, std::string(keyword));
  };
  node.not_schema = single("not");
  node.if_schema = single("if");
  node.then_schema = single("then");
  node.else_schema = single("else");
}

std::optional<std::size_t> Compiler::count(const Located& at, const Object& object, const char* keyword) {
  const Value* value = object.find(keyword);
  if (value == nullptr) return std::nullopt;
  if (value->is_number() && is_integral(*value) && value->as_double() >= 0) {
    if (value->is_int()) return static_cast<std::size_t>(value->as_int());
    // A float such as 1e30 is integral but past size_t, where the cast is undefined; no
    // instance has that many items, so the largest count means the same.
    constexpr double kBeyondSize = 18446744073709551616.0;  // 2^64
    if (value->as_double() >= kBeyondSize) return SIZE_MAX;
    return static_cast<std::size_t>(value->as_double());
  }
  fail(at, *value, {std::string(keyword)}, "\"" + std::string(keyword) + "\" must be a non-negative integer, got " + described(*value));
  return std::nullopt;
}

std::optional<Value> Compiler::number(const Located& at, const Object& object, const char* keyword, bool positive) {
  const Value* value = object.find(keyword);
  if (value == nullptr) return std::nullopt;
  if (value->is_number() && (!positive || value->as_double() > 0)) return *value;
  fail(at, *value, {std::string(keyword)},
       "\"" + std::string(keyword) + "\" must be a " + (positive ? "number greater than 0" : "number") + ", got " + described(*value));
  return std::nullopt;
}

std::shared_ptr<const Pattern> Compiler::pattern(const Located& at, const Value& source, const PathSegment& segment) {
  if (!source.is_string()) {
    fail(at, source, {segment}, "a pattern must be a string, got " + described(source));
    return nullptr;
  }
  auto compiled = Pattern::compile(source.as_string());
  if (!compiled) {
    fail(at, source, {segment}, "pattern " + to_json_text(source) + " is not a valid regular expression (" + compiled.error() + ")");
    return nullptr;
  }
  return std::move(*compiled);
}

std::optional<std::vector<std::string>> Compiler::strings(const Located& at, const Value& list, const PathSegment& segment) {
  std::vector<std::string> names;
  if (list.is_array()) {
    for (const Value& name : list.as_array()) {
      if (!name.is_string()) break;
      names.push_back(name.as_string());
    }
    if (names.size() == list.as_array().size()) return names;
  }
  fail(at, list, {segment}, "expected an array of strings, got " + described(list));
  return std::nullopt;
}

}  // namespace hotreload::schema_detail
