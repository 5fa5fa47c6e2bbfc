#include <mutex>
#include <set>
#include <string>

#include "hotreload/events.hpp"

namespace hotreload {
namespace {

constexpr Trigger kBuiltIn[] = {Trigger::initial, Trigger::file, Trigger::signal, Trigger::api,
                                Trigger::http,    Trigger::etcd, Trigger::url};

}  // namespace

Trigger Trigger::source(std::string_view kind) {
  for (Trigger trigger : kBuiltIn) {
    if (kind == trigger.name()) return trigger;
  }
  // A program's own kind: interned so the name outlives the source that named it. std::set
  // never moves its strings, so the pointer stays valid.
  static std::mutex mu;
  static std::set<std::string, std::less<>> names;
  std::lock_guard lock(mu);
  auto found = names.find(kind);
  if (found == names.end()) found = names.emplace(kind).first;
  return Trigger(found->c_str(), true);
}

std::optional<Trigger> parse_trigger(std::string_view text) {
  for (Trigger trigger : kBuiltIn) {
    if (text == trigger.name()) return trigger;
  }
  return std::nullopt;
}

}  // namespace hotreload
