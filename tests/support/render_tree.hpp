// A Value tree as one line that shows every node's kind, exact value and position, so that a
// test can compare two parsers' trees (or a tree and its expected text) with one EXPECT_EQ:
// "{ a:integer 1@1:7}@1:1". Doubles print with 17 digits, so a rounding difference shows.
#pragma once

#include <cstdio>
#include <string>

#include "hotreload/value.hpp"

namespace hotreload::test {

inline std::string render(const Value& value) {
  std::string text;
  if (value.is_object()) {
    text = "{";
    for (const auto& [key, child] : value.as_object()) text += " " + key + ":" + render(child);
    text += "}";
  } else if (value.is_array()) {
    text = "[";
    for (const Value& item : value.as_array()) text += " " + render(item);
    text += "]";
  } else if (value.is_double()) {
    char digits[64];
    std::snprintf(digits, sizeof digits, "%.17g", value.as_double());
    text = std::string("double ") + digits;
  } else {
    text = std::string(kind_name(value.kind())) + " " + to_json_text(value);
  }
  return text + "@" + std::to_string(value.origin.line) + ":" + std::to_string(value.origin.column);
}

}  // namespace hotreload::test
