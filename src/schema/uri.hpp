// Just enough of RFC 3986 for $id and $ref: resolving a reference against a base and splitting off
// the fragment. Schemas without an $id get an empty base, so "#/definitions/a" stays as written.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace hotreload::schema_detail {

// `reference` resolved against `base` (RFC 3986 section 5.2, without dot-segment removal).
std::string resolve_uri(std::string_view base, std::string_view reference);

// {"http://x/a.json", "/definitions/b"} from "http://x/a.json#/definitions/b"; the fragment is
// percent-decoded.
std::pair<std::string, std::string> split_fragment(std::string_view uri);

}  // namespace hotreload::schema_detail
