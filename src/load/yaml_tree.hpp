// The Value tree of one YAML document, built from parser events. Both YAML paths feed it: the
// reference (yaml_parser.cpp, yaml-cpp's events) and the fast path (yaml_fast_path.cpp,
// libyaml's), so scalar typing, tags, anchors, merge keys, duplicate keys and the limits are
// one piece of code whichever parser read the text. Building from events rather than from a
// finished tree lets the limits act while the parser is still reading: a too-deep document stops
// at its first too-deep node, and an alias is refused by its recorded size before it is copied,
// so a "billion laughs" file costs at most max_nodes copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "load/parsers.hpp"

namespace hotreload::detail {

// Thrown out of an event by YamlTree to stop the parser feeding it: a document the config model
// refuses (an unsupported tag, a duplicate key, a limit). The reference reports it; the fast
// path gives up and lets the reference read the text.
struct YamlRefusal {
  Error error;
};

// An anchor as the parser numbers it: each "&name" gets a new number, and an alias names the
// number its name had when the alias was read. 0 is no anchor.
using YamlAnchor = std::size_t;
inline constexpr YamlAnchor kNoYamlAnchor = 0;

// Tags are yaml-cpp's: "?" for a plain scalar or a collection without one, "!" for a quoted or
// block scalar without one (or the non-specific "!"), otherwise the resolved tag
// ("tag:yaml.org,2002:int"). Positions are 1-based, source 0.
class YamlTree {
 public:
  YamlTree(std::string_view source_name, const ParseLimits& limits) : source_name_(source_name), limits_(limits) {}

  Value take_root() { return std::move(root_); }
  // "map keys must be scalars" for a collection used as a key, which waits for the end of the
  // document: a syntax error found meanwhile wins.
  const std::optional<Error>& deferred_error() const { return deferred_; }

  // A null written as such ("~", "null", nothing at all); its text as a key is "null".
  void null(Origin at, YamlAnchor anchor);
  void scalar(Origin at, std::string_view tag, YamlAnchor anchor, const std::string& text);
  void alias(Origin at, YamlAnchor anchor);
  void sequence_start(Origin at, std::string_view tag, YamlAnchor anchor) { open(Value(Array{}), at, tag, "seq", anchor); }
  void map_start(Origin at, std::string_view tag, YamlAnchor anchor) { open(Value(Object{}), at, tag, "map", anchor); }
  void end() { close(); }

 private:
  // How much an anchored node weighs when an alias repeats it.
  struct Extent {
    std::size_t nodes = 1;   // values, counted against max_nodes
    std::size_t height = 0;  // levels of maps and arrays, counted against max_depth
  };

  // A map or an array being filled.
  struct Frame {
    Value node;
    YamlAnchor anchor = kNoYamlAnchor;
    std::size_t nodes_before = 0;  // the count when it opened, to size it for its anchor
    std::size_t child_height = 0;
    // Maps only: the key waiting for its value, the line of each entry's key (for duplicate
    // messages), and the values of "<<" merge keys, applied when the map closes.
    std::optional<std::string> key;
    std::uint32_t key_line = 0;
    bool key_is_merge = false;
    std::vector<std::uint32_t> key_lines;
    std::optional<std::uint32_t> merge_line;
    std::vector<Value> merges;
  };

  bool in_key_position() const { return !stack_.empty() && stack_.back().node.is_object() && !stack_.back().key; }
  void count(std::size_t nodes, Origin at);
  void open(Value container, Origin at, std::string_view tag, std::string_view core_type, YamlAnchor anchor);
  void close();
  static void apply_merges(Frame& frame);
  void place(Value value, YamlAnchor anchor, Extent extent, std::string_view key_text, bool plain);
  void start_entry(Frame& top, const Value& key, std::string_view key_text, bool plain);
  void finish_entry(Frame& top, Value value);
  void defer(std::string message, Origin at);
  Value typed_scalar(std::string_view tag, const std::string& text, Origin at) const;
  Path path_here() const;
  [[noreturn]] void refuse(ErrorCode code, std::string message, Origin at) const;
  [[noreturn]] void refuse(ErrorCode code, std::string message, Origin at, const Path& path) const;

  std::string_view source_name_;
  const ParseLimits& limits_;
  std::vector<Frame> stack_;
  std::unordered_map<YamlAnchor, std::pair<Value, Extent>> anchors_;
  std::size_t nodes_ = 0;
  Value root_;
  std::optional<Error> deferred_;
  std::size_t deferred_depth_ = 0;  // open maps and arrays, counted once an error is deferred
};

}  // namespace hotreload::detail
