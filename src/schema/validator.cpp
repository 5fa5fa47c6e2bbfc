#include "schema/validator.hpp"

#include "schema/instance.hpp"

namespace hotreload::schema_detail {
namespace {

// Deeper than this, a schema that recurses through $ref or $dynamicRef without consuming the
// instance ({"allOf": [{"$ref": "#"}]}) is cut off instead of overflowing the stack.
constexpr std::size_t kMaxDepth = 256;

std::string type_list(std::uint8_t types) {
  static constexpr std::pair<std::uint8_t, const char*> kNames[] = {
      {kNull, "null"},     {kBoolean, "boolean"}, {kInteger, "integer"}, {kNumber, "number"},
      {kString, "string"}, {kArray, "array"},     {kObject, "object"}};
  std::string names;
  int count = 0;
  for (const auto& [bit, name] : kNames) {
    if ((types & bit) == 0) continue;
    names += (count++ > 0 ? ", " : "") + std::string(name);
  }
  return count > 1 ? "one of " + names : names;
}

}  // namespace

bool Validator::report(const Node& node, const char* keyword, const Value& instance, std::string message) {
  if (errors_ != nullptr) {
    SourceLocation location = document_ != nullptr ? document_->location_of(instance.origin) : SourceLocation{};
    message += std::string(" (") + keyword + " at " + node.location + ")";
    Path path;
    path.reserve(path_.size());
    for (const Step& step : path_) {
      if (const auto* key = std::get_if<std::string_view>(&step)) {
        path.emplace_back(std::string(*key));
      } else {
        path.emplace_back(std::get<std::size_t>(step));
      }
    }
    errors_->push_back(Error{ErrorCode::validation, std::move(message), std::move(location), to_dotted(path)});
  }
  return false;
}

bool Validator::matches(NodeId id, const Value& instance) const {
  Validator quiet(schema_, nullptr, nullptr);
  quiet.depth_ = depth_;
  quiet.scope_ = scope_;
  return quiet.check(id, instance);
}

bool Validator::check_reference(NodeId target, const char* keyword, const Value& instance) {
  const char* outer = reference_;
  reference_ = keyword;
  const bool ok = check(target, instance);
  reference_ = outer;
  return ok;
}

NodeId Validator::dynamic_target(const Node::DynamicRef& ref) const {
  if (ref.anchor.empty()) return ref.target;
  for (std::size_t resource : scope_) {
    const auto& anchors = schema_.resources[resource].dynamic_anchors;
    if (auto it = anchors.find(ref.anchor); it != anchors.end()) return it->second;
  }
  // No resource entered so far declares the name; the target, which does, is the next one in scope.
  return ref.target;
}

bool Validator::check_at(NodeId id, const Value& instance, Step step) {
  if (!reporting()) return check(id, instance);
  path_.push_back(step);
  bool ok = check(id, instance);
  path_.pop_back();
  return ok;
}

bool Validator::check(NodeId id, const Value& instance) {
  const Node& node = schema_.nodes[id];
  if (node.always) return *node.always || report(node, "false schema", instance, "no value is allowed here");
  if (depth_ >= kMaxDepth) return report(node, reference_, instance, "the schema recurses too deeply for this value");
  ++depth_;
  const bool entered = enter_resource(node);
  bool ok = true;
  if (node.ref) {
    ok = check_reference(*node.ref, "$ref", instance);
  } else {
    ok = check_assertions(node, instance);
    if ((ok || reporting()) && instance.is_array()) ok = check_array(node, instance.as_array(), instance) && ok;
    if ((ok || reporting()) && instance.is_object()) ok = check_object(node, instance.as_object(), instance) && ok;
    if (node.applicators && (ok || reporting())) ok = check_applicators(node, instance) && ok;
    // Last: they depend on what every other keyword evaluated.
    if (node.unevaluated_properties && (ok || reporting()) && instance.is_object()) {
      ok = check_unevaluated_properties(node, instance.as_object(), instance) && ok;
    }
    if (node.unevaluated_items && (ok || reporting()) && instance.is_array()) {
      ok = check_unevaluated_items(node, instance.as_array(), instance) && ok;
    }
  }
  leave_resource(entered);
  --depth_;
  return ok;
}

bool Validator::check_assertions(const Node& node, const Value& instance) {
  bool ok = true;
  auto fail = [&](const char* keyword, std::string message) {
    ok = report(node, keyword, instance, std::move(message));
    return !reporting();  // true: stop here
  };
  if (node.types != 0 && (type_bits(instance) & node.types) == 0) {
    if (fail("type", "expected " + type_list(node.types) + ", got " + json_type_name(instance) + " " + shown(instance))) return false;
  }
  if (node.enum_values) {
    bool found = false;
    for (const Value& allowed : *node.enum_values) found = found || json_equal(allowed, instance);
    if (!found && fail("enum", shown(instance) + " is not one of " + shown(Value(*node.enum_values)))) return false;
  }
  if (node.const_value && !json_equal(*node.const_value, instance)) {
    if (fail("const", shown(instance) + " is not the constant " + shown(*node.const_value))) return false;
  }
  if (instance.is_number()) {
    // Rendered only for a message: most numbers pass, and rendering costs more than the checks.
    const auto text = [&] { return shown(instance); };
    if (node.multiple_of && !is_multiple_of(instance, *node.multiple_of)) {
      if (fail("multipleOf", text() + " is not a multiple of " + shown(*node.multiple_of))) return false;
    }
    if (node.maximum && compare_numbers(instance, *node.maximum) > 0) {
      if (fail("maximum", text() + " is greater than the maximum " + shown(*node.maximum))) return false;
    }
    if (node.exclusive_maximum && compare_numbers(instance, *node.exclusive_maximum) >= 0) {
      if (fail("exclusiveMaximum", text() + " is not less than the exclusive maximum " + shown(*node.exclusive_maximum))) return false;
    }
    if (node.minimum && compare_numbers(instance, *node.minimum) < 0) {
      if (fail("minimum", text() + " is less than the minimum " + shown(*node.minimum))) return false;
    }
    if (node.exclusive_minimum && compare_numbers(instance, *node.exclusive_minimum) <= 0) {
      if (fail("exclusiveMinimum", text() + " is not greater than the exclusive minimum " + shown(*node.exclusive_minimum))) return false;
    }
  }
  if (instance.is_string()) {
    const std::string& text = instance.as_string();
    std::size_t length = (node.max_length || node.min_length) ? code_points(text) : 0;
    if (node.max_length && length > *node.max_length) {
      if (fail("maxLength", shown(instance) + " is longer than the maximum length " + std::to_string(*node.max_length))) return false;
    }
    if (node.min_length && length < *node.min_length) {
      if (fail("minLength", shown(instance) + " is shorter than the minimum length " + std::to_string(*node.min_length))) return false;
    }
    if (node.pattern && !node.pattern->search(text)) {
      if (fail("pattern", shown(instance) + " does not match the pattern " + quoted(node.pattern->source()))) return false;
    }
    if (node.format && !node.format->accepts(text)) {
      if (fail("format", shown(instance) + " is not a valid " + node.format->name)) return false;
    }
  }
  return ok;
}

bool Validator::check_array(const Node& node, const Array& items, const Value& instance) {
  bool ok = true;
  auto stop = [&] { return !ok && !reporting(); };
  if (node.max_items && items.size() > *node.max_items) {
    ok = report(node, "maxItems", instance, "array has " + std::to_string(items.size()) + " items, more than the maximum " +
                              std::to_string(*node.max_items));
  }
  if (node.min_items && items.size() < *node.min_items && !stop()) {
    ok = report(node, "minItems", instance, "array has " + std::to_string(items.size()) + " items, fewer than the minimum " +
                              std::to_string(*node.min_items));
  }
  if (node.unique_items && !stop()) {
    bool duplicate = false;
    for (std::size_t i = 0; i < items.size() && !duplicate; ++i) {
      for (std::size_t j = i + 1; j < items.size() && !duplicate; ++j) {
        if (json_equal(items[i], items[j])) {
          duplicate = true;
          ok = report(node, "uniqueItems", instance, "items " + std::to_string(i) + " and " + std::to_string(j) + " are equal, but items must be unique");
        }
      }
    }
  }
  for (std::size_t i = 0; i < items.size() && !stop(); ++i) {
    std::optional<NodeId> schema = node.items;
    bool additional = false;
    if (node.tuple) {
      additional = i >= node.tuple->size();
      schema = additional ? node.additional_items : std::optional<NodeId>((*node.tuple)[i]);
    }
    if (!schema) continue;
    if (additional && schema_.nodes[*schema].always == false) {
      path_.push_back(i);
      ok = report(node, node.dialect == SchemaDialect::draft7 ? "additionalItems" : "items", items[i],
                  "item " + std::to_string(i) + " is not allowed: the array has at most " +
                                std::to_string(node.tuple->size()) + " items");
      path_.pop_back();
      continue;
    }
    ok = check_at(*schema, items[i], i) && ok;
  }
  if (node.contains && !stop()) {
    const std::size_t at_least = node.min_contains.value_or(1);
    // Counting stops once the verdict is known unless a maximum needs the full count.
    const std::size_t enough = node.max_contains ? SIZE_MAX : at_least;
    std::size_t found = 0;
    for (std::size_t i = 0; i < items.size() && found < enough; ++i) found += matches(*node.contains, items[i]) ? 1 : 0;
    if (found < at_least) {
      ok = report(node, node.min_contains ? "minContains" : "contains", instance, at_least == 1 ? std::string("no item matches the \"contains\" schema")
                                          : std::to_string(found) + " items match the \"contains\" schema, fewer than the minimum " +
                                                std::to_string(at_least));
    }
    if (node.max_contains && found > *node.max_contains && !stop()) {
      ok = report(node, "maxContains", instance, std::to_string(found) + " items match the \"contains\" schema, more than the maximum " +
                                std::to_string(*node.max_contains));
    }
  }
  return ok;
}

}  // namespace hotreload::schema_detail
