#include "hotreload/binding.hpp"

#include <regex>

namespace hotreload {

nlohmann::json to_nlohmann_json(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::null: return nullptr;
    case Value::Kind::boolean: return value.as_bool();
    case Value::Kind::integer: return value.as_int();
    case Value::Kind::floating: return value.as_double();
    case Value::Kind::string: return value.as_string();
    case Value::Kind::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const Value& item : value.as_array()) out.push_back(to_nlohmann_json(item));
      return out;
    }
    case Value::Kind::object: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, item] : value.as_object()) out[key] = to_nlohmann_json(item);
      return out;
    }
  }
  return nullptr;
}

void reject(const nlohmann::json& at, const std::string& message) {
  throw nlohmann::detail::type_error::create(302, message, &at);
}

namespace detail {
namespace {

// Splits an RFC 6901 pointer into raw reference tokens (unescaped, kinds not yet known).
std::vector<std::string> pointer_tokens(const std::string& pointer) {
  std::vector<std::string> tokens;
  std::size_t i = 1;
  while (i <= pointer.size() && !pointer.empty()) {
    std::size_t end = pointer.find('/', i);
    if (end == std::string::npos) end = pointer.size();
    std::string token;
    for (std::size_t j = i; j < end; ++j) {
      if (pointer[j] == '~' && j + 1 < end) {
        token += pointer[j + 1] == '1' ? '/' : '~';
        ++j;
      } else {
        token += pointer[j];
      }
    }
    tokens.push_back(std::move(token));
    i = end + 1;
  }
  return tokens;
}

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

  Located located = locate(doc.root, pointer_tokens(pointer));
  static const std::regex kMissingKey(R"(^key '(.*)' not found$)");
  static const std::regex kWrongType(R"(^type must be ([a-z]+), but is ([a-z]+)$)");
  std::smatch detail_match;
  if (kind == "out_of_range" && std::regex_match(message, detail_match, kMissingKey)) {
    located.path.emplace_back(detail_match[1].str());
    message = "missing required key";
  } else if (kind == "type_error" && std::regex_match(message, detail_match, kWrongType)) {
    std::string expected = json_type_to_kind(detail_match[1]);
    std::string actual = json_type_to_kind(detail_match[2]);
    message = "expected " + expected + ", got " + actual;
    bool secret = rules != nullptr && rules->is_secret(to_dotted(located.path));
    if (located.node != nullptr && located.node->is_scalar() && !located.node->is_null() && !secret) {
      message += " " + to_json_text(*located.node);
    }
  }
  (void)id;
  return Error{ErrorCode::type, message, located.node ? doc.location_of(located.node->origin) : SourceLocation{},
               to_dotted(located.path)};
}

}  // namespace detail
}  // namespace hotreload
