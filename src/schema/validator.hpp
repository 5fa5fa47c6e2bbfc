// Walks a compiled schema over an instance. With an error list it reports every violation; without
// one it answers yes or no and stops at the first violation.
#pragma once

#include <cstddef>
#include <string>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/path.hpp"
#include "schema/node.hpp"

namespace hotreload::schema_detail {

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
  // The verdict of a subschema without reporting (anyOf branches, not, if, contains).
  bool matches(NodeId id, const Value& instance) const;
  bool check_at(NodeId id, const Value& instance, const PathSegment& segment);
  bool report(const Value& instance, std::string message);
  bool reporting() const { return errors_ != nullptr; }

  const CompiledSchema& schema_;
  const Document* document_;
  Errors* errors_;
  Path path_{};
  std::size_t depth_ = 0;
};

}  // namespace hotreload::schema_detail
