// Diff: what changed between two configuration trees, key by key, so a reload can say what it
// changed and a reload that changes nothing can publish nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hotreload/fields.hpp"
#include "hotreload/value.hpp"

namespace hotreload {

enum class ChangeOp { added, removed, modified };

// "added", "removed", "modified".
const char* to_string(ChangeOp op);

struct Change {
  std::string path{};  // dotted, as to_dotted writes it ("servers[1].port")
  ChangeOp op = ChangeOp::modified;
  std::optional<Value> old_value{};  // absent for added
  std::optional<Value> new_value{};  // absent for removed
  bool secret = false;               // set by the reloader's field rules; display redacts the values
};

// The changes from old_root to new_root; empty when the trees are equal (origins are ignored,
// and NaN equals NaN so an unchanged ".nan" is no change).
// - Maps recurse key by key; arrays index by index, extra elements being added or removed at
//   their index. A change of kind (a map to a string, an integer to a float) is one `modified`
//   carrying both whole values; an added or removed map is one change carrying the whole map.
// - Order is the new document's order; a removed key is listed where it stood in the old
//   document (after the changes to the keys that preceded it there).
std::vector<Change> diff(const Value& old_root, const Value& new_root);

// A value as it may be shown: "(absent)" when missing, "<redacted>" when secret, JSON otherwise.
std::string display_old(const Change& change);
std::string display_new(const Change& change);

// "database.max_conns: 100 -> 200", the `hotreload diff` line; the root's path prints as "(root)".
std::string to_line(const Change& change);

// {"path", "op", "old", "new"}: an absent side is null, a secret side is "<redacted>". Include
// hotreload/json.hpp (nlohmann) to use the result.
nlohmann::ordered_json to_json(const Change& change);

// The changes that touch a restart-only field (FieldRules::restart): the field itself, or a
// section holding one.
std::vector<Change> restart_changes(const std::vector<Change>& changes, const FieldRules& rules);

// Marks the changes to secret paths (Change::secret) and replaces their values with "<redacted>";
// in the other changes, redacts secret values nested inside (a whole section added or removed).
void redact_changes(std::vector<Change>& changes, const FieldRules& rules);

}  // namespace hotreload
