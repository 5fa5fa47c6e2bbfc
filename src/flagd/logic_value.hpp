// The values JSONLogic computes with while a rule runs, and JavaScript's conversions between them
// (JSONLogic is specified by its JavaScript implementation; flagd's Go engine follows it).
//
// A Val borrows wherever it can: strings and arrays read from the evaluation context or from a
// rule's constants are views, so a rule that only compares and looks up does not allocate. Only
// computed strings (cat, substr) and computed arrays (merge, map, filter) own their storage, behind
// one shared pointer: a Val is small and cheap to copy, and the evaluator returns one per node.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hotreload::detail::logic {

class Val {
 public:
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object };

  Val() = default;
  static Val boolean(bool b) {
    Val v;
    v.kind_ = Kind::boolean;
    v.boolean_ = b;
    return v;
  }
  static Val number(double n) {
    Val v;
    v.kind_ = Kind::number;
    v.number_ = n;
    return v;
  }
  // A view: the text must outlive the Val (rule constants, the evaluation context).
  static Val borrowed(std::string_view s) {
    Val v;
    v.kind_ = Kind::string;
    v.text_ = s;
    return v;
  }
  static Val owned(std::string s);
  // An empty array does not allocate.
  static Val array(std::vector<Val> items);
  // A view of a JSON value; arrays and objects are borrowed, not copied.
  static Val of(const nlohmann::json& j);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  bool is_string() const { return kind_ == Kind::string; }
  bool is_number() const { return kind_ == Kind::number; }
  bool is_array() const { return kind_ == Kind::array; }
  bool as_bool() const { return boolean_; }
  double as_number() const { return number_; }
  std::string_view as_string() const { return text_; }
  // Arrays and objects from JSON; nullptr for an array this Val owns.
  const nlohmann::json* json() const { return json_; }

  // Array access, whichever storage the array has.
  std::size_t size() const;
  Val at(std::size_t i) const;

  // JSON for output (the CLI, tests).
  nlohmann::json to_json() const;

 private:
  // What a computed value owns. Shared and immutable, so that copying a Val (the evaluator copies
  // items out of arrays and results up the tree) never copies text or items.
  struct Storage;

  Kind kind_ = Kind::null;
  bool boolean_ = false;
  double number_ = 0;
  std::string_view text_{};               // a string: borrowed, or the text in storage_
  const nlohmann::json* json_ = nullptr;  // array or object borrowed from JSON
  std::shared_ptr<const Storage> storage_{};  // a computed string, or a computed non-empty array
};

struct Val::Storage {
  std::string text;
  std::vector<Val> items;
};

inline Val Val::of(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::boolean: return boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return number(j.get<double>());
    case nlohmann::json::value_t::string: return borrowed(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object: {
      Val v;
      v.kind_ = j.is_array() ? Kind::array : Kind::object;
      v.json_ = &j;
      return v;
    }
    default: return Val();
  }
}

inline std::size_t Val::size() const {
  if (json_ != nullptr) return json_->size();
  return storage_ != nullptr ? storage_->items.size() : 0;
}

inline Val Val::at(std::size_t i) const { return json_ != nullptr ? of((*json_)[i]) : storage_->items[i]; }

// JSONLogic truthiness: false, null, 0, NaN, "" and [] are false; everything else is true.
bool truthy(const Val& v);
// JavaScript's Number(v): "" and null are 0, " 12 " is 12, "abc" and objects are NaN.
double to_number(const Val& v);
// JavaScript's String(v): integral numbers print without a fraction, arrays join with ','.
std::string to_string(const Val& v);
// Appends String(v) to out.
void append_string(std::string& out, const Val& v);
// JavaScript's == and ===.
bool loose_equals(const Val& a, const Val& b);
bool strict_equals(const Val& a, const Val& b);
// JavaScript's a < b: both strings compare as text, anything else as numbers (NaN: false).
bool less_than(const Val& a, const Val& b);
bool less_equal(const Val& a, const Val& b);
// A number's shortest JavaScript-like text: 10, 0.5, -3.25.
std::string number_text(double n);
// Compact JSON for a message. Invalid UTF-8 (a YAML flag file or a caller's context can carry
// any bytes) is replaced rather than thrown: building an error must never fail.
std::string json_text(const nlohmann::json& value);

}  // namespace hotreload::detail::logic
