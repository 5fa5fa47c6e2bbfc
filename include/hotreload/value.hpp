// Value: the format-neutral document tree every parser produces. Each node remembers where it
// came from (which layer, which line and column), so any later error can point at its source.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "hotreload/path.hpp"

namespace hotreload {

// Where a node was written: an index into the Document's sources, plus a 1-based position.
struct Origin {
  static constexpr std::uint32_t kNoSource = UINT32_MAX;
  std::uint32_t source = kNoSource;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  friend bool operator==(const Origin&, const Origin&) = default;
};

class Value;

// A map that keeps its keys in document order. Lookups are linear for small maps and hashed
// once a map grows past a few entries, so merging a 100,000-key layer stays linear.
class Object {
 public:
  using Entry = std::pair<std::string, Value>;

  Object() = default;
  Object(const Object& other);
  Object(Object&& other) noexcept;
  Object& operator=(const Object& other);
  Object& operator=(Object&& other) noexcept;
  ~Object();

  std::size_t size() const;
  bool empty() const;
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Replaces the value of an existing key in place (keeping its position) or appends a new key.
  Value& insert_or_assign(std::string key, Value value);
  // Appends a key the map does not hold yet (taking both arguments) and returns true; returns
  // false, leaving the map and both arguments as they were, when the key is there already.
  bool insert_if_absent(std::string&& key, Value&& value);
  // Room for `count` entries in all, for a parser that knows how many are coming.
  void reserve(std::size_t count);
  // Takes `entries` whole as the map's content (no entry is moved) and returns true when their
  // keys are distinct; on a repeated key returns false and leaves the map empty. For a parser that
  // gathered a map's entries before building it.
  bool adopt_unique(std::vector<Entry>&& entries);
  bool erase(std::string_view key);

  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }
  std::vector<Entry>::iterator begin() { return entries_.begin(); }
  std::vector<Entry>::iterator end() { return entries_.end(); }

  // Same keys with equal values; key order does not matter (reordering a file changes nothing).
  friend bool operator==(const Object& a, const Object& b);

 private:
  // Looks a std::string_view up without building a std::string for it.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
  };
  using Index = std::unordered_map<std::string, std::size_t, KeyHash, std::equal_to<>>;

  static constexpr std::size_t kIndexThreshold = 16;
  void rebuild_index();
  void append(std::string&& key, Value&& value);
  std::vector<Entry> entries_;
  std::unique_ptr<Index> index_;  // set once size > threshold
};

using Array = std::vector<Value>;

class Value {
 public:
  enum class Kind : std::uint8_t { null, boolean, integer, floating, string, array, object };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  Value(std::int64_t i) : data_(i) {}
  Value(int i) : data_(static_cast<std::int64_t>(i)) {}
  Value(double d) : data_(d) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(Array a) : data_(std::move(a)) {}
  Value(Object o) : data_(std::move(o)) {}

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::null; }
  bool is_bool() const { return kind() == Kind::boolean; }
  bool is_int() const { return kind() == Kind::integer; }
  bool is_double() const { return kind() == Kind::floating; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return kind() == Kind::string; }
  bool is_array() const { return kind() == Kind::array; }
  bool is_object() const { return kind() == Kind::object; }
  bool is_scalar() const { return !is_array() && !is_object(); }

  // Accessors; calling the wrong one is a programming error (std::bad_variant_access).
  bool as_bool() const { return std::get<bool>(data_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(data_); }
  double as_double() const { return is_int() ? static_cast<double>(as_int()) : std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const Array& as_array() const { return std::get<Array>(data_); }
  Array& as_array() { return std::get<Array>(data_); }
  const Object& as_object() const { return std::get<Object>(data_); }
  Object& as_object() { return std::get<Object>(data_); }

  // Walks a path; nullptr when any segment is missing or has the wrong kind.
  const Value* find(const Path& path) const;
  const Value* find_dotted(std::string_view dotted) const;

  // Counts this node and every node below it.
  std::size_t node_count() const;

  Origin origin;

  // Content equality: kinds and values, recursively; origins are ignored. An integer and a
  // floating value are different even when numerically equal ("1" vs "1.0" is a change).
  friend bool operator==(const Value& a, const Value& b) { return a.data_ == b.data_; }

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> data_;
};

// "integer", "string", ... as used in error messages.
const char* kind_name(Value::Kind kind);

// Compact JSON text of a value (strings quoted), for messages and diffs.
std::string to_json_text(const Value& value);

}  // namespace hotreload
