// Writing JSON out whole. Everything the library and the CLI print or send as JSON goes through
// dump_json(), so no writer can stop halfway through a line.
#pragma once

#include <string>

namespace hotreload {

// The whole text of `json` (an nlohmann::json or ordered_json; one line when `indent` is
// negative). Invalid UTF-8 in a string becomes U+FFFD: nlohmann's default throws type_error.316
// partway through, and a writer streaming the text would leave half a line behind. The loaders
// refuse invalid UTF-8, so this is the second line of defence, not the first.
template <class Json>
std::string dump_json(const Json& json, int indent = -1) {
  return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace hotreload
