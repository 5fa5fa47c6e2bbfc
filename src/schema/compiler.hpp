// Turns schema values into Nodes: checks each keyword's form (reporting misuse with the schema's
// position), compiles regexes, and links $refs to the nodes they name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/schema.hpp"
#include "schema/node.hpp"
#include "schema/registry.hpp"

namespace hotreload::schema_detail {

class Compiler {
 public:
  explicit Compiler(const SchemaOptions& options) : registry_(options), assert_formats_(options.assert_formats) {}

  // Compiles `document` into `out` (its root becomes node 0); errors are appended to `errors`.
  void compile(const Document& document, CompiledSchema& out, Errors& errors);

 private:
  NodeId compile_schema(const Located& at);
  NodeId compile_child(const Located& parent, const Value& child, PathSegment segment);
  void compile_keywords(const Located& at, Node& node);
  void compile_assertions(const Located& at, const Object& object, Node& node);
  void compile_array_keywords(const Located& at, const Object& object, Node& node);
  void compile_object_keywords(const Located& at, const Object& object, Node& node);
  void compile_applicators(const Located& at, const Object& object, Node& node);
  std::optional<Located> resolve_ref(const Located& at, const Value& ref, const char* keyword);
  std::optional<NodeId> compile_ref(const Located& at, const Value& ref);
  void compile_dynamic_ref(const Located& at, const Value& ref, Node& node);
  void compile_dynamic_anchors();
  std::size_t resource_of(const Located& at);
  std::uint8_t vocabularies_of(const Located& at) const;

  std::optional<std::size_t> count(const Located& at, const Object& object, const char* keyword);
  std::optional<Value> number(const Located& at, const Object& object, const char* keyword, bool positive = false);
  std::shared_ptr<const Pattern> pattern(const Located& at, const Value& source, const PathSegment& segment);
  std::optional<std::vector<std::string>> strings(const Located& at, const Value& list, const PathSegment& segment);
  void fail(const Located& at, const Value& value, const std::vector<PathSegment>& segments, std::string message);

  std::string location_of(const Located& at) const;

  Registry registry_;
  const Document* main_document_ = nullptr;
  std::optional<bool> assert_formats_;  // nullopt: as the vocabularies say
  CompiledSchema* out_ = nullptr;
  Errors* errors_ = nullptr;
  std::unordered_map<const Value*, NodeId> compiled_;  // each schema value becomes one node
  std::unordered_map<std::string, std::size_t> resource_ids_;  // resource URI -> CompiledSchema::resources index
  std::vector<std::string> resource_uris_;                     // the reverse
};

}  // namespace hotreload::schema_detail
