// What the reloader tests share: a small service config with a restart-only port and a secret
// password, its YAML text, and draining a reloader's event queue.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotreload/events.hpp"

namespace hotreload::testing {

struct ServiceConfig {
  std::string log_level;
  int port = 0;
  int max_conns = 0;
  std::string password;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ServiceConfig, log_level, port, max_conns, password)

inline std::string config_text(std::string_view log_level, int port, int max_conns,
                               std::string_view password = "hunter2") {
  return "log_level: " + std::string(log_level) + "\nport: " + std::to_string(port) +
         "\nmax_conns: " + std::to_string(max_conns) + "\npassword: " + std::string(password) + "\n";
}

// Drains the queue and returns the event types in order.
inline std::vector<std::string> event_types(EventQueue& queue) {
  std::vector<std::string> out;
  while (auto event = queue.try_recv()) out.push_back(event->type);
  return out;
}

// Drains the queue and returns every event in order.
inline std::vector<Event> drain(EventQueue& queue) {
  std::vector<Event> out;
  while (auto event = queue.try_recv()) out.push_back(std::move(*event));
  return out;
}

// Drains the queue and returns the events of one type.
inline std::vector<Event> events_of(EventQueue& queue, std::string_view type) {
  std::vector<Event> out;
  while (auto event = queue.try_recv()) {
    if (event->type == type) out.push_back(std::move(*event));
  }
  return out;
}

}  // namespace hotreload::testing
