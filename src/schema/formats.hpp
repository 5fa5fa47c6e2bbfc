// The "format" values the validator asserts: a string that claims to be a date-time, a hostname
// or a duration has to be one. Formats not listed here are annotations only.
#pragma once

#include <string_view>

namespace hotreload::schema_detail {

struct FormatCheck {
  const char* name;
  bool (*accepts)(std::string_view text);
};

// The check for a format name, or nullptr for a format this validator does not know.
const FormatCheck* find_format(std::string_view name);

}  // namespace hotreload::schema_detail
