// Walks a compiled schema over an instance. With an error list it reports every violation; without
// one it answers yes or no and stops at the first violation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/path.hpp"
#include "schema/node.hpp"

namespace hotreload::schema_detail {

// What the keywords of a schema and of its successful subschemas evaluated (2020-12 annotations),
// for unevaluatedProperties and unevaluatedItems.
struct Evaluated {
  bool all_properties = false;
  std::unordered_set<std::string_view> properties{};  // keys of the instance object
  bool all_items = false;
  std::vector<bool> items{};  // one flag per item of the instance array
};

class Validator {
 public:
  Validator(const CompiledSchema& schema, const Document* document, Errors* errors)
      : schema_(schema), document_(document), errors_(errors) {}

  bool check(NodeId id, const Value& instance);

 private:
  bool check_assertions(const Node& node, const Value& instance);
  bool check_array(const Node& node, const Array& items, const Value& instance);
  bool check_object(const Node& node, const Object& object, const Value& instance);
  bool check_applicators(const Node& node, const Value& instance);
  bool check_unevaluated_properties(const Node& node, const Object& object, const Value& instance);
  bool check_unevaluated_items(const Node& node, const Array& items, const Value& instance);
  // Adds what schema `id` evaluated of `instance`, given that it accepts the instance.
  void collect(NodeId id, const Value& instance, Evaluated& evaluated, std::size_t depth);
  // The same for a node's keywords other than its own unevaluated*.
  void collect_adjacent(const Node& node, const Value& instance, Evaluated& evaluated, std::size_t depth);
  // Follows $ref or $dynamicRef (`keyword`) to `target`.
  bool check_reference(NodeId target, const char* keyword, const Value& instance);
  // Where a $dynamicRef leads from the current dynamic scope.
  NodeId dynamic_target(const Node::DynamicRef& ref) const;
  // Pushes the resource of `node` on the dynamic scope when evaluation enters it there; true if it
  // did. Inline: it runs for every value, and without a dynamic $dynamicRef it is one test.
  bool enter_resource(const Node& node) {
    // Staying inside the innermost resource adds nothing; entering another one, even one already
    // in the scope, does.
    if (!schema_.dynamic_scope || (!scope_.empty() && scope_.back() == node.resource)) return false;
    scope_.push_back(node.resource);
    return true;
  }
  void leave_resource(bool entered) {
    if (entered) scope_.pop_back();
  }
  // The verdict of a subschema without reporting (anyOf branches, not, if, contains).
  bool matches(NodeId id, const Value& instance) const;
  // A step of the way to the current value: a key borrowed from the instance, or an index. The
  // dotted path is built from these only for an error, not for every value visited.
  using Step = std::variant<std::string_view, std::size_t>;
  bool check_at(NodeId id, const Value& instance, Step step);
  // Records a violation of `keyword` of `node`; the message ends with where the keyword is.
  bool report(const Node& node, const char* keyword, const Value& instance, std::string message);
  bool reporting() const { return errors_ != nullptr; }

  const CompiledSchema& schema_;
  const Document* document_;
  Errors* errors_;
  std::vector<Step> path_{};
  std::size_t depth_ = 0;
  // The reference keyword last followed on the way here, named when recursion is cut off.
  const char* reference_ = "$ref";
  // The dynamic scope: the resources evaluation has entered, outermost first. Tracked only for a
  // schema with a dynamic $dynamicRef.
  std::vector<std::size_t> scope_{};
};

}  // namespace hotreload::schema_detail
