// Binding: turning a Document into the program's own config struct the way C++ users already
// do with nlohmann::json (from_json / NLOHMANN_DEFINE_TYPE_*), with every conversion error mapped
// back to the dotted key path and the file:line:col it was written at.
//
//   struct Database { std::string host; int max_conns; std::chrono::milliseconds timeout; };
//   NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Database, host, max_conns, timeout)
//   auto db = hotreload::bind<Database>(doc);   // Result<Database, Errors>
//
// nlohmann's JSON_DIAGNOSTICS (set PUBLIC by the hotreload CMake target) makes its exceptions name
// the JSON pointer of the failing value; that is how a failure is traced back to its source.
#pragma once

#include <exception>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "hotreload/document.hpp"
#include "hotreload/duration.hpp"
#include "hotreload/error.hpp"
#include "hotreload/fields.hpp"
#include "hotreload/result.hpp"

#if !defined(JSON_DIAGNOSTICS) || !JSON_DIAGNOSTICS
#error "hotreload needs JSON_DIAGNOSTICS=1 for nlohmann::json (link the hotreload::hotreload target, or define it)"
#endif

namespace hotreload {

// The document as nlohmann::json (maps become std::map-ordered objects; positions are dropped).
nlohmann::json to_nlohmann_json(const Value& value);

// Inside a custom from_json: refuse a value with a message; the error will carry the value's path
// and position, e.g. `if (port == 0) hotreload::reject(j.at("port"), "must not be 0");`
[[noreturn]] void reject(const nlohmann::json& at, const std::string& message);

namespace detail {
// Maps an exception thrown while binding to an Error with path and location. Values are left
// out of the message when `rules` marks the path secret.
Error binding_error(const Document& doc, const std::exception& failure, const FieldRules* rules);
}  // namespace detail

// Converts the document to T with nlohmann's from_json. Never throws: exceptions from the
// conversion (including the user's own from_json) become errors.
template <class T>
Result<T, Errors> bind(const Document& doc, const FieldRules* rules = nullptr) {
  try {
    nlohmann::json json = to_nlohmann_json(doc.root);
    if constexpr (std::is_same_v<T, nlohmann::json>) {
      return json;  // already the result: get<T>() would copy the whole tree once more
    } else {
      return json.get<T>();
    }
  } catch (const std::exception& failure) {
    return unexpected(Errors{detail::binding_error(doc, failure, rules)});
  } catch (...) {
    return unexpected(Errors{Error{ErrorCode::internal, "binding threw a non-standard exception", {}, {}}});
  }
}

}  // namespace hotreload
