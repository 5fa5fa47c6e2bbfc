#include "load/toml_unclosed.hpp"

#include <algorithm>
#include <vector>

#include "core/utf8.hpp"

namespace hotreload::detail {
namespace {

// Walks the text one character at a time, keeping the line and column toml++ would report.
class Walker {
 public:
  explicit Walker(std::string_view text) : text_(text) {}

  bool done() const { return offset_ >= text_.size(); }
  bool at(std::string_view what) const { return text_.substr(offset_).starts_with(what); }
  char peek() const { return text_[offset_]; }
  TomlOpening here(char opener) const { return TomlOpening{opener, line_, column_}; }
  bool before(std::uint32_t line, std::uint32_t column) const {
    return line_ < line || (line_ == line && column_ < column);
  }

  void advance(std::size_t characters = 1) {
    for (; characters > 0 && !done(); --characters) {
      if (text_[offset_] == '\n') {
        ++line_;
        column_ = 1;
        ++offset_;
      } else {
        ++column_;
        offset_ += std::max<std::size_t>(1, utf8_sequence_length(text_, offset_));
      }
    }
  }

 private:
  std::string_view text_;
  std::size_t offset_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
};

}  // namespace

std::optional<TomlOpening> find_unclosed_toml(std::string_view text, std::uint32_t error_line,
                                              std::uint32_t error_column) {
  Walker walk(text);
  std::vector<TomlOpening> brackets;
  std::optional<TomlOpening> string;  // the string open at the current character
  std::string_view closer;            // and what ends it
  bool escapes = false;               // basic strings: a backslash escapes the next character
  bool multi_line = false;
  // What was open where toml++ stopped; the scan goes on to the end to see whether it closes.
  bool passed_error = false;
  bool string_at_error = false;
  std::size_t depth_at_error = 0;
  for (;;) {
    if (!passed_error && (walk.done() || !walk.before(error_line, error_column))) {
      passed_error = true;
      string_at_error = string.has_value();
      depth_at_error = brackets.size();
      if (!string_at_error && depth_at_error == 0) return std::nullopt;
    }
    if (walk.done()) break;
    char c = walk.peek();
    if (string) {
      if (escapes && c == '\\') {
        walk.advance(2);
      } else if (walk.at(closer)) {
        if (passed_error && string_at_error) return std::nullopt;  // closed after all: another error
        walk.advance(closer.size());
        string.reset();
      } else if (c == '\n' && !multi_line) {
        if (passed_error && string_at_error) return string;  // a one-line string ran off its line
        string.reset();
      } else {
        walk.advance();
      }
      continue;
    }
    if (c == '#') {
      while (!walk.done() && walk.peek() != '\n') walk.advance();
    } else if (c == '"' || c == '\'') {
      multi_line = walk.at(c == '"' ? R"(""")" : "'''");
      closer = c == '"' ? (multi_line ? R"(""")" : R"(")") : (multi_line ? "'''" : "'");
      escapes = c == '"';
      string = walk.here(c);
      walk.advance(closer.size());
    } else if (c == '[' || c == '{') {
      brackets.push_back(walk.here(c));
      walk.advance();
    } else if ((c == ']' || c == '}') && !brackets.empty()) {
      // The collection open at the error closes later: the error is inside it, not about it.
      if (passed_error && brackets.size() == depth_at_error) return std::nullopt;
      brackets.pop_back();
      walk.advance();
    } else {
      walk.advance();
    }
  }
  if (string_at_error) return string;  // a multi-line string the file ends inside
  if (depth_at_error > 0 && brackets.size() >= depth_at_error) return brackets[depth_at_error - 1];
  return std::nullopt;
}

}  // namespace hotreload::detail
