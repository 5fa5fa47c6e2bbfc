// Where a YAML syntax error's unclosed construct opened. yaml-cpp reports only where it gave up
// (often the end of the file); libyaml also names the construct it was inside and where that
// began ("while parsing a flow sequence" at its '['), so on a yaml-cpp error the text is run
// through libyaml's parser once more just for that mark.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hotreload::detail {

struct UnclosedConstruct {
  char opener = 0;  // '[', '{', '"' or '\''
  std::uint32_t line = 0;  // 1-based; the column counts bytes, like every other position
  std::uint32_t column = 0;
  std::string problem;  // libyaml's words for what it found instead of the closer
  std::uint32_t problem_line = 0;
  std::uint32_t problem_column = 0;
};

// The innermost flow sequence, flow map or quoted scalar that `text` (valid UTF-8) leaves open
// where libyaml's parser fails, or nullopt when it parses or fails for another reason. Stops
// without an answer past `max_depth` open collections.
std::optional<UnclosedConstruct> find_unclosed_yaml(std::string_view text, std::size_t max_depth);

// Whether the quoted scalar whose opening quote is text[quote] has its closing quote. yaml-cpp
// 0.7 ends a quoted scalar that the text ends inside without an error, so the last quoted
// scalar of an accepted text is checked with this.
bool quoted_scalar_closes(std::string_view text, std::size_t quote);

}  // namespace hotreload::detail
