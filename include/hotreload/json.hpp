// JSON renderings of the library's values, shared by events, the CLI and (later) the admin API,
// so a change or an error looks the same wherever it is printed.
#pragma once

#include <nlohmann/json.hpp>

#include "hotreload/error.hpp"
#include "hotreload/value.hpp"

namespace hotreload {

// The value as JSON: ordered_json keeps document order; nlohmann::json (what users' from_json
// functions take) sorts keys.
template <class Json = nlohmann::ordered_json>
Json to_json_as(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::null: return nullptr;
    case Value::Kind::boolean: return value.as_bool();
    case Value::Kind::integer: return value.as_int();
    case Value::Kind::floating: return value.as_double();
    case Value::Kind::string: return value.as_string();
    case Value::Kind::array: {
      Json out = Json::array();
      for (const Value& item : value.as_array()) out.push_back(to_json_as<Json>(item));
      return out;
    }
    case Value::Kind::object: {
      Json out = Json::object();
      // emplace: operator[] would insert a null and then assign over it (twice the work).
      for (const auto& [key, item] : value.as_object()) out.emplace(key, to_json_as<Json>(item));
      return out;
    }
  }
  return nullptr;
}

// The value as JSON, keys in document order.
inline nlohmann::ordered_json to_json(const Value& value) { return to_json_as<nlohmann::ordered_json>(value); }

// {"code", "message", "file", "line", "column", "path"}; unknown parts are null.
nlohmann::ordered_json to_json(const Error& error);

}  // namespace hotreload
