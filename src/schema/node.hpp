// The compiled form of a schema: one Node per (sub)schema, linked by index so that $ref cycles
// need no ownership games. Validation walks this tree and never looks at the schema text again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hotreload/schema.hpp"
#include "hotreload/value.hpp"
#include "schema/formats.hpp"
#include "schema/pattern.hpp"

namespace hotreload::schema_detail {

using NodeId = std::size_t;

// JSON Schema's primitive types as bits; "integer" is a subset of "number".
enum TypeBit : std::uint8_t {
  kNull = 1,
  kBoolean = 2,
  kInteger = 4,
  kNumber = 8,
  kString = 16,
  kArray = 32,
  kObject = 64,
};

struct Node {
  // Where the schema is, for messages: "#/properties/port", or "<file>#/..." outside the main document.
  std::string location{};
  SchemaDialect dialect = SchemaDialect::draft7;
  // A boolean schema: true accepts everything, false nothing.
  std::optional<bool> always{};
  // draft-07: a $ref replaces every sibling keyword.
  std::optional<NodeId> ref{};
  // 2020-12: a $ref applies beside its siblings, like one more allOf entry.
  std::optional<NodeId> ref_applicator{};
  // 2020-12 $dynamicRef, beside its siblings too. `anchor` is empty when it acts as a $ref to
  // `target`; otherwise the target declares "$dynamicAnchor": anchor, and the validator applies the
  // outermost resource in the dynamic scope that declares the same name instead.
  struct DynamicRef {
    NodeId target;
    std::string anchor{};
  };
  std::optional<DynamicRef> dynamic_ref{};
  // The schema resource (document root or subschema with "$id") this schema belongs to: an index
  // into CompiledSchema::resources.
  std::size_t resource = 0;

  std::uint8_t types = 0;  // 0: no "type" keyword
  std::optional<std::vector<Value>> enum_values{};
  std::optional<Value> const_value{};

  std::optional<Value> multiple_of{}, maximum{}, minimum{}, exclusive_maximum{}, exclusive_minimum{};

  std::optional<std::size_t> max_length{}, min_length{};
  std::shared_ptr<const Pattern> pattern{};
  const FormatCheck* format = nullptr;  // only formats that assert, and only with assert_formats

  std::optional<NodeId> items{};             // one schema for every item
  // draft-07 "items" as an array, 2020-12 "prefixItems": one schema per position.
  std::optional<std::vector<NodeId>> tuple{};
  // draft-07 "additionalItems", 2020-12 "items" beside "prefixItems": the items after the tuple.
  std::optional<NodeId> additional_items{};
  std::optional<NodeId> contains{};
  std::optional<std::size_t> min_contains{}, max_contains{};  // 2020-12; "contains" alone means at least 1
  std::optional<std::size_t> max_items{}, min_items{};
  bool unique_items = false;

  // "properties" in the schema's order, and where each name is in it (hashed: configs can have
  // 10,000 keys). The order lets the validator try the entry after its last match first.
  std::vector<std::pair<std::string, NodeId>> properties{};
  std::unordered_map<std::string, std::size_t> property_index{};
  std::vector<std::pair<std::shared_ptr<const Pattern>, NodeId>> pattern_properties{};
  std::optional<NodeId> additional_properties{};
  std::vector<std::string> required{};
  std::vector<std::pair<std::string, std::vector<std::string>>> dependent_required{};
  std::vector<std::pair<std::string, NodeId>> dependent_schemas{};
  std::optional<NodeId> property_names{};
  std::optional<std::size_t> max_properties{}, min_properties{};

  // Whether any keyword below (or ref_applicator, dynamic_ref) is present, so that the validator
  // can skip them all with one test for the many schemas that have none.
  bool applicators = false;
  std::vector<NodeId> all_of{}, any_of{}, one_of{};
  std::optional<NodeId> not_schema{};
  std::optional<NodeId> if_schema{}, then_schema{}, else_schema{};

  // 2020-12. Only nodes with these keywords collect annotations (which properties and items the
  // other keywords evaluated), so schemas without them pay nothing for the feature.
  std::optional<NodeId> unevaluated_properties{}, unevaluated_items{};
};

struct Resource {
  std::unordered_map<std::string, NodeId> dynamic_anchors{};  // "$dynamicAnchor" name -> its schema
};

struct CompiledSchema {
  std::vector<Node> nodes;  // nodes[0] is the root
  std::vector<Resource> resources{};
  // Some $dynamicRef depends on the dynamic scope; without one the validator does not track it.
  bool dynamic_scope = false;
};

}  // namespace hotreload::schema_detail
