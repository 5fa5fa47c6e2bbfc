#include "load/yaml_tree.hpp"

#include <algorithm>

#include "core/scalar.hpp"

namespace hotreload::detail {
namespace {

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

// "tag:yaml.org,2002:int" is written "!!int" in a file, so messages show it that way.
std::string written_tag(std::string_view tag) {
  if (tag.starts_with(kCoreTagPrefix)) return "!!" + std::string(tag.substr(kCoreTagPrefix.size()));
  return std::string(tag);
}

bool is_core_tag(std::string_view tag, std::string_view type) {
  return tag.size() == kCoreTagPrefix.size() + type.size() && tag.starts_with(kCoreTagPrefix) && tag.ends_with(type);
}

std::string key_text_of(const Value& key) { return key.is_string() ? key.as_string() : to_json_text(key); }

bool is_mergeable(const Value& value) {
  if (value.is_object()) return true;
  if (!value.is_array()) return false;
  const Array& items = value.as_array();
  return std::all_of(items.begin(), items.end(), [](const Value& item) { return item.is_object(); });
}

Value at(Value value, Origin origin) {
  value.origin = origin;
  return value;
}

}  // namespace

void YamlTree::null(Origin at_, YamlAnchor anchor) {
  if (deferred_) return;
  if (!in_key_position()) count(1, at_);
  place(at(Value(nullptr), at_), anchor, Extent{}, "null", false);
}

void YamlTree::scalar(Origin at_, std::string_view tag, YamlAnchor anchor, const std::string& text) {
  if (deferred_) return;
  if (!in_key_position()) count(1, at_);
  place(at(typed_scalar(tag, text, at_), at_), anchor, Extent{}, text, tag == "?");
}

void YamlTree::alias(Origin at_, YamlAnchor anchor) {
  if (deferred_) return;
  auto found = anchors_.find(anchor);
  // The parsers reject unknown names themselves; an anchor that is known but unfinished is one
  // whose node contains the alias.
  if (found == anchors_.end()) refuse(ErrorCode::parse, "invalid YAML: an alias refers to a node that contains it", at_);
  const auto& [value, extent] = found->second;
  if (!in_key_position()) {
    count(extent.nodes, at_);
    if (stack_.size() + extent.height > limits_.max_depth) refuse(ErrorCode::limit, too_deep_message(limits_), at_);
  }
  Value copy = value;
  std::string key_text = copy.is_scalar() ? key_text_of(copy) : std::string();
  place(at(std::move(copy), at_), kNoYamlAnchor, extent, key_text, false);
}

void YamlTree::count(std::size_t nodes, Origin at_) {
  nodes_ += nodes;
  if (nodes_ > limits_.max_nodes) {
    refuse(ErrorCode::limit,
           "document expands to more than " + std::to_string(limits_.max_nodes) + " values (YAML aliases?)", at_);
  }
}

void YamlTree::open(Value container, Origin at_, std::string_view tag, std::string_view core_type, YamlAnchor anchor) {
  if (deferred_ || in_key_position()) {
    defer("map keys must be scalars", at_);
    return;
  }
  if (tag != "?" && tag != "!" && !is_core_tag(tag, core_type)) {
    refuse(ErrorCode::parse, "unsupported YAML tag \"" + written_tag(tag) + "\"", at_);
  }
  if (stack_.size() >= limits_.max_depth) refuse(ErrorCode::limit, too_deep_message(limits_), at_);
  std::size_t before = nodes_;
  count(1, at_);
  Frame& frame = stack_.emplace_back();
  frame.node = at(std::move(container), at_);
  frame.anchor = anchor;
  frame.nodes_before = before;
}

void YamlTree::close() {
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
void YamlTree::apply_merges(Frame& frame) {
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

void YamlTree::place(Value value, YamlAnchor anchor, Extent extent, std::string_view key_text, bool plain) {
  if (anchor != kNoYamlAnchor) anchors_.insert_or_assign(anchor, std::pair{value, extent});
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

void YamlTree::start_entry(Frame& top, const Value& key, std::string_view key_text, bool plain) {
  if (!key.is_scalar()) refuse(ErrorCode::parse, "map keys must be scalars", key.origin, path_here());
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
    refuse(ErrorCode::parse, duplicate_key_message(key_text, *first_line), key.origin, path);
  }
  top.key = std::string(key_text);
  top.key_line = key.origin.line;
  top.key_is_merge = is_merge;
}

void YamlTree::finish_entry(Frame& top, Value value) {
  if (top.key_is_merge) {
    if (!is_mergeable(value)) refuse(ErrorCode::parse, "\"<<\" needs a map or a list of maps", value.origin, path_here());
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
void YamlTree::defer(std::string message, Origin at_) {
  if (!deferred_) {
    deferred_ = error_at(ErrorCode::parse, std::move(message), source_name_, at_.line, at_.column, path_here());
    deferred_depth_ = stack_.size();
  }
  if (++deferred_depth_ > limits_.max_depth) refuse(ErrorCode::limit, too_deep_message(limits_), at_);
}

Value YamlTree::typed_scalar(std::string_view tag, const std::string& text, Origin at_) const {
  if (tag == "?") return resolve_plain_scalar(text);
  if (tag == "!" || is_core_tag(tag, "str")) return Value(text);
  if (!tag.starts_with(kCoreTagPrefix)) refuse(ErrorCode::parse, "unsupported YAML tag \"" + std::string(tag) + "\"", at_);
  std::string_view type = tag.substr(kCoreTagPrefix.size());
  if (type != "int" && type != "float" && type != "bool" && type != "null") {
    refuse(ErrorCode::parse, "unsupported YAML tag \"" + written_tag(tag) + "\"", at_);
  }
  Value value = resolve_plain_scalar(text);
  if (type == "float" && value.is_int()) return Value(value.as_double());
  bool fits = (type == "int" && value.is_int()) || (type == "float" && value.is_double()) ||
              (type == "bool" && value.is_bool()) || (type == "null" && value.is_null());
  if (!fits) refuse(ErrorCode::parse, "\"" + text + "\" is not a valid " + written_tag(tag), at_);
  return value;
}

// The path of the node about to be placed: the pending key of each open map, the next index
// of each open array.
Path YamlTree::path_here() const {
  Path path;
  for (const Frame& frame : stack_) {
    if (frame.node.is_array()) path.emplace_back(frame.node.as_array().size());
    else if (frame.key) path.emplace_back(*frame.key);
  }
  return path;
}

void YamlTree::refuse(ErrorCode code, std::string message, Origin at_) const { refuse(code, std::move(message), at_, path_here()); }

void YamlTree::refuse(ErrorCode code, std::string message, Origin at_, const Path& path) const {
  throw YamlRefusal{error_at(code, std::move(message), source_name_, at_.line, at_.column, path)};
}

}  // namespace hotreload::detail
