#include "hotreload/module.hpp"

namespace hotreload {

std::optional<Value> changed_value(const Change& change, std::string_view path, bool new_side) {
  const std::optional<Value>& side = new_side ? change.new_value : change.old_value;
  if (!side || !path_has_prefix(path, change.path)) return std::nullopt;
  if (path.size() == change.path.size()) return side;
  // Below the changed path: "database" changed, "database.max_conns" asked. to_dotted writes a
  // key as ".key" and an index as "[i]", so the rest parses as a path from the changed value.
  std::string_view rest = path.substr(change.path.size());
  if (rest.front() == '.') rest.remove_prefix(1);
  const Value* found = side->find_dotted(rest);
  if (found == nullptr) return std::nullopt;
  return *found;
}

}  // namespace hotreload
