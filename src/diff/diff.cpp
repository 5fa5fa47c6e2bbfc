#include "hotreload/diff.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace hotreload {
namespace {

const Object::Entry& entry_at(const Object& map, std::size_t index) {
  return map.begin()[static_cast<std::ptrdiff_t>(index)];
}

class Differ {
 public:
  std::vector<Change> take() { return std::move(changes_); }

  void compare(const Value& old_value, const Value& new_value) {
    if (old_value.kind() != new_value.kind()) {
      modified(old_value, new_value);
    } else if (old_value.is_object()) {
      compare_objects(old_value.as_object(), new_value.as_object());
    } else if (old_value.is_array()) {
      compare_arrays(old_value.as_array(), new_value.as_array());
    } else if (!same_scalar(old_value, new_value)) {
      modified(old_value, new_value);
    }
  }

 private:
  static bool same_scalar(const Value& a, const Value& b) {
    // A NaN never equals itself; without this an unchanged ".nan" would be a change on every reload.
    if (a.is_double() && std::isnan(a.as_double())) return b.is_double() && std::isnan(b.as_double());
    return a == b;
  }

  // Walks the new map in its order. A cursor over the old map emits each removed key once the
  // walk passes the position it had there, so removals appear where they were.
  void compare_objects(const Object& old_map, const Object& new_map) {
    // The common case, an edit that kept every key in place, needs no index at all.
    if (std::equal(old_map.begin(), old_map.end(), new_map.begin(), new_map.end(),
                   [](const auto& a, const auto& b) { return a.first == b.first; })) {
      auto old_entry = old_map.begin();
      for (const auto& [key, new_value] : new_map) {
        path_.emplace_back(key);
        compare((old_entry++)->second, new_value);
        path_.pop_back();
      }
      return;
    }
    // Hashed positions keep a reordered 100,000-key map linear rather than quadratic.
    std::unordered_map<std::string_view, std::size_t> old_position;
    std::size_t index = 0;
    for (const auto& entry : old_map) old_position.emplace(entry.first, index++);
    std::size_t cursor = 0;
    for (const auto& [key, new_value] : new_map) {
      const Value* old_value = nullptr;
      if (auto found = old_position.find(key); found != old_position.end()) {
        if (found->second >= cursor) {
          emit_removed(old_map, new_map, cursor, found->second);
          cursor = found->second + 1;
        }
        old_value = &entry_at(old_map, found->second).second;
      }
      path_.emplace_back(key);
      if (old_value != nullptr) {
        compare(*old_value, new_value);
      } else {
        added(new_value);
      }
      path_.pop_back();
    }
    emit_removed(old_map, new_map, cursor, old_map.size());
  }

  void emit_removed(const Object& old_map, const Object& new_map, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const auto& [key, value] = entry_at(old_map, i);
      if (new_map.contains(key)) continue;
      path_.emplace_back(key);
      removed(value);
      path_.pop_back();
    }
  }

  void compare_arrays(const Array& old_array, const Array& new_array) {
    std::size_t common = std::min(old_array.size(), new_array.size());
    for (std::size_t i = 0; i < common; ++i) {
      path_.emplace_back(i);
      compare(old_array[i], new_array[i]);
      path_.pop_back();
    }
    for (std::size_t i = common; i < old_array.size(); ++i) {
      path_.emplace_back(i);
      removed(old_array[i]);
      path_.pop_back();
    }
    for (std::size_t i = common; i < new_array.size(); ++i) {
      path_.emplace_back(i);
      added(new_array[i]);
      path_.pop_back();
    }
  }

  void added(const Value& value) {
    changes_.push_back(Change{.path = to_dotted(path_), .op = ChangeOp::added, .new_value = value});
  }
  void removed(const Value& value) {
    changes_.push_back(Change{.path = to_dotted(path_), .op = ChangeOp::removed, .old_value = value});
  }
  void modified(const Value& old_value, const Value& new_value) {
    changes_.push_back(Change{
        .path = to_dotted(path_), .op = ChangeOp::modified, .old_value = old_value, .new_value = new_value});
  }

  Path path_;
  std::vector<Change> changes_;
};

std::string display(const std::optional<Value>& value, bool secret) {
  if (!value) return "(absent)";
  if (secret) return std::string(kRedacted);
  return to_json_text(*value);
}

}  // namespace

const char* to_string(ChangeOp op) {
  switch (op) {
    case ChangeOp::added: return "added";
    case ChangeOp::removed: return "removed";
    case ChangeOp::modified: return "modified";
  }
  return "modified";
}

std::vector<Change> diff(const Value& old_root, const Value& new_root) {
  Differ differ;
  differ.compare(old_root, new_root);
  return differ.take();
}

std::string display_old(const Change& change) { return display(change.old_value, change.secret); }
std::string display_new(const Change& change) { return display(change.new_value, change.secret); }

std::string to_line(const Change& change) {
  std::string path = change.path.empty() ? "(root)" : change.path;
  return path + ": " + display_old(change) + " -> " + display_new(change);
}

}  // namespace hotreload
