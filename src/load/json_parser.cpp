// JSON: the fast path (json_fast_path.cpp, simdjson) reads a valid text; anything it gives up on
// is read again here, by the reference parser, which says what is wrong and where.
//
// The reference is nlohmann's SAX parser. nlohmann 3.11 gives values no positions, and its DOM keeps
// only the last of two equal keys, so the handler builds the tree itself: it sees keys in order
// and can refuse a duplicate. A TokenCursor walks the text in step with the events to give each
// value its line and column. Stopping at the first too-deep '[' also refuses a 16 MiB "[[[[..."
// before anything has been allocated for it, with no separate depth pre-scan.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "load/parsers.hpp"

namespace hotreload::detail {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Each SAX event stands for exactly one token of the text (',' and ':' never make one), and
// nlohmann has validated that token before the event, so moving past it needs no error handling.
class TokenCursor {
 public:
  explicit TokenCursor(std::string_view text) : text_(text) {
    if (text_.starts_with(kUtf8Bom)) offset_ = line_start_ = kUtf8Bom.size();  // nlohmann skips it too
  }

  // Where the next token begins, without moving past it: on a syntax error, the token that
  // nlohmann refused.
  std::pair<char, Origin> peek() {
    skip_separators();
    return {offset_ < text_.size() ? text_[offset_] : '\0', here()};
  }

  // Moves past the next token and returns where it began.
  Origin take() {
    skip_separators();
    Origin origin = here();
    if (offset_ >= text_.size()) return origin;
    char first = text_[offset_];
    if (first == '"') {
      skip_string();
    } else if (first == '{' || first == '}' || first == '[' || first == ']') {
      ++offset_;
    } else {
      while (offset_ < text_.size() && std::string_view(" \t\r\n,]}").find(text_[offset_]) == std::string_view::npos) {
        ++offset_;
      }
    }
    return origin;
  }

 private:
  Origin here() const { return Origin{0, line_, static_cast<std::uint32_t>(offset_ - line_start_ + 1)}; }

  void skip_separators() {
    for (; offset_ < text_.size(); ++offset_) {
      char c = text_[offset_];
      if (c == '\n') {
        ++line_;
        line_start_ = offset_ + 1;
      } else if (c != ' ' && c != '\t' && c != '\r' && c != ',' && c != ':') {
        return;
      }
    }
  }

  void skip_string() {
    ++offset_;  // the opening quote; a string cannot hold a raw newline
    while (offset_ < text_.size()) {
      char c = text_[offset_++];
      if (c == '\\') ++offset_;
      else if (c == '"') return;
    }
  }

  std::string_view text_;
  std::size_t offset_ = 0;
  std::size_t line_start_ = 0;
  std::uint32_t line_ = 1;
};

// 1-based line and column of a byte offset.
Origin position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line_start = text.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0;
  std::uint32_t line = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return Origin{0, line, static_cast<std::uint32_t>(offset - std::min(offset, line_start) + 1)};
}

// "[json.exception.parse_error.101] parse error at line 3, column 1: syntax error ..." keeps
// only "syntax error ...": the position is reported in the location instead.
std::string library_message(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    if (auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  if (what.starts_with("parse error")) {
    if (auto colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  return std::string(what);
}

class TreeBuilder final : public nlohmann::json_sax<nlohmann::json> {
 public:
  TreeBuilder(std::string_view text, std::string_view source_name, const ParseLimits& limits)
      : text_(text), source_name_(source_name), limits_(limits), cursor_(text) {}

  Value take_root() { return std::move(root_); }
  const std::optional<Error>& failure() const { return failure_; }

  bool null() override { return place(Value(nullptr)); }
  bool boolean(bool value) override { return place(Value(value)); }
  bool number_integer(number_integer_t value) override { return place(Value(static_cast<std::int64_t>(value))); }
  bool number_unsigned(number_unsigned_t value) override {
    // Beyond int64 a JSON integer stays a number, as a double.
    if (value > static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
      return place(Value(static_cast<double>(value)));
    }
    return place(Value(static_cast<std::int64_t>(value)));
  }
  bool number_float(number_float_t value, const string_t&) override { return place(Value(value)); }
  bool string(string_t& value) override { return place(Value(std::move(value))); }
  bool binary(binary_t&) override { return false; }  // only the binary formats produce it

  bool start_object(std::size_t) override { return open(Value(Object{})); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Value(Array{})); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    Origin origin = cursor_.take();
    Frame& top = stack_.back();
    if (top.node.as_object().contains(name)) {
      Path path = path_here();
      path.emplace_back(name);
      return fail(ErrorCode::parse, duplicate_key_message(name, first_key_line(top.node.as_object(), top.key_lines, name)), origin, path);
    }
    top.key = std::move(name);
    top.key_line = origin.line;
    return true;
  }

  bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& e) override {
    // `byte` counts the characters read, the offending one included.
    Origin origin = position_of(text_, byte == 0 ? 0 : byte - 1);
    std::string message = library_message(e.what());
    if (auto opening = unclosed_opening(message, origin)) {
      failure_ = unclosed_error("JSON", opening->first, opening->second.line, opening->second.column, message,
                                origin.line, origin.column, source_name_);
      return false;
    }
    return fail(ErrorCode::parse, "invalid JSON: " + message, origin, {});
  }

 private:
  // A map or an array being filled; for a map, the key waiting for its value and the line of
  // each entry's key (for duplicate messages).
  struct Frame {
    Value node;
    std::optional<std::string> key;
    std::uint32_t key_line = 0;
    std::vector<std::uint32_t> key_lines;
  };

  bool place(Value value) {
    value.origin = cursor_.take();
    attach(std::move(value));
    return true;
  }

  bool open(Value container) {
    container.origin = cursor_.take();
    if (stack_.size() >= limits_.max_depth) {
      return fail(ErrorCode::limit, too_deep_message(limits_), container.origin, path_here());
    }
    stack_.push_back(Frame{std::move(container), std::nullopt, 0, {}});
    return true;
  }

  bool close() {
    cursor_.take();
    Value node = std::move(stack_.back().node);
    stack_.pop_back();
    attach(std::move(node));
    return true;
  }

  void attach(Value value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.is_array()) {
      top.node.as_array().push_back(std::move(value));
      return;
    }
    top.node.as_object().insert_or_assign(std::move(*top.key), std::move(value));
    top.key_lines.push_back(top.key_line);
    top.key.reset();
  }

  // The quote, bracket or brace that a syntax error found at `found` leaves open, if that is
  // what the error is. nlohmann names what it expected, not what was left open, hence the words.
  std::optional<std::pair<char, Origin>> unclosed_opening(std::string_view message, const Origin& found) {
    // A JSON string cannot hold a raw line feed, so one inside a string means the quote was
    // never closed on its line.
    if (message.find("missing closing quote") != std::string_view::npos ||
        message.find("control character U+000A (LF)") != std::string_view::npos) {
      auto [first, origin] = cursor_.peek();
      if (first == '"') return std::pair{first, origin};
      return std::nullopt;
    }
    if (stack_.empty()) return std::nullopt;
    const Value& innermost = stack_.back().node;
    char opener = innermost.is_array() ? '[' : '{';
    bool at_end = message.find("unexpected end of input") != std::string_view::npos;
    // Something else where ',' or the closer belongs: on the opener's line a typo there, on a
    // later line the collection ran on into the rest of the file.
    std::string_view closer = innermost.is_array() ? "; expected ']'" : "; expected '}'";
    bool wants_closer = message.find(closer) != std::string_view::npos;
    if (at_end || (wants_closer && found.line > innermost.origin.line)) return std::pair{opener, innermost.origin};
    return std::nullopt;
  }

  // The path of the value about to be placed.
  Path path_here() const {
    Path path;
    for (const Frame& frame : stack_) {
      if (frame.node.is_array()) path.emplace_back(frame.node.as_array().size());
      else if (frame.key) path.emplace_back(*frame.key);
    }
    return path;
  }

  bool fail(ErrorCode code, std::string message, const Origin& origin, const Path& path) {
    failure_ = error_at(code, std::move(message), source_name_, origin.line, origin.column, path);
    return false;
  }

  std::string_view text_;
  std::string_view source_name_;
  const ParseLimits& limits_;
  TokenCursor cursor_;
  std::vector<Frame> stack_;
  Value root_;
  std::optional<Error> failure_;
};

}  // namespace

Result<Value> parse_json_reference(std::string_view text, std::string_view source_name, const ParseLimits& limits) {
  TreeBuilder builder(text, source_name, limits);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text, &builder);
  } catch (const nlohmann::json::exception& e) {
    return unexpected(error_at(ErrorCode::parse, "invalid JSON: " + library_message(e.what()), source_name, 0, 0));
  }
  if (builder.failure()) return unexpected(*builder.failure());
  if (!ok) return unexpected(error_at(ErrorCode::parse, "invalid JSON", source_name, 0, 0));
  return builder.take_root();
}

Result<Value> parse_json(std::string_view text, std::string_view source_name, const ParseLimits& limits) {
  if (std::optional<Value> fast = parse_json_fast(text, limits)) return std::move(*fast);
  return parse_json_reference(text, source_name, limits);
}

}  // namespace hotreload::detail
