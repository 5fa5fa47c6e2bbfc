// 2020-12's unevaluatedProperties and unevaluatedItems: they apply to what no other keyword of
// their schema, nor of a subschema that accepted the instance, evaluated. The walk that finds
// those runs only for nodes that have one of the two keywords.
#include "schema/instance.hpp"
#include "schema/validator.hpp"

namespace hotreload::schema_detail {
namespace {

constexpr std::size_t kMaxCollectDepth = 256;  // as the validator's own limit: $ref cycles end here

}  // namespace

bool Validator::check_unevaluated_properties(const Node& node, const Object& object, const Value& instance) {
  Evaluated evaluated;
  collect_adjacent(node, instance, evaluated, depth_);
  if (evaluated.all_properties) return true;
  bool ok = true;
  const bool refuse = schema_.nodes[*node.unevaluated_properties].always == false;
  for (const auto& [key, value] : object) {
    if (evaluated.properties.contains(key)) continue;
    if (refuse) {
      path_.push_back(key);
      ok = report(node, "unevaluatedProperties", value, "property " + quoted(key) + " is not allowed");
      path_.pop_back();
    } else {
      ok = check_at(*node.unevaluated_properties, value, key) && ok;
    }
    if (!ok && !reporting()) return false;
  }
  return ok;
}

bool Validator::check_unevaluated_items(const Node& node, const Array& items, const Value& instance) {
  Evaluated evaluated;
  collect_adjacent(node, instance, evaluated, depth_);
  if (evaluated.all_items) return true;
  bool ok = true;
  const bool refuse = schema_.nodes[*node.unevaluated_items].always == false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i < evaluated.items.size() && evaluated.items[i]) continue;
    if (refuse) {
      path_.push_back(i);
      ok = report(node, "unevaluatedItems", items[i], "item " + std::to_string(i) + " is not allowed");
      path_.pop_back();
    } else {
      ok = check_at(*node.unevaluated_items, items[i], i) && ok;
    }
    if (!ok && !reporting()) return false;
  }
  return ok;
}

void Validator::collect(NodeId id, const Value& instance, Evaluated& evaluated, std::size_t depth) {
  const Node& node = schema_.nodes[id];
  if (node.always || depth >= kMaxCollectDepth) return;
  // The same walk as check(), so a $dynamicRef on the way resolves against the same scope.
  const bool entered = enter_resource(node);
  if (node.ref) {
    collect(*node.ref, instance, evaluated, depth + 1);
  } else {
    collect_adjacent(node, instance, evaluated, depth + 1);
    // The subschema accepted the instance, so its own unevaluated* accepted whatever was left.
    if (node.unevaluated_properties && instance.is_object()) evaluated.all_properties = true;
    if (node.unevaluated_items && instance.is_array()) evaluated.all_items = true;
  }
  leave_resource(entered);
}

void Validator::collect_adjacent(const Node& node, const Value& instance, Evaluated& evaluated, std::size_t depth) {
  if (instance.is_object() && !evaluated.all_properties) {
    if (node.additional_properties) {
      evaluated.all_properties = true;  // it applies to every property the other two did not
    } else {
      for (const auto& [key, value] : instance.as_object()) {
        bool hit = node.property_index.contains(key);
        for (std::size_t i = 0; i < node.pattern_properties.size() && !hit; ++i) hit = node.pattern_properties[i].first->search(key);
        if (hit) evaluated.properties.insert(key);
      }
    }
  }
  if (instance.is_array() && !evaluated.all_items) {
    const Array& items = instance.as_array();
    evaluated.items.resize(items.size());
    if (node.items || node.additional_items) evaluated.all_items = true;
    if (node.tuple) {
      for (std::size_t i = 0; i < items.size() && i < node.tuple->size(); ++i) evaluated.items[i] = true;
    }
    if (node.contains && !evaluated.all_items) {
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!evaluated.items[i] && matches(*node.contains, items[i])) evaluated.items[i] = true;
      }
    }
  }
  if (node.ref_applicator) collect(*node.ref_applicator, instance, evaluated, depth);
  if (node.dynamic_ref) collect(dynamic_target(*node.dynamic_ref), instance, evaluated, depth);
  for (NodeId schema : node.all_of) collect(schema, instance, evaluated, depth);
  for (NodeId schema : node.any_of) {
    if (matches(schema, instance)) collect(schema, instance, evaluated, depth);
  }
  for (NodeId schema : node.one_of) {
    if (matches(schema, instance)) collect(schema, instance, evaluated, depth);
  }
  if (node.if_schema) {
    if (matches(*node.if_schema, instance)) {
      collect(*node.if_schema, instance, evaluated, depth);
      if (node.then_schema) collect(*node.then_schema, instance, evaluated, depth);
    } else if (node.else_schema) {
      collect(*node.else_schema, instance, evaluated, depth);
    }
  }
  if (instance.is_object()) {
    for (const auto& [key, schema] : node.dependent_schemas) {
      if (instance.as_object().contains(key)) collect(schema, instance, evaluated, depth);
    }
  }
}

}  // namespace hotreload::schema_detail
