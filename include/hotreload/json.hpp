// JSON renderings of the library's values, shared by events, the CLI and (later) the admin API,
// so a change or an error looks the same wherever it is printed.
#pragma once

#include <nlohmann/json.hpp>

#include "hotreload/diff.hpp"
#include "hotreload/error.hpp"
#include "hotreload/value.hpp"

namespace hotreload {

// The value as JSON, keys in document order.
nlohmann::ordered_json to_json(const Value& value);

// {"path", "op", "old", "new"}: an absent side is null, a secret side is "<redacted>".
nlohmann::ordered_json to_json(const Change& change);

// {"code", "message", "file", "line", "column", "path"}; unknown parts are null.
nlohmann::ordered_json to_json(const Error& error);

}  // namespace hotreload
