// ECMA-262's Unicode property escapes (\p{...}, \P{...}, u-mode) in RE2's spelling: ECMA-262
// takes the Unicode long names and aliases (\p{Letter}, \p{digit}, \p{gc=Lu},
// \p{Script=Greek}), RE2 only the short general categories and script names.
#pragma once

#include <string>
#include <string_view>

#include "hotreload/result.hpp"

namespace hotreload::schema_detail {

// The RE2 text for the property escape whose braces hold `name` (negated for \P), to be placed
// inside a character class when `in_class`; an error names what is not supported.
Result<std::string, std::string> re2_unicode_property(std::string_view name, bool negated, bool in_class);

}  // namespace hotreload::schema_detail
