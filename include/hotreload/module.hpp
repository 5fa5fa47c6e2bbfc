// Reloadable modules (seed 001): the parts of a program that take part in a reload. A module
// names the sections it cares about and sees only the changes under them, in two phases:
//
//   prepare   every affected module checks the new config and gets ready; it may veto (return an
//             error) but must not change live state. A veto, an exception or an overrun timeout
//             stops the reload: nothing is published, and the modules already prepared are told
//             to abort.
//   commit    then every affected module, in registration order, switches to the new config. If
//             one fails, the modules that already committed are told to roll back, in reverse
//             order, and the old config stays live (a reload.rolledback event says why).
//
//   reloader.add_module({.name = "database", .sections = {"database"},
//                        .prepare = [](const ModuleUpdate<Config>& u) -> ModuleResult {
//                          if (u.next.database.max_conns > 500) return unexpected("too many");
//                          return {}; },
//                        .commit = [&](const ModuleUpdate<Config>& u) -> ModuleResult {
//                          pool.resize(u.next.database.max_conns); return {}; },
//                        .rollback = [&](const ModuleUpdate<Config>& u) {
//                          pool.resize(u.previous.database.max_conns); }});
//
// Modules are not called for the first load: they read the config when they are built.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hotreload/binding.hpp"
#include "hotreload/diff.hpp"
#include "hotreload/events.hpp"
#include "hotreload/path.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

// What a prepare or commit returns: an error's text is the reason, reported with the module name.
using ModuleResult = Result<void, std::string>;

// The value at `path` inside `change`: the changed value itself, or a key below it when a whole
// section was added, removed or replaced. Empty when that side of the change has no such key.
std::optional<Value> changed_value(const Change& change, std::string_view path, bool new_side);

// One call into a module: the live and the candidate config, and the changes under the module's
// sections. `stop` is requested when the call overran its timeout or the reloader is stopping; a
// long prepare or commit should check it. Values marked secret are redacted in `changes` (read
// them from `next`).
template <class T>
struct ModuleUpdate {
  const T& previous;
  const T& next;
  const std::vector<Change>& changes;
  Trigger trigger;
  std::uint64_t reload_id;
  std::stop_token stop;

  // True when something at or below `path` changed.
  bool changed(std::string_view path) const {
    for (const Change& change : changes) {
      if (path_has_prefix(change.path, path) || path_has_prefix(path, change.path)) return true;
    }
    return false;
  }
  // The old or new value at `path` converted to U, when the change list holds it; nullopt when
  // it did not change, was absent on that side, or does not convert.
  template <class U>
  std::optional<U> old_as(std::string_view path) const { return value_as<U>(path, false); }
  template <class U>
  std::optional<U> new_as(std::string_view path) const { return value_as<U>(path, true); }

 private:
  template <class U>
  std::optional<U> value_as(std::string_view path, bool new_side) const {
    for (const Change& change : changes) {
      if (!path_has_prefix(path, change.path)) continue;
      std::optional<Value> value = changed_value(change, path, new_side);
      if (!value) return std::nullopt;
      try {
        return to_nlohmann_json(*value).template get<U>();
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }
};

template <class T>
struct Module {
  std::string name;
  // Dotted paths ("database", "cache.ttl"); the module is affected by a change at, below or above
  // any of them. Empty: every change.
  std::vector<std::string> sections{};
  // How long prepare, commit, abort or rollback may each take; zero: ReloadOptions::module_timeout.
  std::chrono::milliseconds timeout{0};
  std::function<ModuleResult(const ModuleUpdate<T>&)> prepare{};  // optional: accepts
  std::function<ModuleResult(const ModuleUpdate<T>&)> commit{};   // optional: accepts
  // A prepare succeeded but the reload will not be published.
  std::function<void(const ModuleUpdate<T>&)> abort{};
  // A commit succeeded but a later module's commit failed: go back to `previous`.
  std::function<void(const ModuleUpdate<T>&)> rollback{};
};

namespace detail {

// A module without the config type, as the pipeline runs it. The pointers stay valid for the
// whole call, even when the call overruns its timeout and finishes after the reload gave up.
struct ModuleCall {
  std::shared_ptr<const void> previous;
  std::shared_ptr<const void> next;
  std::shared_ptr<const std::vector<Change>> changes;
  Trigger trigger = Trigger::api;
  std::uint64_t reload_id = 0;
  std::stop_token stop;
};

struct ErasedModule {
  std::string name;
  std::vector<std::string> sections;
  std::chrono::milliseconds timeout{0};
  std::function<ModuleResult(const ModuleCall&)> prepare;
  std::function<ModuleResult(const ModuleCall&)> commit;
  std::function<void(const ModuleCall&)> abort;
  std::function<void(const ModuleCall&)> rollback;
};

template <class T>
ErasedModule erase_module(Module<T> module) {
  using Typed = std::function<ModuleResult(const ModuleUpdate<T>&)>;
  using TypedVoid = std::function<void(const ModuleUpdate<T>&)>;
  auto update = [](const ModuleCall& call) {
    return ModuleUpdate<T>{*static_cast<const T*>(call.previous.get()), *static_cast<const T*>(call.next.get()),
                           *call.changes, call.trigger, call.reload_id, call.stop};
  };
  auto wrap = [update](Typed typed) -> std::function<ModuleResult(const ModuleCall&)> {
    if (!typed) return {};
    return [update, typed = std::move(typed)](const ModuleCall& call) { return typed(update(call)); };
  };
  auto wrap_void = [update](TypedVoid typed) -> std::function<void(const ModuleCall&)> {
    if (!typed) return {};
    return [update, typed = std::move(typed)](const ModuleCall& call) { typed(update(call)); };
  };
  return ErasedModule{std::move(module.name), std::move(module.sections), module.timeout,
                      wrap(std::move(module.prepare)), wrap(std::move(module.commit)),
                      wrap_void(std::move(module.abort)), wrap_void(std::move(module.rollback))};
}

}  // namespace detail
}  // namespace hotreload
