// Feature flags that live in the config (seed 000's `feature_flags:` list) and reload with it:
// a module on the flag section swaps the whole FlagSet in one step when the list changes, after
// checking it in the prepare phase (a duplicate name or a bad percentage vetoes the reload and
// the old flags and config stay live), and puts the old flags back if another module's commit
// fails.
//
//   struct Config { std::vector<hotreload::FlagConfig> feature_flags; ... };
//   hotreload::FlagSet flags;
//   reloader.start();
//   hotreload::reload_flags_with(reloader, flags, [](const Config& c) -> const auto& { return c.feature_flags; });
//
// Call it after start(): it loads the flags of the live config at once, and modules only see
// later reloads.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hotreload/flags.hpp"
#include "hotreload/reloader.hpp"

namespace hotreload {

template <class T, class Select>
Result<void> reload_flags_with(Reloader<T>& reloader, FlagSet& flags, Select select,
                               std::string section = "feature_flags") {
  if (auto loaded = flags.replace(select(*reloader.load())); !loaded) return loaded;
  reloader.add_module({
      .name = "feature flags",
      .sections = {section},
      .prepare = [select](const ModuleUpdate<T>& update) -> ModuleResult {
        if (auto ok = FlagSet::check_all(select(update.next)); !ok) return unexpected(ok.error().message);
        return {};
      },
      .commit = [&flags, select](const ModuleUpdate<T>& update) -> ModuleResult {
        if (auto ok = flags.replace(select(update.next)); !ok) return unexpected(ok.error().message);
        return {};
      },
      .rollback = [&flags, select](const ModuleUpdate<T>& update) { (void)flags.replace(select(update.previous)); },
  });
  return {};
}

}  // namespace hotreload
