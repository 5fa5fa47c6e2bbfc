#include "hotreload/binding.hpp"

#include <regex>

#include "hotreload/json.hpp"

namespace hotreload {

nlohmann::json to_nlohmann_json(const Value& value) { return to_json_as<nlohmann::json>(value); }

void reject(const nlohmann::json& at, const std::string& message) {
  throw nlohmann::detail::type_error::create(302, message, &at);
}

namespace detail {
namespace {

struct Located {
  Path path;
  const Value* node = nullptr;  // the deepest node the pointer reached
};

// Walks the document along the pointer, reading each token as a key or an index by the kind of
// the node it applies to (a pointer alone cannot tell "/0" the key from "/0" the index).
Located locate(const Value& root, const std::vector<std::string>& tokens) {
  Located out{{}, &root};
  for (const std::string& token : tokens) {
    const Value* next = nullptr;
    if (out.node->is_object()) {
      next = out.node->as_object().find(token);
      out.path.emplace_back(token);
    } else if (out.node->is_array()) {
      std::size_t index = std::strtoull(token.c_str(), nullptr, 10);
      if (index < out.node->as_array().size()) next = &out.node->as_array()[index];
      out.path.emplace_back(index);
    } else {
      out.path.emplace_back(token);
    }
    if (next == nullptr) return out;  // path keeps the missing segment, node stays at the parent
    out.node = next;
  }
  return out;
}

std::string json_type_to_kind(const std::string& type) {
  if (type == "object") return "map";
  return type;
}

}  // namespace

Error binding_error(const Document& doc, const std::exception& failure, const FieldRules* rules) {
  const std::string what = failure.what();
  // "[json.exception.type_error.302] (/database/max_conns) type must be number, but is string"
  static const std::regex kDiagnostic(R"(^\[json\.exception\.([a-z_]+)\.(\d+)\] (?:\((/[^)]*|)\) )?(.*)$)");
  std::smatch match;
  if (!std::regex_match(what, match, kDiagnostic)) {
    return Error{ErrorCode::type, what, {}, {}};
  }
  const std::string kind = match[1];
  const std::string id = match[2];
  const std::string pointer = match[3];
  std::string message = match[4];

  Located located = locate(doc.root, json_pointer_tokens(pointer).value_or(std::vector<std::string>{}));
  static const std::regex kMissingKey(R"(^key '(.*)' not found$)");
  static const std::regex kWrongType(R"(^type must be ([a-z]+), but is ([a-z]+)$)");
  const bool secret = rules != nullptr && rules->is_secret(to_dotted(located.path));
  std::smatch detail_match;
  if (kind == "out_of_range" && std::regex_match(message, detail_match, kMissingKey)) {
    located.path.emplace_back(detail_match[1].str());
    message = "missing required key";
  } else if (kind == "type_error" && std::regex_match(message, detail_match, kWrongType)) {
    std::string expected = json_type_to_kind(detail_match[1]);
    std::string actual = json_type_to_kind(detail_match[2]);
    message = "expected " + expected + ", got " + actual;
    if (located.node != nullptr && located.node->is_scalar() && !located.node->is_null() && !secret) {
      message += " " + to_json_text(*located.node);
    }
  } else if (secret) {
    // A custom from_json (or the duration reader) may quote the value: say only that it failed.
    message = "invalid value (secret, not shown)";
  }
  (void)id;
  return Error{ErrorCode::type, message, located.node ? doc.location_of(located.node->origin) : SourceLocation{},
               to_dotted(located.path)};
}

}  // namespace detail
}  // namespace hotreload
