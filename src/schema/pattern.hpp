// A JSON Schema regular expression (ECMA-262 syntax), matched by RE2 in time linear in the text:
// a pattern from a schema must not let a config value hang a reload. Patterns that need what RE2
// cannot do in linear time (backreferences, lookaround) fall back to std::regex, which backtracks.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "hotreload/result.hpp"

namespace re2 {
class RE2;
}

namespace hotreload::schema_detail {

class Pattern {
 public:
  // The compiled pattern, or why `source` is not a regular expression this validator accepts.
  static Result<std::shared_ptr<const Pattern>, std::string> compile(const std::string& source);

  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;
  ~Pattern();

  // Whether the pattern matches anywhere in `text` (JSON Schema patterns are not anchored).
  bool search(std::string_view text) const;
  const std::string& source() const { return source_; }
  // True when the pattern runs on std::regex: correct, but not protected against slow inputs.
  bool backtracks() const { return fallback_ != nullptr; }

 private:
  Pattern() = default;

  std::string source_;
  // Set when the pattern is "^" and literal characters only ("^/", "^https://"): a prefix test
  // answers it without RE2's per-match cache locking, which costs more than the match itself.
  std::optional<std::string> prefix_;
  std::unique_ptr<re2::RE2> linear_;
  std::unique_ptr<std::regex> fallback_;
};

}  // namespace hotreload::schema_detail
