// The modules' two-phase commit (module.hpp): every affected module prepares (any may veto),
// then all commit in order; a failed commit rolls the committed ones back in reverse order and
// aborts the rest. The reload transaction calls it once, with the final candidate.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/events.hpp"
#include "hotreload/module.hpp"
#include "reload/module_runner.hpp"

namespace hotreload::detail {

struct ModuleParticipant {
  std::shared_ptr<const ErasedModule> module;
  ModuleCall call;  // what every phase of this module sees
};

// Why the modules refused a candidate: one error, the module it names, and whether modules
// that had committed were rolled back.
struct ModuleFailure {
  Error error;
  std::string module;
  bool rolled_back = false;
};

struct ModuleCommitContext {
  ModuleRunner& runner;
  std::chrono::milliseconds default_timeout;            // ReloadOptions::module_timeout
  std::function<void(Event)> publish;                   // module.started/completed, rolledback
  std::function<Event(std::string_view type)> make_event;  // stamped with the reload's id and trigger
};

// The modules affected by `changes`: a change at, below or above one of a module's sections
// (every change for a module without sections).
std::vector<Change> changes_for(const ErasedModule& module, const std::vector<Change>& changes);

// Runs prepare for every participant, then commit for every one. nullopt when all committed.
std::optional<ModuleFailure> prepare_and_commit(const ModuleCommitContext& context,
                                                const std::vector<ModuleParticipant>& participants);

}  // namespace hotreload::detail
