#include "reload/policy.hpp"

#include <algorithm>

namespace hotreload::detail {
namespace {

// Sets (or, with nullopt, removes) the value at `path`, creating maps on the way.
void assign_at(Value& root, const Path& path, const std::optional<Value>& value) {
  if (path.empty()) {
    if (value) root = *value;
    return;
  }
  Value* node = &root;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    const PathSegment& segment = path[i];
    if (const auto* key = std::get_if<std::string>(&segment)) {
      if (!node->is_object()) *node = Value(Object{});
      Value* child = node->as_object().find(*key);
      node = child ? child : &node->as_object().insert_or_assign(*key, Value(Object{}));
    } else {
      std::size_t index = std::get<std::size_t>(segment);
      if (!node->is_array() || index >= node->as_array().size()) return;  // the shape changed too much
      node = &node->as_array()[index];
    }
  }
  const PathSegment& last = path.back();
  if (const auto* key = std::get_if<std::string>(&last)) {
    if (!node->is_object()) *node = Value(Object{});
    if (value) {
      node->as_object().insert_or_assign(*key, *value);
    } else {
      node->as_object().erase(*key);
    }
  } else if (node->is_array()) {
    Array& items = node->as_array();
    std::size_t index = std::get<std::size_t>(last);
    if (value) {
      if (index < items.size()) items[index] = *value;
      else if (index == items.size()) items.push_back(*value);
    } else if (index < items.size()) {
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(index));
    }
  }
}

SourceLocation location_at(const Document& doc, const std::string& dotted) {
  const Value* node = doc.root.find_dotted(dotted);
  return node ? doc.location_of(node->origin) : SourceLocation{};
}

}  // namespace

Errors restart_errors(const std::vector<Change>& restart, const Document& previous, const Document& next,
                      const FieldRules& rules) {
  Errors errors;
  for (const Change& change : restart) {
    std::string message = "changed, but this field needs a restart";
    if (!rules.is_secret(change.path) && rules.restart_patterns_below(change.path).empty()) {
      message = "changed from " + display_old(change) + " to " + display_new(change) + ", but this field needs a restart";
    }
    SourceLocation where = change.new_value ? location_at(next, change.path) : location_at(previous, change.path);
    errors.push_back({ErrorCode::restart_required, message, where, change.path});
  }
  return errors;
}

void revert_changes(Value& root, const std::vector<Change>& changes, const Value& live_root) {
  // Array removals shift indices: revert the deepest and last paths first.
  std::vector<const Change*> ordered;
  for (const Change& change : changes) ordered.push_back(&change);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Change* a, const Change* b) { return a->path > b->path; });
  for (const Change* change : ordered) {
    auto path = parse_dotted(change->path);
    if (!path) continue;
    const Value* live = live_root.find(*path);
    assign_at(root, *path, live ? std::optional<Value>(*live) : std::nullopt);
  }
}

Errors locate_errors(Errors errors, const Document& doc) {
  for (Error& error : errors) {
    if (error.location.empty() && !error.path.empty()) error.location = location_at(doc, error.path);
  }
  return errors;
}

}  // namespace hotreload::detail
