// Changes seen through the field rules (restart-only, secret), and as JSON.
#include "hotreload/diff.hpp"
#include "hotreload/json.hpp"

namespace hotreload {

std::vector<Change> restart_changes(const std::vector<Change>& changes, const FieldRules& rules) {
  std::vector<Change> out;
  for (const Change& change : changes) {
    if (rules.policy_of(change.path) == ReloadPolicy::restart || !rules.restart_patterns_below(change.path).empty()) {
      out.push_back(change);
    }
  }
  return out;
}

void redact_changes(std::vector<Change>& changes, const FieldRules& rules) {
  if (!rules.has_secrets()) return;
  for (Change& change : changes) {
    if (rules.is_secret(change.path)) {
      // Flagged for display, and scrubbed so no later formatter can leak it by mistake.
      change.secret = true;
      if (change.old_value) change.old_value = Value(std::string(kRedacted));
      if (change.new_value) change.new_value = Value(std::string(kRedacted));
      continue;
    }
    auto path = parse_dotted(change.path);
    if (!path) continue;
    if (change.old_value) change.old_value = rules.redact(*change.old_value, *path);
    if (change.new_value) change.new_value = rules.redact(*change.new_value, *path);
  }
}

nlohmann::ordered_json to_json(const Change& change) {
  auto side = [&](const std::optional<Value>& value) -> nlohmann::ordered_json {
    if (!value) return nullptr;
    if (change.secret) return std::string(kRedacted);
    return to_json(*value);
  };
  nlohmann::ordered_json out;
  out["path"] = change.path;
  out["op"] = to_string(change.op);
  out["old"] = side(change.old_value);
  out["new"] = side(change.new_value);
  return out;
}

}  // namespace hotreload
