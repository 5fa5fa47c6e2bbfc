// keyvalue: the `Key Value` lines of torrc and sshd_config, read into one flat map.
// - The key is the first word of a line (up to a space or tab; leading blanks are allowed). It
//   is one top-level key taken literally: case-sensitive, and a '.' in it is not a path (torrc
//   keys have none, and a flat file should not grow structure by accident).
// - The value is the rest of the line, trimmed, typed like an environment overlay value
//   ("9050" an integer, "true" a bool, "1.5" a float, anything else a string). Quotes are not
//   interpreted: a value is its text.
// - '#' at the start of a word begins a comment to the end of the line, so torrc's
//   `SocksPort 9050 # local only` is 9050, while a '#' inside a word (`pass#word`) is text.
// - A backslash as the last non-blank character (after removing any comment) continues the line
//   onto the next one, whose leading blanks are dropped; the pieces are joined with one space.
// - A key given more than once becomes an array of its values, in file order.
// Errors are located: a key with no value (torrc has no bare flags), a continuation at the end
// of the file or onto a line with nothing on it, a continued line with no key.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/scalar.hpp"
#include "load/parsers.hpp"

namespace hotreload::detail {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The meaningful part of one physical line: comment removed, blanks trimmed on both sides.
struct Piece {
  std::string_view text;
  std::uint32_t line = 0;
  std::uint32_t column = 0;  // of text's first byte, 1-based; of the line's end when text is empty
};

class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}

  // The next physical line as a Piece; false at the end of the text.
  bool next(Piece& piece) {
    if (offset_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', offset_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view line = text_.substr(offset_, end - offset_);
    offset_ = end + 1;
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = line.substr(0, comment_start(line));
    std::size_t first = 0;
    while (first < line.size() && is_blank(line[first])) ++first;
    std::size_t last = line.size();
    while (last > first && is_blank(line[last - 1])) --last;
    piece = Piece{line.substr(first, last - first), line_number_, static_cast<std::uint32_t>(first + 1)};
    return true;
  }

 private:
  static std::size_t comment_start(std::string_view line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || is_blank(line[i - 1]))) return i;
    }
    return line.size();
  }

  std::string_view text_;
  std::size_t offset_ = 0;
  std::uint32_t line_number_ = 0;
};

// Removes a trailing backslash (and the blanks before it); true if there was one.
bool take_continuation(Piece& piece) {
  if (piece.text.empty() || piece.text.back() != '\\') return false;
  piece.text.remove_suffix(1);
  while (!piece.text.empty() && is_blank(piece.text.back())) piece.text.remove_suffix(1);
  return true;
}

class KeyValueParser {
 public:
  KeyValueParser(std::string_view text, std::string_view source_name, const ParseLimits& limits)
      : lines_(text), source_name_(source_name), limits_(limits) {}

  Result<Value> parse() {
    Value root{Object{}};
    root.origin = Origin{0, 1, 1};
    std::size_t nodes = 1;
    Piece piece;
    while (lines_.next(piece)) {
      if (piece.text.empty()) continue;
      const Origin backslash = end_of(piece);
      const bool continues = take_continuation(piece);
      if (piece.text.empty()) return unexpected(error("a continued line has no key", backslash));

      std::size_t key_end = 0;
      while (key_end < piece.text.size() && !is_blank(piece.text[key_end])) ++key_end;
      std::string key(piece.text.substr(0, key_end));
      const Origin key_origin{0, piece.line, piece.column};
      Piece rest = after(piece, key_end);

      Result<std::optional<Value>> value = read_value(rest, continues, backslash);
      if (!value) return unexpected(std::move(value).error());
      if (!*value) return unexpected(error("key \"" + key + "\" has no value", key_origin));
      if (auto added = add(root.as_object(), std::move(key), std::move(**value), nodes); !added) {
        return unexpected(std::move(added).error());
      }
    }
    return root;
  }

 private:
  // The value that starts with `first` (the rest of the key's line), joined with the lines a
  // trailing backslash continues it onto, with the origin of its first character; nullopt when
  // there is no text.
  Result<std::optional<Value>> read_value(Piece first, bool continues, Origin backslash) {
    std::string text(first.text);
    Origin origin = first.text.empty() ? Origin{} : Origin{0, first.line, first.column};
    while (continues) {
      Piece next;
      if (!lines_.next(next)) {
        return unexpected(error("bad continuation: the file ends after a trailing backslash", backslash));
      }
      if (next.text.empty()) {
        return unexpected(
            error("bad continuation: the line after a trailing backslash is blank or a comment", backslash));
      }
      backslash = end_of(next);
      continues = take_continuation(next);
      if (next.text.empty()) continue;  // a line holding only another backslash
      if (text.empty()) {
        origin = Origin{0, next.line, next.column};
      } else {
        text += ' ';
      }
      text += next.text;
    }
    if (text.empty()) return std::optional<Value>();
    Value value = resolve_plain_scalar(text);
    value.origin = origin;
    return std::optional<Value>(std::move(value));
  }

  Result<void> add(Object& root, std::string key, Value value, std::size_t& nodes) {
    const Origin origin = value.origin;
    Value* existing = root.find(key);
    if (existing == nullptr) {
      if (++nodes > limits_.max_nodes) return unexpected(too_many(origin));
      root.insert_or_assign(std::move(key), std::move(value));
      return {};
    }
    // Values are scalars, so an array here can only be one this function made for a repeated key.
    if (!existing->is_array()) {
      if (limits_.max_depth < 2) return unexpected(error(too_deep_message(limits_), origin, ErrorCode::limit));
      if (++nodes > limits_.max_nodes) return unexpected(too_many(origin));
      Value first = std::move(*existing);
      Origin array_origin = first.origin;
      *existing = Value(Array{std::move(first)});
      existing->origin = array_origin;
    }
    if (++nodes > limits_.max_nodes) return unexpected(too_many(origin));
    existing->as_array().push_back(std::move(value));
    return {};
  }

  // Where a trailing backslash would be: the last byte of the piece.
  static Origin end_of(const Piece& piece) {
    auto length = static_cast<std::uint32_t>(piece.text.size());
    return Origin{0, piece.line, piece.column + (length == 0 ? 0 : length - 1)};
  }

  // The piece after its first `offset` bytes, leading blanks skipped.
  static Piece after(const Piece& piece, std::size_t offset) {
    while (offset < piece.text.size() && is_blank(piece.text[offset])) ++offset;
    return Piece{piece.text.substr(offset), piece.line, piece.column + static_cast<std::uint32_t>(offset)};
  }

  Error too_many(const Origin& origin) const {
    return error("more than " + std::to_string(limits_.max_nodes) + " values", origin, ErrorCode::limit);
  }

  // A limit is not a syntax error, so its message says only the limit, as the other formats' do.
  Error error(const std::string& message, const Origin& origin, ErrorCode code = ErrorCode::parse) const {
    std::string text = code == ErrorCode::parse ? "invalid keyvalue: " + message : message;
    return error_at(code, std::move(text), source_name_, origin.line, origin.column);
  }

  Lines lines_;
  std::string_view source_name_;
  const ParseLimits& limits_;
};

}  // namespace

Result<Value> parse_keyvalue(std::string_view text, std::string_view source_name, const ParseLimits& limits) {
  return KeyValueParser(text, source_name, limits).parse();
}

}  // namespace hotreload::detail
