#include "load/yaml_unclosed.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/utf8.hpp"
#include "load/libyaml.hpp"

namespace hotreload::detail {
namespace {

struct Position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::size_t offset = 0;
};

// libyaml counts columns in characters from 0; positions here count bytes from 1. At the end
// of the text libyaml moves to a line of its own, which a text without a final newline lacks.
Position position_of(std::string_view text, const yaml_mark_t& mark) {
  std::size_t offset = 0;
  std::size_t line_start = 0;
  std::uint32_t line = 1;
  for (; line <= mark.line && offset < text.size(); ++offset) {
    if (text[offset] == '\n') {
      ++line;
      line_start = offset + 1;
    }
  }
  if (line <= mark.line) {  // past the last line: the end of the text
    return Position{line, static_cast<std::uint32_t>(text.size() - line_start + 1), text.size()};
  }
  offset = line_start;
  for (std::size_t characters = 0; characters < mark.column && offset < text.size(); ++characters) {
    offset += std::max<std::size_t>(1, utf8_sequence_length(text, offset));
  }
  return Position{line, static_cast<std::uint32_t>(offset - line_start + 1), offset};
}

bool only_space_from(std::string_view text, std::size_t offset) {
  return offset >= text.size() || text.find_first_not_of(" \t\r\n", offset) == std::string_view::npos;
}

bool is_flow_start(const yaml_event_t& event) {
  return (event.type == YAML_SEQUENCE_START_EVENT && event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE) ||
         (event.type == YAML_MAPPING_START_EVENT && event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE);
}

}  // namespace

bool quoted_scalar_closes(std::string_view text, std::size_t quote) {
  if (quote >= text.size() || (text[quote] != '"' && text[quote] != '\'')) return true;  // a block scalar
  const char q = text[quote];
  for (std::size_t i = quote + 1; i < text.size(); ++i) {
    if (q == '"' && text[i] == '\\') {
      ++i;  // an escape: the next character is not the closer
    } else if (text[i] == q) {
      if (q == '"' || i + 1 >= text.size() || text[i + 1] != '\'') return true;
      ++i;  // '' inside single quotes is a quote
    }
  }
  return false;
}

std::optional<UnclosedConstruct> find_unclosed_yaml(std::string_view text, std::size_t max_depth) {
  LibyamlParser owner(text);
  if (!owner.ready()) return std::nullopt;
  yaml_parser_t& parser = owner.get();
  // Every open collection, and whether it is a flow one: the end events do not say.
  std::vector<std::pair<bool, yaml_mark_t>> open;
  for (;;) {
    LibyamlEvent next(parser);
    if (!next.ok()) break;
    const yaml_event_t& event = next.get();
    yaml_event_type_t type = event.type;
    if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
      open.emplace_back(is_flow_start(event), event.start_mark);
    } else if ((type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) && !open.empty()) {
      open.pop_back();
    }
    if (type == YAML_STREAM_END_EVENT || open.size() > max_depth) return std::nullopt;
  }
  if (parser.problem == nullptr) return std::nullopt;  // out of memory, nothing to locate

  std::string_view context = parser.context != nullptr ? parser.context : "";
  Position problem = position_of(text, parser.problem_mark);
  std::optional<Position> opening;
  if (context == "while scanning a quoted scalar") {
    // The scanner's quoted-scalar errors are all "the closing quote never came" (a bad escape
    // is "while parsing a quoted scalar").
    opening = position_of(text, parser.context_mark);
  } else if (context == "while parsing a flow sequence" || context == "while parsing a flow mapping") {
    // Found something else where ',' or the closer belongs. On the opener's own line that is a
    // typo there; on a later line the collection ran on into the rest of the file.
    Position start = position_of(text, parser.context_mark);
    if (problem.line > start.line) opening = start;
  } else if (only_space_from(text, problem.offset) && !open.empty() && open.back().first) {
    // The text ended inside a flow collection ("[1, [2," or "[[[").
    opening = position_of(text, open.back().second);
  }
  if (!opening || opening->offset >= text.size()) return std::nullopt;
  char opener = text[opening->offset];
  if (opener != '[' && opener != '{' && opener != '"' && opener != '\'') return std::nullopt;
  return UnclosedConstruct{opener,        opening->line, opening->column, parser.problem,
                           problem.line, problem.column};
}

}  // namespace hotreload::detail
