// Where a TOML syntax error's unclosed construct opened. toml++ reports only where it gave up
// ("Error while parsing array: encountered end-of-file" at the end of the file) and keeps no
// record of the opening, so a small scan of TOML's brackets, strings and comments finds it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hotreload::detail {

struct TomlOpening {
  char opener = 0;  // '[', '{', '"' or '\'' (the first quote of a multi-line string)
  std::uint32_t line = 0;  // 1-based; the column counts characters, as toml++'s do
  std::uint32_t column = 0;
};

// The innermost array, inline table, table header or string that is open where toml++ stopped
// (its 1-based line and column) and never closes: a one-line string that runs off its line, a
// multi-line string or a bracket that the file ends inside. nullopt when the error is about
// something else, inside a construct that closes later.
std::optional<TomlOpening> find_unclosed_toml(std::string_view text, std::uint32_t error_line,
                                              std::uint32_t error_column);

}  // namespace hotreload::detail
