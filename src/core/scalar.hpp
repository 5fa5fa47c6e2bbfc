// Typing of unquoted scalars by the YAML 1.2 core schema, shared by the YAML parser and the
// environment overlay so "200", "true" and "~" mean the same wherever they are written.
#pragma once

#include <string_view>

#include "hotreload/value.hpp"

namespace hotreload::detail {

// null (~, null, empty), bool (true/false in three casings), integer (decimal, 0x, 0o),
// float (decimal, exponent, .inf, .nan); anything else is a string. YAML 1.1's yes/no/on/off
// stay strings, so a country code "no" is never read as false.
Value resolve_plain_scalar(std::string_view text);

}  // namespace hotreload::detail
