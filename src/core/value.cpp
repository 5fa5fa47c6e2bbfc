#include "hotreload/value.hpp"

#include "hotreload/json.hpp"
#include "hotreload/json_text.hpp"

namespace hotreload {

// ---- Object ----------------------------------------------------------------------------------

Object::Object(const Object& other) : entries_(other.entries_) {
  if (other.index_) rebuild_index();
}
Object::Object(Object&& other) noexcept = default;
Object& Object::operator=(const Object& other) {
  if (this != &other) {
    entries_ = other.entries_;
    index_.reset();
    if (other.index_) rebuild_index();
  }
  return *this;
}
Object& Object::operator=(Object&& other) noexcept = default;
Object::~Object() = default;

std::size_t Object::size() const { return entries_.size(); }
bool Object::empty() const { return entries_.empty(); }

void Object::rebuild_index() {
  index_ = std::make_unique<Index>();
  index_->reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) index_->emplace(entries_[i].first, i);
}

namespace {

// Keys of a small map are compared with every key looked up (parsing checks each new key against
// those before it): most differ in length or in their first byte, which settles it without a call.
bool same_key(const std::string& stored, std::string_view key) {
  return stored.size() == key.size() && (key.empty() || (stored[0] == key[0] && stored == key));
}

}  // namespace

const Value* Object::find(std::string_view key) const {
  return const_cast<Object*>(this)->find(key);
}

Value* Object::find(std::string_view key) {
  if (index_) {
    auto it = index_->find(key);
    return it == index_->end() ? nullptr : &entries_[it->second].second;
  }
  for (Entry& entry : entries_) {
    if (same_key(entry.first, key)) return &entry.second;
  }
  return nullptr;
}

Value& Object::insert_or_assign(std::string key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  append(std::move(key), std::move(value));
  return entries_.back().second;
}

void Object::reserve(std::size_t count) { entries_.reserve(count); }

bool Object::insert_if_absent(std::string&& key, Value&& value) {
  if (index_) {
    // One hash and one probe for both the check and the index entry.
    if (!index_->try_emplace(key, entries_.size()).second) return false;
    entries_.emplace_back(std::move(key), std::move(value));
    return true;
  }
  if (find(key) != nullptr) return false;
  append(std::move(key), std::move(value));
  return true;
}

bool Object::adopt_unique(std::vector<Entry>&& entries) {
  entries_ = std::move(entries);
  index_.reset();
  if (entries_.size() > kIndexThreshold) {
    auto index = std::make_unique<Index>();
    index->reserve(entries_.size());
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (!index->try_emplace(entries_[i].first, i).second) {
        entries_.clear();
        return false;
      }
    }
    index_ = std::move(index);
    return true;
  }
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (same_key(entries_[j].first, entries_[i].first)) {
        entries_.clear();
        return false;
      }
    }
  }
  return true;
}

void Object::append(std::string&& key, Value&& value) {
  entries_.emplace_back(std::move(key), std::move(value));
  if (index_) {
    index_->emplace(entries_.back().first, entries_.size() - 1);
  } else if (entries_.size() > kIndexThreshold) {
    rebuild_index();
  }
}

bool Object::erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      if (index_) rebuild_index();
      return true;
    }
  }
  return false;
}


bool operator==(const Object& a, const Object& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [key, value] : a) {
    const Value* other = b.find(key);
    if (other == nullptr || !(*other == value)) return false;
  }
  return true;
}

// ---- Value -----------------------------------------------------------------------------------

const Value* Value::find(const Path& path) const {
  const Value* node = this;
  for (const PathSegment& segment : path) {
    if (const auto* key = std::get_if<std::string>(&segment)) {
      if (!node->is_object()) return nullptr;
      node = node->as_object().find(*key);
    } else {
      std::size_t index = std::get<std::size_t>(segment);
      if (!node->is_array() || index >= node->as_array().size()) return nullptr;
      node = &node->as_array()[index];
    }
    if (node == nullptr) return nullptr;
  }
  return node;
}

const Value* Value::find_dotted(std::string_view dotted) const {
  auto path = parse_dotted(dotted);
  return path ? find(*path) : nullptr;
}

std::size_t Value::node_count() const {
  std::size_t count = 1;
  if (is_array()) {
    for (const Value& item : as_array()) count += item.node_count();
  } else if (is_object()) {
    for (const auto& [key, item] : as_object()) count += item.node_count();
  }
  return count;
}

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::null: return "null";
    case Value::Kind::boolean: return "boolean";
    case Value::Kind::integer: return "integer";
    case Value::Kind::floating: return "number";
    case Value::Kind::string: return "string";
    case Value::Kind::array: return "array";
    case Value::Kind::object: return "map";
  }
  return "null";
}

std::string to_json_text(const Value& value) {
  return dump_json(to_json(value));
}

}  // namespace hotreload
