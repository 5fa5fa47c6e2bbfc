// The object keywords of the validator: properties, patternProperties, additionalProperties,
// required, dependencies, propertyNames and the property counts.
#include "schema/instance.hpp"
#include "schema/validator.hpp"

namespace hotreload::schema_detail {
namespace {

// The schema of property `key`, or null when "properties" does not name it. Objects usually list
// their keys in the schema's order, so the entry after the last match (`next`) is tried first: one
// string comparison per key instead of hashing it or, in a small unordered_map, comparing it with
// every name.
const NodeId* property_schema(const Node& node, const std::string& key, std::size_t& next) {
  const auto& properties = node.properties;
  if (properties.empty()) return nullptr;
  if (next < properties.size() && properties[next].first == key) return &properties[next++].second;
  auto it = node.property_index.find(key);
  if (it == node.property_index.end()) return nullptr;
  next = it->second + 1;
  return &properties[it->second].second;
}

// Whether `object` has the key `name`. Required names are usually listed in the objects' own
// order, so a small object is searched from the entry after the last one found (`next`), wrapping
// around: one comparison per name instead of a scan from the start. A large object has its index.
bool has_key(const Object& object, std::string_view name, std::size_t& next) {
  const std::size_t size = object.size();
  if (size > 16) return object.contains(name);
  const auto entries = object.begin();
  for (std::size_t step = 0; step < size; ++step) {
    const std::size_t at = next + step < size ? next + step : next + step - size;
    if (entries[static_cast<std::ptrdiff_t>(at)].first == name) {
      next = at + 1;
      return true;
    }
  }
  return false;
}

}  // namespace

bool Validator::check_object(const Node& node, const Object& object, const Value& instance) {
  bool ok = true;
  auto stop = [&] { return !ok && !reporting(); };
  std::size_t next_required = 0;
  for (const std::string& name : node.required) {
    if (!has_key(object, name, next_required)) ok = report(node, "required", instance, "missing required property " + quoted(name));
    if (stop()) return false;
  }
  if (node.max_properties && object.size() > *node.max_properties) {
    ok = report(node, "maxProperties", instance, "object has " + std::to_string(object.size()) + " properties, more than the maximum " +
                              std::to_string(*node.max_properties));
  }
  if (node.min_properties && object.size() < *node.min_properties && !stop()) {
    ok = report(node, "minProperties", instance, "object has " + std::to_string(object.size()) + " properties, fewer than the minimum " +
                              std::to_string(*node.min_properties));
  }
  for (const auto& [key, names] : node.dependent_required) {
    if (stop() || !object.contains(key)) continue;
    for (const std::string& name : names) {
      if (!object.contains(name)) ok = report(node, node.dialect == SchemaDialect::draft7 ? "dependencies" : "dependentRequired", instance, "property " + quoted(name) + " is required when " + quoted(key) + " is present");
    }
  }
  for (const auto& [key, schema] : node.dependent_schemas) {
    if (!stop() && object.contains(key)) ok = check(schema, instance) && ok;
  }
  // Each property in document order, so that errors come out in the order a reader meets them.
  std::size_t next_property = 0;
  for (const auto& [key, value] : object) {
    if (stop()) return false;
    bool evaluated = false;
    if (const NodeId* schema = property_schema(node, key, next_property)) {
      evaluated = true;
      ok = check_at(*schema, value, key) && ok;
    }
    for (const auto& [pattern, schema] : node.pattern_properties) {
      if (stop() || !pattern->search(key)) continue;
      evaluated = true;
      ok = check_at(schema, value, key) && ok;
    }
    if (node.property_names && !stop()) {
      Value name(key);
      name.origin = value.origin;  // keys carry no position of their own; point at their value
      if (!matches(*node.property_names, name)) {
        path_.push_back(key);
        ok = report(node, "propertyNames", value, "property name " + quoted(key) + " does not match the \"propertyNames\" schema");
        path_.pop_back();
      }
    }
    if (evaluated || !node.additional_properties || stop()) continue;
    if (schema_.nodes[*node.additional_properties].always == false) {
      path_.push_back(key);
      ok = report(node, "additionalProperties", value, "property " + quoted(key) + " is not allowed");
      path_.pop_back();
    } else {
      ok = check_at(*node.additional_properties, value, key) && ok;
    }
  }
  return ok;
}

bool Validator::check_applicators(const Node& node, const Value& instance) {
  bool ok = true;
  if (node.ref_applicator) {
    ok = check_reference(*node.ref_applicator, "$ref", instance);
    if (!ok && !reporting()) return false;
  }
  if (node.dynamic_ref) {
    ok = check_reference(dynamic_target(*node.dynamic_ref), "$dynamicRef", instance) && ok;
    if (!ok && !reporting()) return false;
  }
  for (NodeId schema : node.all_of) {
    ok = check(schema, instance) && ok;
    if (!ok && !reporting()) return false;
  }
  if (!node.any_of.empty()) {
    bool any = false;
    for (std::size_t i = 0; i < node.any_of.size() && !any; ++i) any = matches(node.any_of[i], instance);
    if (!any) ok = report(node, "anyOf", instance, shown(instance) + " matches none of the schemas in \"anyOf\"");
    if (!ok && !reporting()) return false;
  }
  if (!node.one_of.empty()) {
    std::vector<std::size_t> matched;
    for (std::size_t i = 0; i < node.one_of.size() && matched.size() < 2; ++i) {
      if (matches(node.one_of[i], instance)) matched.push_back(i);
    }
    if (matched.empty()) ok = report(node, "oneOf", instance, shown(instance) + " matches none of the schemas in \"oneOf\"");
    if (matched.size() > 1) {
      ok = report(node, "oneOf", instance, shown(instance) + " matches more than one schema in \"oneOf\" (" + std::to_string(matched[0]) +
                                " and " + std::to_string(matched[1]) + ")");
    }
    if (!ok && !reporting()) return false;
  }
  if (node.not_schema && matches(*node.not_schema, instance)) {
    ok = report(node, "not", instance, shown(instance) + " must not match the \"not\" schema");
    if (!reporting()) return false;
  }
  if (node.if_schema) {
    std::optional<NodeId> branch = matches(*node.if_schema, instance) ? node.then_schema : node.else_schema;
    if (branch) ok = check(*branch, instance) && ok;
  }
  return ok;
}

}  // namespace hotreload::schema_detail
