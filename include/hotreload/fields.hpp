// Field rules: which keys may change while the program runs (dynamic), which need a restart,
// and which are secrets that must never be shown. The seeds put `dynamic:"true"` tags on Go
// struct fields; C++ has no tags, so the same facts are declared as path patterns:
//
//   hotreload::FieldRules rules;
//   rules.restart("server.port").restart("database.host").secret("database.password")
//        .secret("*.token");
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/path.hpp"
#include "hotreload/value.hpp"

namespace hotreload {

enum class ReloadPolicy { dynamic, restart };

// Patterns are dotted paths; a `*` segment matches any one key or array index ("servers[*].tls",
// "*.password"). A rule covers its path and everything beneath it; the most specific (longest)
// matching pattern wins, and a later rule beats an earlier one of the same length.
class FieldRules {
 public:
  // The policy of keys no rule covers. Seed 001 makes untagged fields restart-only; most
  // services expect the opposite, so dynamic is the default.
  ReloadPolicy default_policy = ReloadPolicy::dynamic;

  FieldRules& dynamic(std::string pattern);
  FieldRules& restart(std::string pattern);
  FieldRules& secret(std::string pattern);
  // Adds `later`'s rules after these, so that they win ties of equal length (its default_policy
  // is not taken).
  FieldRules& append(const FieldRules& later);

  ReloadPolicy policy_of(std::string_view dotted_path) const;
  // True when the path itself or one of its ancestors is secret.
  bool is_secret(std::string_view dotted_path) const;
  // Patterns with a restart rule that lie strictly beneath `dotted_path` (a change that replaces
  // a whole section can hide a restart-only field inside it).
  std::vector<std::string> restart_patterns_below(std::string_view dotted_path) const;

  // A copy of `value` (found at `at`) with every secret value beneath it replaced by the string
  // "<redacted>"; the value itself is replaced when `at` is secret.
  Value redact(const Value& value, const Path& at) const;
  // Redacts the whole document.
  Value redact(const Value& root) const { return redact(root, {}); }

  bool has_secrets() const;

 private:
  struct Rule {
    std::vector<std::string> segments;  // "*" or a key or "[N]" rendered as its index text
    enum class Kind { dynamic, restart, secret } kind;
  };
  FieldRules& add(std::string pattern, Rule::Kind kind);
  std::vector<Rule> rules_;
};

inline constexpr std::string_view kRedacted = "<redacted>";

// Scrubs the values of `root`'s secret fields out of error messages: a binding or schema error
// quotes the offending value ("expected integer, got string \"hunter2\""), and a secret field
// is as likely as any other to be wrong. Every occurrence of a secret's text (4 characters or
// more) becomes "<redacted>"; in an error at or under a secret path, so does a truncated start of
// it (8 characters or more), as messages shorten long values.
void redact_errors(Errors& errors, const Value& root, const FieldRules& rules);

}  // namespace hotreload
