// YAML's fast path: libyaml's event parser (the C parser under PyYAML) feeds the tree builder
// the reference uses too (yaml_tree.hpp), each node positioned by its event's start mark. It only
// ever accepts: at anything it is not sure it reads as the reference does (a syntax error, a tag,
// a directive, a refusal of the tree builder, a text libyaml and yaml-cpp split into lines
// differently) it gives up, and the reference (yaml_parser.cpp, yaml-cpp) reads the text again
// and says what is wrong, with the messages and positions it always gave.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "load/libyaml.hpp"
#include "load/parsers.hpp"
#include "load/yaml_tree.hpp"

namespace hotreload::detail {
namespace {

// Whether libyaml and yaml-cpp see the same lines and characters in `text`, and whether it is
// all ASCII (then a libyaml mark's character counts are byte counts). libyaml also breaks lines
// at a lone CR, NEL, LS and PS, which yaml-cpp does not; the two read tabs differently in places
// (indentation, separation); and a BOM moves libyaml's marks but not yaml-cpp's in ways not worth
// following. Texts with any of them go to the reference.
struct TextShape {
  bool usable = true;
  bool ascii = true;
};

TextShape shape_of(std::string_view text) {
  TextShape shape;
  const std::size_t size = text.size();
  for (std::size_t i = 0; i < size; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80) continue;
    if (c == '\n') continue;
    if (c == '\r' && i + 1 < size && text[i + 1] == '\n') continue;  // a CRLF line break
    if (c < 0x80) return TextShape{false, false};  // a tab, a lone CR, another control character
    shape.ascii = false;
    auto next = [&](std::size_t k) { return i + k < size ? static_cast<unsigned char>(text[i + k]) : 0; };
    if (c == 0xC2 && next(1) == 0x85) return TextShape{false, false};                                  // NEL
    if (c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9)) return TextShape{false, false};  // LS, PS
    if (c == 0xEF && next(1) == 0xBB && next(2) == 0xBF) return TextShape{false, false};               // BOM
  }
  return shape;
}

// A byte offset from a count of characters, for texts that are not all ASCII. The positions
// asked for mostly grow (events come in document order), so it walks from the last answer.
class CharacterCursor {
 public:
  explicit CharacterCursor(std::string_view text) : text_(text) {}

  std::size_t offset_of(std::size_t characters) {
    while (characters_ < characters && offset_ < text_.size()) {
      offset_ += sequence_length(static_cast<unsigned char>(text_[offset_]));
      ++characters_;
    }
    while (characters_ > characters && offset_ > 0) {
      do --offset_;
      while (offset_ > 0 && (static_cast<unsigned char>(text_[offset_]) & 0xC0) == 0x80);
      --characters_;
    }
    return offset_;
  }

 private:
  // The text is valid UTF-8 (parse() checks it first).
  static std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    return 4;
  }

  std::string_view text_;
  std::size_t characters_ = 0;
  std::size_t offset_ = 0;
};

// libyaml's marks count characters from 0; yaml-cpp's, which the reference reports, count bytes
// from 0 (both count lines at line feeds alone, given shape_of()). Positions here are 1-based.
class Positions {
 public:
  Positions(std::string_view text, bool ascii) : ascii_(ascii), marks_(text), line_starts_(text) {}

  std::size_t offset(const yaml_mark_t& mark) { return ascii_ ? mark.index : marks_.offset_of(mark.index); }

  Origin origin(const yaml_mark_t& mark) {
    std::size_t column = mark.column;
    if (!ascii_) column = marks_.offset_of(mark.index) - line_starts_.offset_of(mark.index - mark.column);
    return Origin{0, static_cast<std::uint32_t>(mark.line + 1), static_cast<std::uint32_t>(column + 1)};
  }

 private:
  bool ascii_;
  CharacterCursor marks_;
  CharacterCursor line_starts_;
};

// Configs do not nest this deep; below yaml-cpp's own recursion guard (500 nodes), so that the
// reference's answer on a deeper text is never one the fast path would not give.
constexpr std::size_t kMaxLevels = 200;

bool is_null_word(std::string_view text) { return text == "~" || text == "null" || text == "Null" || text == "NULL"; }

// yaml-cpp ends an anchor's or alias's name at a blank or one of ",[]{}"; libyaml at anything but
// a letter, digit, '-' or '_'. Where they differ ("&a:"), the fast path gives up.
bool ends_name(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return true;
  char c = text[offset];
  return c == ' ' || c == '\n' || c == '\r' || c == ',' || c == ']' || c == '}';
}

// Whether the node starting at `offset` in a flow collection follows the collection's opening
// or a ',' directly: libyaml takes "?" before a flow key as an indicator even without a blank
// after it ("{?y: 1}"), yaml-cpp refuses it, so a flow key written after anything else goes to
// the reference.
bool follows_flow_separator(std::string_view text, std::size_t offset) {
  while (offset > 0 && (text[offset - 1] == ' ' || text[offset - 1] == '\n')) --offset;
  return offset > 0 && (text[offset - 1] == ',' || text[offset - 1] == '[' || text[offset - 1] == '{');
}

// Whether the block scalar starting at `offset` (its properties, then '|' or '>' and the
// indicators) may ask for keep chomping: a '+' after its '|' or '>' on that line. A '+' in a
// comment there counts too; giving up costs only time.
bool keeps_trailing_lines(std::string_view text, std::size_t offset) {
  const std::size_t line_end = std::min(text.find('\n', offset), text.size());
  const std::size_t indicator = text.find_first_of("|>", offset);
  if (indicator >= line_end) return false;
  return text.substr(indicator, line_end - indicator).find('+') != std::string_view::npos;
}

// yaml-cpp 0.7 writes the escapes "\N" and "\_" as the single bytes 0x85 and 0xA0, which are
// not UTF-8; libyaml writes the characters. A double-quoted scalar with either goes to the
// reference.
bool escapes_agree(std::string_view quoted) {
  for (std::size_t i = 0; i + 1 < quoted.size(); ++i) {
    if (quoted[i] != '\\') continue;
    if (quoted[i + 1] == 'N' || quoted[i + 1] == '_') return false;
    ++i;
  }
  return true;
}

class EventReader {
 public:
  EventReader(std::string_view text, const ParseLimits& limits, bool ascii)
      : text_(text), limits_(limits), positions_(text, ascii) {}

  // The document's tree, or nullopt to give up.
  std::optional<Value> read() {
    LibyamlParser owner(text_);
    if (!owner.ready()) return std::nullopt;
    yaml_parser_t& parser = owner.get();
    std::optional<Value> root;
    std::optional<YamlTree> tree;
    for (;;) {
      LibyamlEvent next(parser);
      if (!next.ok()) return std::nullopt;
      const yaml_event_t& event = next.get();
      switch (event.type) {
        case YAML_STREAM_START_EVENT: break;
        case YAML_STREAM_END_EVENT: return root ? std::move(root) : std::optional<Value>(Value(nullptr));
        case YAML_DOCUMENT_START_EVENT:
          // %YAML and %TAG directives are left to the reference.
          if (event.data.document_start.version_directive != nullptr ||
              event.data.document_start.tag_directives.start != event.data.document_start.tag_directives.end) {
            return std::nullopt;
          }
          tree.emplace("", limits_);
          anchors_.clear();
          anchor_count_ = 0;
          break;
        case YAML_DOCUMENT_END_EVENT: {
          if (!tree || tree->deferred_error()) return std::nullopt;
          Value document = tree->take_root();
          tree.reset();
          // A stray "---" at either end makes an empty document; only real content counts, and
          // a second one is the reference's error.
          if (document.is_null()) break;
          if (root) return std::nullopt;
          root = std::move(document);
          break;
        }
        default:
          if (!tree || !node(event, *tree)) return std::nullopt;
      }
    }
  }

 private:
  // An open collection: whether it is a flow one, a map, and (for a map) whether its next node is
  // a key.
  struct Level {
    bool flow = false;
    bool map = false;
    bool at_key = true;
    // A block collection's indentation (1-based byte column): its first '-' or key; 0 until known.
    std::uint32_t column = 0;
  };

  // yaml-cpp wants a block sequence's entries right of its '-' and a block map's keys in one
  // column with its values right of it (a sequence under a key may start in the key's column);
  // libyaml lets some nodes through that do not ("-\n>" is a sequence holding "" to it, a sequence
  // and a second document to yaml-cpp). A node placed otherwise goes to the reference.
  bool indented_as_expected(yaml_event_type_t type, std::uint32_t column) {
    if (levels_.empty() || levels_.back().flow) return true;
    Level& parent = levels_.back();
    if (parent.column == 0) {
      if (!parent.map || !parent.at_key) return true;
      parent.column = column;
    }
    if (!parent.map) return column > parent.column;
    if (parent.at_key) return column == parent.column;
    return column > parent.column || (type == YAML_SEQUENCE_START_EVENT && column == parent.column);
  }

  // The byte column (1-based) of the first '-' of a block sequence whose properties start at
  // `offset`: the first character after them that is not a blank, a line break or a comment. 0
  // when that is not a '-'.
  std::uint32_t first_entry_column(std::size_t offset) const {
    while (offset < text_.size() && text_[offset] != ' ' && text_[offset] != '\r' && text_[offset] != '\n') ++offset;
    while (offset < text_.size()) {
      const char c = text_[offset];
      if (c == ' ' || c == '\r' || c == '\n') {
        ++offset;
      } else if (c == '#') {
        while (offset < text_.size() && text_[offset] != '\n') ++offset;
      } else {
        break;
      }
    }
    if (offset >= text_.size() || text_[offset] != '-') return 0;
    const std::size_t line_start = offset == 0 ? 0 : text_.rfind('\n', offset - 1) + 1;  // npos + 1 == 0
    return static_cast<std::uint32_t>(offset - line_start + 1);
  }

  bool in_key_position() const { return !levels_.empty() && levels_.back().map && levels_.back().at_key; }

  // In a flow collection libyaml takes every ':' after a key for the value indicator ("[*a :b]"
  // is [{*a: b}] to it); yaml-cpp only one followed by a blank or a flow indicator, or one right
  // after a quoted key (JSON's {"a":1}). A flow value (starting at `offset`) announced by any
  // other ':' goes to the reference.
  bool flow_value_indicator_agrees(std::size_t offset) const {
    if (levels_.empty() || !levels_.back().flow || !levels_.back().map || levels_.back().at_key) return true;
    if (flow_key_end_ >= offset || offset > text_.size()) return true;
    if (flow_key_end_ > 0 && (text_[flow_key_end_ - 1] == '"' || text_[flow_key_end_ - 1] == '\'') &&
        flow_key_end_ < text_.size() && text_[flow_key_end_] == ':') {
      return true;
    }
    const std::size_t colon = text_.find(':', flow_key_end_);
    if (colon == std::string_view::npos || colon >= offset) return true;  // no ':' written ("{a, b}")
    const char after = colon + 1 < text_.size() ? text_[colon + 1] : '\n';
    return after == ' ' || after == '\n' || after == '\r' || after == ',' || after == ']' || after == '}';
  }

  void completed() {
    if (!levels_.empty() && levels_.back().map) levels_.back().at_key = !levels_.back().at_key;
  }

  // One node event into the tree; false to give up.
  bool node(const yaml_event_t& event, YamlTree& tree) {
    bool starts_node = event.type == YAML_SCALAR_EVENT || event.type == YAML_ALIAS_EVENT ||
                       event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT;
    if (starts_node) {
      bool pair_in_sequence = event.type == YAML_MAPPING_START_EVENT && !levels_.empty() && !levels_.back().map;
      if (!levels_.empty() && levels_.back().flow && (in_key_position() || pair_in_sequence) &&
          !follows_flow_separator(text_, positions_.offset(event.start_mark))) {
        return false;
      }
      if (!indented_as_expected(event.type, positions_.origin(event.start_mark).column)) return false;
      if (!flow_value_indicator_agrees(positions_.offset(event.start_mark))) return false;
    }
    const bool flow_key = !levels_.empty() && levels_.back().flow && in_key_position();
    try {
      switch (event.type) {
        case YAML_ALIAS_EVENT: {
          YamlAnchor anchor = alias_of(event);
          if (anchor == kNoYamlAnchor) return false;
          tree.alias(positions_.origin(event.start_mark), anchor);
          if (flow_key) flow_key_end_ = positions_.offset(event.end_mark);
          completed();
          return true;
        }
        case YAML_SCALAR_EVENT:
          if (flow_key) flow_key_end_ = positions_.offset(event.end_mark);
          return scalar(event, tree);
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          bool map = event.type == YAML_MAPPING_START_EVENT;
          const yaml_char_t* tag = map ? event.data.mapping_start.tag : event.data.sequence_start.tag;
          const yaml_char_t* name = map ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
          bool flow = map ? event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                          : event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
          // A collection as a key is the reference's error.
          if (tag != nullptr || in_key_position() || levels_.size() >= kMaxLevels) return false;
          YamlAnchor anchor = kNoYamlAnchor;
          if (name != nullptr && (anchor = define_anchor(name, event.start_mark)) == kNoYamlAnchor) return false;
          Origin at = positions_.origin(event.start_mark);
          if (map) tree.map_start(at, "?", anchor);
          else tree.sequence_start(at, "?", anchor);
          // An anchor's mark is not the collection's column: a map's first key gives it, a block
          // sequence's first '-' (without it, "&0\n-\n>" would pass for a sequence holding "").
          std::uint32_t column = name == nullptr ? at.column : 0;
          if (name != nullptr && !map && !flow) {
            column = first_entry_column(positions_.offset(event.start_mark));
            if (column == 0) return false;
          }
          levels_.push_back(Level{flow, map, true, column});
          return true;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          if (levels_.empty()) return false;
          tree.end();
          levels_.pop_back();
          completed();
          return true;
        default: return false;
      }
    } catch (const YamlRefusal&) {
      return false;
    }
  }

  bool scalar(const yaml_event_t& event, YamlTree& tree) {
    const auto& data = event.data.scalar;
    if (data.tag != nullptr) return false;
    YamlAnchor anchor = kNoYamlAnchor;
    if (data.anchor != nullptr && (anchor = define_anchor(data.anchor, event.start_mark)) == kNoYamlAnchor) {
      return false;
    }
    std::string_view value(reinterpret_cast<const char*>(data.value), data.length);
    bool plain = data.style == YAML_PLAIN_SCALAR_STYLE;
    // yaml-cpp 0.7 folds the line breaks of a plain or quoted scalar written over several lines
    // its own way ("'12\n\n\n\n'" is "12\n" to it, "12\n\n\n" to libyaml and the spec).
    bool block = data.style == YAML_LITERAL_SCALAR_STYLE || data.style == YAML_FOLDED_SCALAR_STYLE;
    if (!block && event.start_mark.line != event.end_mark.line) return false;
    // In a text that does not end with a line feed, yaml-cpp ends a block scalar that runs to the
    // end its own way (">\n  a\n  " is "a " to it, "a\n" to libyaml).
    if (block && !text_.ends_with('\n')) return false;
    // With keep chomping ('+') the two count the trailing lines differently when one holds only
    // spaces (">+\n a\n \n" is "a\n\n" to libyaml, "a\n" to yaml-cpp); rare in configs.
    if (block && keeps_trailing_lines(text_, positions_.offset(event.start_mark))) return false;
    if (data.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
      std::size_t start = positions_.offset(event.start_mark);
      if (!escapes_agree(text_.substr(start, positions_.offset(event.end_mark) - start))) return false;
    }
    // In a flow collection yaml-cpp ends a plain scalar at any '?' and at a ':' before a flow
    // indicator, libyaml only at ": " and the indicators.
    if (plain && !levels_.empty() && levels_.back().flow && value.find_first_of("?:") != std::string_view::npos) {
      return false;
    }
    if (plain && value.empty()) {
      std::optional<Origin> at = empty_node_origin(event.start_mark, anchor);
      if (!at) return false;
      tree.null(*at, anchor);
    } else if (plain && is_null_word(value)) {
      tree.null(positions_.origin(event.start_mark), anchor);
    } else {
      tree.scalar(positions_.origin(event.start_mark), plain ? "?" : "!", anchor, std::string(value));
    }
    completed();
    return true;
  }

  // Where yaml-cpp puts a node that is not written ("a:" with nothing after it): at its
  // properties if it has some, which is where libyaml's mark is too; otherwise at the next token
  // after the ':' or '-' that announced it, where libyaml's mark is just past that indicator. In
  // other places (a key, inside a flow collection) the two differ in ways not worth following.
  std::optional<Origin> empty_node_origin(const yaml_mark_t& mark, YamlAnchor anchor) {
    if (levels_.empty() || anchor != kNoYamlAnchor) {
      if (!levels_.empty() && in_key_position()) return std::nullopt;
      return positions_.origin(mark);
    }
    if (in_key_position() || levels_.back().flow) return std::nullopt;
    std::size_t offset = positions_.offset(mark);
    if (offset == 0 || offset > text_.size() || (text_[offset - 1] != ':' && text_[offset - 1] != '-')) {
      return std::nullopt;
    }
    Origin at = positions_.origin(mark);
    std::size_t line_start = offset - (at.column - 1);
    for (;;) {
      while (offset < text_.size() && (text_[offset] == ' ' || text_[offset] == '\r' || text_[offset] == '\n')) {
        if (text_[offset] == '\n') {
          ++at.line;
          line_start = offset + 1;
        }
        ++offset;
      }
      if (offset >= text_.size() || text_[offset] != '#') break;
      while (offset < text_.size() && text_[offset] != '\n') ++offset;
    }
    // At the end of the text, the mark of the collection's end that yaml-cpp gives the node
    // depends on how the collection is indented; only a text ending with a line feed is simple.
    if (offset >= text_.size() && offset != line_start) return std::nullopt;
    at.column = static_cast<std::uint32_t>(offset - line_start + 1);
    return at;
  }

  // yaml-cpp numbers anchors per document in the order they are defined; a name defined again
  // gets a new number. kNoYamlAnchor where yaml-cpp would read the name differently.
  YamlAnchor define_anchor(const yaml_char_t* name, const yaml_mark_t& mark) {
    std::string_view written(reinterpret_cast<const char*>(name));
    std::size_t offset = positions_.offset(mark);
    // Without tags (given up on), the anchor is the node's first property: where it starts.
    if (offset >= text_.size() || text_[offset] != '&' || text_.substr(offset + 1, written.size()) != written ||
        !ends_name(text_, offset + 1 + written.size())) {
      return kNoYamlAnchor;
    }
    YamlAnchor anchor = ++anchor_count_;
    anchors_.insert_or_assign(std::string(written), anchor);
    return anchor;
  }

  YamlAnchor alias_of(const yaml_event_t& event) {
    std::string_view written(reinterpret_cast<const char*>(event.data.alias.anchor));
    if (!ends_name(text_, positions_.offset(event.end_mark))) return kNoYamlAnchor;
    auto found = anchors_.find(std::string(written));
    return found == anchors_.end() ? kNoYamlAnchor : found->second;  // unknown: the reference's error
  }

  std::string_view text_;
  const ParseLimits& limits_;
  Positions positions_;
  std::vector<Level> levels_;
  std::size_t flow_key_end_ = 0;  // where the last key in a flow map ended (a byte offset)
  std::unordered_map<std::string, YamlAnchor> anchors_;
  YamlAnchor anchor_count_ = 0;
};

}  // namespace

std::optional<Value> parse_yaml_fast(std::string_view text, const ParseLimits& limits) {
  TextShape shape = shape_of(text);
  if (!shape.usable) return std::nullopt;
  return EventReader(text, limits, shape.ascii).read();
}

}  // namespace hotreload::detail
