#include "hotreload/layers.hpp"

#include <utility>

namespace hotreload {

void merge_into(Value& base, Value overlay) {
  if (!base.is_object() || !overlay.is_object()) {
    base = std::move(overlay);
    return;
  }
  Object& into = base.as_object();
  // The overlay is consumed, so its keys and values can be moved out of it.
  for (auto& [key, value] : overlay.as_object()) {
    if (Value* existing = into.find(key)) {
      merge_into(*existing, std::move(value));
    } else {
      into.insert_or_assign(std::move(key), std::move(value));
    }
  }
}

}  // namespace hotreload
