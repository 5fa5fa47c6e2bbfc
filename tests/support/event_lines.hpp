// Reading what a CLI child prints: the CloudEvents of `hotreload watch` (or etcd/HTTP-fed), one JSON
// object per line, and the state lines of `hotreload flags serve`. The tests await the next one of
// a kind, skipping the others.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"

namespace hotreload::testing {

// The next printed event of `type`, skipping other events and lines that are not JSON; nullopt
// when none came within `bound` (a failure bound, never a pace). `each_line` sees every line read,
// e.g. to check that no secret is ever printed.
inline std::optional<nlohmann::json> next_event(ChildProcess& child, std::string_view type,
                                                std::chrono::milliseconds bound,
                                                const std::function<void(const std::string&)>& each_line = {}) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto line = child.read_line(left);
    if (!line) break;
    if (each_line) each_line(*line);
    auto event = nlohmann::json::parse(*line, nullptr, /*allow_exceptions=*/false);
    if (!event.is_discarded() && event.value("type", "") == type) return event;
  }
  return std::nullopt;
}

// next_event() for tests that go on either way: a missing event is a failure and an empty object.
inline nlohmann::json expect_event(ChildProcess& child, std::string_view type, std::chrono::milliseconds bound,
                                   const std::function<void(const std::string&)>& each_line = {}) {
  if (auto event = next_event(child, type, bound, each_line)) return *event;
  ADD_FAILURE() << "no " << type << " event";
  return nlohmann::json::object();
}

// The next printed line that starts with `prefix`; a failure and "" when none came within `bound`
// (a failure bound, never a pace).
inline std::string await_line(ChildProcess& child, std::string_view prefix,
                              std::chrono::milliseconds bound = std::chrono::seconds(20)) {
  while (auto line = child.read_line(bound)) {
    if (line->rfind(prefix, 0) == 0) return *line;
  }
  ADD_FAILURE() << "no line starting with " << prefix;
  return {};
}

}  // namespace hotreload::testing
