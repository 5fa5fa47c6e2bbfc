// JSON renderings of the library's values, shared by events, the CLI and (later) the admin API,
// so a change or an error looks the same wherever it is printed.
#pragma once

#include <utility>

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
      typename Json::array_t items;
      items.reserve(value.as_array().size());
      for (const Value& item : value.as_array()) items.push_back(to_json_as<Json>(item));
      return Json(std::move(items));
    }
    case Value::Kind::object: {
      // Filled as a plain container and moved in whole: Json's own emplace() looks every key up
      // first, which the Value's unique keys make needless.
      typename Json::object_t entries;
      if constexpr (requires { typename Json::object_t::Container; }) {
        // ordered_map, a vector whose emplace() compares the key with every entry.
        auto& in_order = static_cast<typename Json::object_t::Container&>(entries);
        in_order.reserve(value.as_object().size());
        for (const auto& [key, item] : value.as_object()) in_order.emplace_back(key, to_json_as<Json>(item));
      } else {
        // A sorted map: a key that sorts after the last one (keys written in order) goes to the
        // end with one comparison instead of a search from the root.
        for (const auto& [key, item] : value.as_object()) entries.emplace_hint(entries.end(), key, to_json_as<Json>(item));
      }
      return Json(std::move(entries));
    }
  }
  return nullptr;
}

// The value as JSON, keys in document order.
inline nlohmann::ordered_json to_json(const Value& value) { return to_json_as<nlohmann::ordered_json>(value); }

// {"code", "message", "file", "line", "column", "path"}; unknown parts are null.
nlohmann::ordered_json to_json(const Error& error);

}  // namespace hotreload
