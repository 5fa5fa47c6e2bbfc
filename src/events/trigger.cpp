#include "hotreload/events.hpp"

namespace hotreload {

const char* to_string(Trigger trigger) {
  switch (trigger) {
    case Trigger::initial: return "initial";
    case Trigger::file: return "file";
    case Trigger::signal: return "signal";
    case Trigger::api: return "api";
    case Trigger::http: return "http";
    case Trigger::etcd: return "etcd";
  }
  return "api";
}

std::optional<Trigger> parse_trigger(std::string_view text) {
  for (Trigger trigger : {Trigger::initial, Trigger::file, Trigger::signal, Trigger::api,
                          Trigger::http, Trigger::etcd}) {
    if (text == to_string(trigger)) return trigger;
  }
  return std::nullopt;
}

}  // namespace hotreload
