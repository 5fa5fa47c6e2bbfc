// JSON's view of a Value, which is not the document model's: 1 and 1.0 are the same number, and
// 2.0 is an integer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hotreload/value.hpp"

namespace hotreload::schema_detail {

// Equality by JSON semantics: numbers compare by value, objects ignore key order.
bool json_equal(const Value& a, const Value& b);

// True for integers and for floating values with no fractional part.
bool is_integral(const Value& number);

// <0, 0 or >0 as a is less than, equal to or greater than b; both must be numbers.
int compare_numbers(const Value& a, const Value& b);

// Whether `number` is an integer multiple of `divisor` (a positive number).
bool is_multiple_of(const Value& number, const Value& divisor);

// Length in Unicode code points of a UTF-8 string.
std::size_t code_points(std::string_view utf8);

// The TypeBit set a value belongs to (an integral number has kInteger and kNumber).
std::uint8_t type_bits(const Value& value);

// "integer", "number", "object", ... as JSON Schema names them.
const char* json_type_name(const Value& value);

// A value as messages show it: its JSON text, shortened so that a big object stays on one line.
std::string shown(const Value& value);
// A string as a JSON literal: "a\"b".
std::string quoted(const std::string& text);

}  // namespace hotreload::schema_detail
