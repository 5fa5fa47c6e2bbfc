// The pipeline's rules for changes: restart-only fields, secrets, and user errors' positions.
#pragma once

#include <vector>

#include "hotreload/diff.hpp"
#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/fields.hpp"

namespace hotreload::detail {

// One restart_required error per change, located at the new value (or the old one if removed).
Errors restart_errors(const std::vector<Change>& restart, const Document& previous, const Document& next,
                      const FieldRules& rules);

// Puts the live values back at the paths of `changes` (re-adding removed keys, dropping added ones).
void revert_changes(Value& root, const std::vector<Change>& changes, const Value& live_root);

// Gives errors that name a path but no location the position of that key in `doc`.
Errors locate_errors(Errors errors, const Document& doc);

}  // namespace hotreload::detail
