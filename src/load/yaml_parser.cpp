// YAML through yaml-cpp's event parser. Building the tree from events, rather than converting a
// finished YAML::Node, lets the limits act while yaml-cpp is still reading: a too-deep document
// stops at its first too-deep node (yaml-cpp's own guard fires only past a thousand levels and
// reports 1:1), and an alias is refused by its recorded size before it is copied, so a "billion
// laughs" file costs at most max_nodes copies.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/scalar.hpp"
#include "load/parsers.hpp"
#include "load/yaml_unclosed.hpp"

namespace hotreload::detail {
namespace {

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

// Thrown out of the event handler to stop yaml-cpp's parser; caught in parse_yaml().
struct Refusal {
  Error error;
};

std::uint32_t one_based(int zero_based) { return zero_based < 0 ? 0 : static_cast<std::uint32_t>(zero_based) + 1; }

// "tag:yaml.org,2002:int" is written "!!int" in a file, so messages show it that way.
std::string written_tag(std::string_view tag) {
  if (tag.starts_with(kCoreTagPrefix)) return "!!" + std::string(tag.substr(kCoreTagPrefix.size()));
  return std::string(tag);
}

std::string key_text_of(const Value& key) { return key.is_string() ? key.as_string() : to_json_text(key); }

bool is_mergeable(const Value& value) {
  if (value.is_object()) return true;
  if (!value.is_array()) return false;
  const Array& items = value.as_array();
  return std::all_of(items.begin(), items.end(), [](const Value& item) { return item.is_object(); });
}

// "unexpected ','" for the character at `pos`, when it is printable ASCII.
std::string unexpected_text(std::string_view text, int pos) {
  if (pos < 0 || static_cast<std::size_t>(pos) >= text.size()) return "unexpected end of the document";
  char c = text[static_cast<std::size_t>(pos)];
  if (c < ' ' || c > '~') return "unexpected character";
  return std::string("unexpected '") + c + "'";
}

// How much an anchored node weighs when an alias repeats it.
struct Extent {
  std::size_t nodes = 1;   // values, counted against max_nodes
  std::size_t height = 0;  // levels of maps and arrays, counted against max_depth
};

class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(std::string_view source_name, const ParseLimits& limits)
      : source_name_(source_name), limits_(limits) {}

  Value take_root() { return std::move(root_); }
  const std::optional<Error>& deferred_error() const { return deferred_; }
  const YAML::Mark& document_start() const { return document_start_; }
  // Where the last quoted scalar's opening quote is, if there was one.
  std::optional<std::size_t> last_quote() const { return last_quote_; }

  void OnDocumentStart(const YAML::Mark& mark) override { document_start_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (deferred_) return;
    if (!in_key_position()) count(1, mark);
    place(at(Value(nullptr), mark), anchor, Extent{}, "null", false);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    if (deferred_) return;
    if (!in_key_position()) count(1, mark);
    if (tag == "!") last_quote_ = static_cast<std::size_t>(std::max(mark.pos, 0));  // quoted, or a block scalar
    place(at(typed_scalar(tag, text, mark), mark), anchor, Extent{}, text, tag == "?");
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (deferred_) return;
    auto found = anchors_.find(anchor);
    // yaml-cpp rejects unknown names itself; an anchor that is known but unfinished is one
    // whose node contains the alias.
    if (found == anchors_.end()) {
      refuse(ErrorCode::parse, "invalid YAML: an alias refers to a node that contains it", mark);
    }
    const auto& [value, extent] = found->second;
    if (!in_key_position()) {
      count(extent.nodes, mark);
      if (stack_.size() + extent.height > limits_.max_depth) refuse(ErrorCode::limit, too_deep_message(limits_), mark);
    }
    Value copy = value;
    std::string key_text = copy.is_scalar() ? key_text_of(copy) : std::string();
    place(at(std::move(copy), mark), YAML::NullAnchor, extent, key_text, false);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Value(Array{}), mark, tag, "seq", anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(Value(Object{}), mark, tag, "map", anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  // A map or an array being filled.
  struct Frame {
    Value node;
    YAML::anchor_t anchor = YAML::NullAnchor;
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

  bool in_key_position() const {
    return !stack_.empty() && stack_.back().node.is_object() && !stack_.back().key;
  }

  Value at(Value value, const YAML::Mark& mark) const {
    value.origin = Origin{0, one_based(mark.line), one_based(mark.column)};
    return value;
  }

  void count(std::size_t nodes, const YAML::Mark& mark) {
    nodes_ += nodes;
    if (nodes_ > limits_.max_nodes) {
      refuse(ErrorCode::limit,
             "document expands to more than " + std::to_string(limits_.max_nodes) + " values (YAML aliases?)", mark);
    }
  }

  void open(Value container, const YAML::Mark& mark, const std::string& tag, std::string_view core_type,
            YAML::anchor_t anchor) {
    if (deferred_ || in_key_position()) {
      defer("map keys must be scalars", mark);
      return;
    }
    if (tag != "?" && tag != "!" && tag != std::string(kCoreTagPrefix) + std::string(core_type)) {
      refuse(ErrorCode::parse, "unsupported YAML tag \"" + written_tag(tag) + "\"", mark);
    }
    if (stack_.size() >= limits_.max_depth) refuse(ErrorCode::limit, too_deep_message(limits_), mark);
    std::size_t before = nodes_;
    count(1, mark);
    Frame& frame = stack_.emplace_back();
    frame.node = at(std::move(container), mark);
    frame.anchor = anchor;
    frame.nodes_before = before;
  }

  void close() {
    if (deferred_) {
      --deferred_depth_;
      return;
    }
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (!frame.merges.empty()) apply_merges(frame);
    Extent extent{nodes_ - frame.nodes_before, frame.child_height + 1};
    place(std::move(frame.node), frame.anchor, extent, "", false);
  }

  // YAML merge keys: merged-in entries come first, an earlier map in a "<<" list wins over a
  // later one, and the map's own keys override them all.
  static void apply_merges(Frame& frame) {
    Object merged;
    auto take = [&merged](Object& from) {
      for (auto& [key, value] : from) {
        if (!merged.contains(key)) merged.insert_or_assign(key, std::move(value));
      }
    };
    for (Value& source : frame.merges) {
      if (source.is_object()) {
        take(source.as_object());
      } else {
        for (Value& item : source.as_array()) take(item.as_object());
      }
    }
    for (auto& [key, value] : frame.node.as_object()) merged.insert_or_assign(key, std::move(value));
    Origin origin = frame.node.origin;
    frame.node = Value(std::move(merged));
    frame.node.origin = origin;
  }

  void place(Value value, YAML::anchor_t anchor, Extent extent, std::string_view key_text, bool plain) {
    if (anchor != YAML::NullAnchor) anchors_.insert_or_assign(anchor, std::pair{value, extent});
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.is_array()) {
      top.child_height = std::max(top.child_height, extent.height);
      top.node.as_array().push_back(std::move(value));
    } else if (!top.key) {
      start_entry(top, value, key_text, plain);
    } else {
      top.child_height = std::max(top.child_height, extent.height);
      finish_entry(top, std::move(value));
    }
  }

  void start_entry(Frame& top, const Value& key, std::string_view key_text, bool plain) {
    if (!key.is_scalar()) refuse_at(ErrorCode::parse, "map keys must be scalars", key.origin, path_here());
    std::optional<std::uint32_t> first_line;
    bool is_merge = plain && key_text == "<<";
    if (is_merge) {
      first_line = top.merge_line;
      top.merge_line = key.origin.line;
    } else if (top.node.as_object().contains(key_text)) {
      first_line = first_key_line(top.node.as_object(), top.key_lines, key_text);
    }
    if (first_line) {
      Path path = path_here();
      path.emplace_back(std::string(key_text));
      refuse_at(ErrorCode::parse, duplicate_key_message(key_text, *first_line), key.origin, path);
    }
    top.key = std::string(key_text);
    top.key_line = key.origin.line;
    top.key_is_merge = is_merge;
  }

  void finish_entry(Frame& top, Value value) {
    if (top.key_is_merge) {
      if (!is_mergeable(value)) {
        refuse_at(ErrorCode::parse, "\"<<\" needs a map or a list of maps", value.origin, path_here());
      }
      top.merges.push_back(std::move(value));
    } else {
      top.node.as_object().insert_or_assign(std::move(*top.key), std::move(value));
      top.key_lines.push_back(top.key_line);
    }
    top.key.reset();
    top.key_is_merge = false;
  }

  // yaml-cpp announces a flow collection as a map key before it notices that the text is cut
  // short ("[[[" at the end of a file), so this error waits for the end of the document and a
  // syntax error found meanwhile wins. Until then events only count depth, which still stops
  // a huge "[[[[..." at our limit.
  void defer(std::string message, const YAML::Mark& mark) {
    if (!deferred_) {
      deferred_ = error_at(ErrorCode::parse, std::move(message), source_name_, one_based(mark.line),
                           one_based(mark.column), path_here());
      deferred_depth_ = stack_.size();
    }
    if (++deferred_depth_ > limits_.max_depth) refuse(ErrorCode::limit, too_deep_message(limits_), mark);
  }

  Value typed_scalar(const std::string& tag, const std::string& text, const YAML::Mark& mark) {
    if (tag == "?") return resolve_plain_scalar(text);
    if (tag == "!" || tag == std::string(kCoreTagPrefix) + "str") return Value(text);
    if (!tag.starts_with(kCoreTagPrefix)) refuse(ErrorCode::parse, "unsupported YAML tag \"" + tag + "\"", mark);
    std::string_view type = std::string_view(tag).substr(kCoreTagPrefix.size());
    if (type != "int" && type != "float" && type != "bool" && type != "null") {
      refuse(ErrorCode::parse, "unsupported YAML tag \"" + written_tag(tag) + "\"", mark);
    }
    Value value = resolve_plain_scalar(text);
    if (type == "float" && value.is_int()) return Value(value.as_double());
    bool fits = (type == "int" && value.is_int()) || (type == "float" && value.is_double()) ||
                (type == "bool" && value.is_bool()) || (type == "null" && value.is_null());
    if (!fits) refuse(ErrorCode::parse, "\"" + text + "\" is not a valid " + written_tag(tag), mark);
    return value;
  }

  // The path of the node about to be placed: the pending key of each open map, the next index
  // of each open array.
  Path path_here() const {
    Path path;
    for (const Frame& frame : stack_) {
      if (frame.node.is_array()) path.emplace_back(frame.node.as_array().size());
      else if (frame.key) path.emplace_back(*frame.key);
    }
    return path;
  }

  [[noreturn]] void refuse(ErrorCode code, std::string message, const YAML::Mark& mark) const {
    throw Refusal{error_at(code, std::move(message), source_name_, one_based(mark.line), one_based(mark.column),
                           path_here())};
  }
  [[noreturn]] void refuse_at(ErrorCode code, std::string message, const Origin& origin, const Path& path) const {
    throw Refusal{error_at(code, std::move(message), source_name_, origin.line, origin.column, path)};
  }

  std::string_view source_name_;
  const ParseLimits& limits_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, std::pair<Value, Extent>> anchors_;
  std::size_t nodes_ = 0;
  Value root_;
  std::optional<Error> deferred_;
  std::size_t deferred_depth_ = 0;  // open maps and arrays, counted once an error is deferred
  YAML::Mark document_start_ = YAML::Mark::null_mark();
  std::optional<std::size_t> last_quote_;
};

Error unclosed_yaml_error(const UnclosedConstruct& unclosed, std::string_view source_name) {
  return unclosed_error("YAML", unclosed.opener, unclosed.line, unclosed.column, unclosed.problem,
                        unclosed.problem_line, unclosed.problem_column, source_name);
}

}  // namespace

Result<Value> parse_yaml(std::string_view text, std::string_view source_name, const ParseLimits& limits) {
  std::istringstream stream{std::string(text)};
  try {
    YAML::Parser parser(stream);
    std::optional<Value> root;
    std::optional<int> previous_start;
    std::optional<std::size_t> last_quote;
    for (;;) {
      TreeBuilder builder(source_name, limits);
      if (!parser.HandleNextDocument(builder)) break;
      if (builder.deferred_error()) return unexpected(*builder.deferred_error());
      if (builder.last_quote()) last_quote = builder.last_quote();
      Value document = builder.take_root();
      // yaml-cpp 0.7 reports an empty document for a token no document can start with (a stray
      // ",") without consuming it, forever: a second document starting where the previous one
      // did means the parser is stuck there.
      const YAML::Mark& start = builder.document_start();
      if (previous_start == start.pos) {
        return unexpected(error_at(ErrorCode::parse, "invalid YAML: " + unexpected_text(text, start.pos), source_name,
                                   one_based(start.line), one_based(start.column)));
      }
      previous_start = start.pos;
      // A stray "---" at either end makes an empty document; only real content counts.
      if (document.is_null()) continue;
      if (root) {
        return unexpected(error_at(ErrorCode::parse, "multiple YAML documents are not supported", source_name,
                                   document.origin.line, document.origin.column));
      }
      root = std::move(document);
    }
    // Only the last quoted scalar can have run to the end of the text unclosed.
    if (last_quote && !quoted_scalar_closes(text, *last_quote)) {
      if (auto unclosed = find_unclosed_yaml(text, limits.max_depth)) {
        return unexpected(unclosed_yaml_error(*unclosed, source_name));
      }
    }
    return root ? std::move(*root) : Value(nullptr);
  } catch (const Refusal& refusal) {
    return unexpected(refusal.error);
  } catch (const YAML::DeepRecursion& e) {
    // Reachable only when max_depth is set above yaml-cpp's own recursion guard.
    return unexpected(error_at(ErrorCode::limit, too_deep_message(limits), source_name, one_based(e.mark.line),
                               one_based(e.mark.column)));
  } catch (const YAML::Exception& e) {
    if (auto unclosed = find_unclosed_yaml(text, limits.max_depth)) {
      return unexpected(unclosed_yaml_error(*unclosed, source_name));
    }
    return unexpected(error_at(ErrorCode::parse, "invalid YAML: " + e.msg, source_name, one_based(e.mark.line),
                               one_based(e.mark.column)));
  }
}

}  // namespace hotreload::detail
