// JSON's fast path: simdjson's On-Demand API finds every token with SIMD instructions, and the
// walk below builds the Value tree from it, each value positioned by the offset of its token
// (On-Demand hands out views into the text). It only ever accepts: at anything it does not
// accept as the reference parser would (a syntax error, a duplicate key, nesting past the limit,
// a number out of range) it gives up, and the reference parser (json_parser.cpp) reads the text
// again and says what is wrong, with the messages and positions it always gave. Valid configs,
// the common case by far, are read once.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "load/parsers.hpp"

namespace hotreload::detail {
namespace {

namespace ondemand = simdjson::ondemand;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Line and column of the tokens of one text, asked for in increasing order of offset (the walk
// visits tokens in document order), so that the text is scanned for line feeds once in all.
class LineCounter {
 public:
  explicit LineCounter(const char* base) : base_(base) {}

  Origin at(const char* token) {
    auto offset = static_cast<std::size_t>(token - base_);
    while (scanned_ < offset) {
      const void* found = std::memchr(base_ + scanned_, '\n', offset - scanned_);
      if (found == nullptr) {
        scanned_ = offset;
        break;
      }
      ++line_;
      line_start_ = scanned_ = static_cast<std::size_t>(static_cast<const char*>(found) - base_) + 1;
    }
    return Origin{0, line_, static_cast<std::uint32_t>(offset - line_start_ + 1)};
  }

 private:
  const char* base_;
  std::size_t scanned_ = 0;
  std::size_t line_start_ = 0;
  std::uint32_t line_ = 1;
};

// JSON has one number grammar; nlohmann, the reference, calls a number with a fraction or an
// exponent a float and any other an integer, and an integer beyond int64 a float too.
bool is_float_token(std::string_view token) { return token.find_first_of(".eE") != std::string_view::npos; }

// A token's view runs on to the next token; this is the token alone.
std::string_view without_trailing_space(std::string_view token) {
  std::size_t end = token.find_last_not_of(" \t\r\n");
  return token.substr(0, end == std::string_view::npos ? 0 : end + 1);
}

// simdjson 3.0.1 takes a document of "false0" for false (found by fuzz/json_paths_fuzzer.cpp), so
// a literal's token is checked to hold nothing else.
bool is_exactly(std::string_view token, std::string_view literal) { return without_trailing_space(token) == literal; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 8259's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    return i > start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (i < text.size() && text[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == text.size();
}

// The walk recurses once per level; past this depth (configs never nest so deep, and the
// default limit is 64) it gives up and the reference, which keeps its own stack, reads the text.
constexpr std::size_t kMaxRecursion = 128;

class TreeBuilder {
 public:
  TreeBuilder(const char* base, const ParseLimits& limits)
      : lines_(base), max_depth_(std::min(limits.max_depth, kMaxRecursion)) {}

  // A scalar, or a map or array (recursively), into `out`; false to give up. `depth` counts the
  // maps and arrays around it.
  bool build(ondemand::value& json, Value& out, std::size_t depth) {
    ondemand::json_type type;
    if (json.type().get(type) != simdjson::SUCCESS) return false;
    std::string_view token = json.raw_json_token();
    Origin origin = lines_.at(token.data());
    switch (type) {
      case ondemand::json_type::object: {
        ondemand::object object;
        if (depth >= max_depth_ || json.get_object().get(object) != simdjson::SUCCESS) return false;
        out = Value(Object{});
        out.origin = origin;
        return build_object(object, out.as_object(), depth + 1);
      }
      case ondemand::json_type::array: {
        ondemand::array array;
        if (depth >= max_depth_ || json.get_array().get(array) != simdjson::SUCCESS) return false;
        out = Value(Array{});
        out.origin = origin;
        return build_array(array, out.as_array(), depth + 1);
      }
      default:
        if (!scalar(json, type, token, out)) return false;
        out.origin = origin;
        return true;
    }
  }

  // The whole text: one value and nothing after it.
  bool build_root(ondemand::document& document, Value& out) {
    ondemand::json_type type;
    if (document.type().get(type) != simdjson::SUCCESS) return false;
    if (type == ondemand::json_type::object || type == ondemand::json_type::array) {
      ondemand::value root;
      if (document.get_value().get(root) != simdjson::SUCCESS || !build(root, out, 0)) return false;
    } else {
      std::string_view token;
      if (document.raw_json_token().get(token) != simdjson::SUCCESS) return false;
      Origin origin = lines_.at(token.data());
      if (!scalar(document, type, token, out)) return false;
      out.origin = origin;
    }
    // Past the last token there is no location: anything else is trailing content.
    return document.current_location().error() == simdjson::OUT_OF_BOUNDS;
  }

 private:
  // The entries are gathered in this depth's scratch vector, whose buffer the map then takes
  // whole, so that it is allocated about once at its final size rather than grown entry by entry.
  static constexpr std::size_t kGuessedEntries = 64;
  bool build_object(ondemand::object& object, Object& map, std::size_t depth) {
    std::vector<Object::Entry>& entries = entry_scratch_[depth];
    entries.clear();
    for (auto result : object) {
      ondemand::field field;
      std::string_view key;
      if (std::move(result).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS) {
        return false;
      }
      entries.emplace_back(std::piecewise_construct, std::forward_as_tuple(key), std::forward_as_tuple());
      if (!build(field.value(), entries.back().second, depth)) return false;
    }
    const std::size_t count = entries.size();
    // A duplicate: the reference names both places.
    if (!map.adopt_unique(std::move(entries))) return false;
    // The map took the buffer; the next map at this depth likely has as many keys (a list of
    // services, each with the same settings). A large one is not guessed.
    entries = {};
    if (count <= kGuessedEntries) entries.reserve(count);
    return true;
  }

  bool build_array(ondemand::array& array, Array& items, std::size_t depth) {
    Array& scratch = item_scratch_[depth];
    scratch.clear();
    for (auto result : array) {
      ondemand::value element;
      if (std::move(result).get(element) != simdjson::SUCCESS) return false;
      if (!build(element, scratch.emplace_back(), depth)) return false;
    }
    items.reserve(scratch.size());
    std::move(scratch.begin(), scratch.end(), std::back_inserter(items));
    return true;
  }

  // The same for a value inside the text and for a document that is one scalar.
  template <class Json>
  static bool scalar(Json& json, ondemand::json_type type, std::string_view token, Value& out) {
    switch (type) {
      case ondemand::json_type::string: {
        std::string_view text;
        if (json.get_string().get(text) != simdjson::SUCCESS) return false;
        out = Value(std::string(text));
        return true;
      }
      case ondemand::json_type::number: return number(json, token, out);
      case ondemand::json_type::boolean: {
        bool flag = false;
        if (json.get_bool().get(flag) != simdjson::SUCCESS || !is_exactly(token, flag ? "true" : "false")) {
          return false;
        }
        out = Value(flag);
        return true;
      }
      case ondemand::json_type::null: {
        bool is_null = false;
        if (json.is_null().get(is_null) != simdjson::SUCCESS || !is_null || !is_exactly(token, "null")) return false;
        out = Value(nullptr);
        return true;
      }
      default: return false;
    }
  }

  // simdjson's numbers are not used, only its moving past them: 3.0.1 reads some wrong, each
  // found by fuzz/json_paths_fuzzer.cpp (0.79769313486231348623157e308 as 5.59e303,
  // -18446744073709551616 as an int64), and refuses a document of one integer followed by many
  // blanks. The token is checked against JSON's grammar here and read by std::from_chars, which
  // rounds correctly.
  template <class Json>
  static bool number(Json& json, std::string_view token, Value& out) {
    std::string_view digits = without_trailing_space(token);
    double skipped = 0;
    if (!is_json_number(digits) || json.get_double().get(skipped) != simdjson::SUCCESS) return false;
    const char* first = digits.data();
    const char* last = digits.data() + digits.size();
    if (!is_float_token(digits)) {
      std::int64_t integer = 0;
      auto [end, error] = std::from_chars(first, last, integer);
      if (error == std::errc() && end == last) {
        out = Value(integer);
        return true;
      }
    }
    // A float, or an integer beyond int64: the nearest double, as strtod gives nlohmann. Out
    // of range (1e400, and 1e-400, which strtod takes as 0) is left to the reference.
    double floating = 0;
    auto [end, error] = std::from_chars(first, last, floating);
    if (error != std::errc() || end != last || !std::isfinite(floating)) return false;
    out = Value(floating);
    return true;
  }

  LineCounter lines_;
  std::size_t max_depth_;
  // One per depth, all made up front: a deeper level must not move a shallower one's vector.
  std::vector<std::vector<Object::Entry>> entry_scratch_ = std::vector<std::vector<Object::Entry>>(max_depth_ + 1);
  std::vector<Array> item_scratch_ = std::vector<Array>(max_depth_ + 1);
};

}  // namespace

std::optional<Value> parse_json_fast(std::string_view text, const ParseLimits& limits) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());  // columns count after it
  simdjson::padded_string padded(text);
  ondemand::parser parser;
  ondemand::document document;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS) return std::nullopt;
  TreeBuilder builder(padded.data(), limits);
  Value root;
  if (!builder.build_root(document, root)) return std::nullopt;
  return root;
}

}  // namespace hotreload::detail
