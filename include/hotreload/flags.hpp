// Feature flags: kill switches and consistent percentage rollouts, swapped atomically when the
// config reloads.
//
//   hotreload::FlagSet flags;
//   (void)flags.set({.name = "new-player", .enabled = true, .percentage = 10});
//   if (flags.is_enabled_for_user("new-player", user_id)) use_new_player();
//
// Rollouts bucket users exactly as Unleash's gradual rollout does, so cohorts carry over from it:
// bucket = MurmurHash3_x86_32("<group>:<user>", seed 0) % 100 + 1, and a user is in the rollout
// when bucket <= percentage. The group defaults to the flag name, so flags are independent of each
// other; flags that share a group roll out to the same users first.
//
// Thread safety: every member function of FlagSet may be called concurrently from any threads.
// Reads (is_enabled, is_enabled_for_user, view) take no lock and do not allocate once the calling
// thread has read the current version of the set (see Snapshot::read()); the first read after a
// change takes the set's publish mutex once per thread. A FlagView belongs to the thread that
// created it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hotreload/error.hpp"
#include "hotreload/result.hpp"
#include "hotreload/snapshot.hpp"

namespace hotreload {

// One flag as written in the config's `feature_flags:` list.
struct FlagConfig {
  std::string name{};
  bool enabled = false;  // false is the kill switch: off for everyone, whatever the percentage
  int percentage = 100;  // share of users it is on for, 0..100
  std::string description{};
  std::string group{};  // the rollout's hash group; empty: the flag name
};

// Binding (see binding.hpp): `name` is required, `enabled`, `percentage`, `description` and
// `group` are optional. A missing or empty name, a percentage that is not an integer in 0..100,
// and an unknown key (a misspelt `percentage` must not silently mean 100%) are binding errors at
// the offending value's position.
void from_json(const nlohmann::json& j, FlagConfig& flag);
void to_json(nlohmann::json& j, const FlagConfig& flag);

namespace detail {

// Deliberately not noexcept: libstdc++ stores each node's hash code only when the hash may throw
// (or is std::hash<std::string>, marked slow); without stored codes every step along a bucket's
// chain rehashes that node's key, which measured 3x slower lookups with 32 flags.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One immutable version of a FlagSet.
struct FlagTable {
  struct Entry {
    FlagConfig config;
    std::string group;  // config.group, or the name when that is empty
  };
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> flags;
};

}  // namespace detail

class FlagSet;

// One version of the flag set, for checks that must agree with each other (a request that asks
// several flags sees them all from the same config). Cheap to create; bound to the creating
// thread like a ReadHandle, and must not outlive its FlagSet.
class [[nodiscard]] FlagView {
 public:
  bool is_enabled(std::string_view name) const;
  bool is_enabled_for_user(std::string_view name, std::string_view user) const;
  // The flag's configuration, or nullopt (without reporting) when it is not defined.
  std::optional<FlagConfig> find(std::string_view name) const;
  std::size_t size() const { return table_->flags.size(); }

 private:
  friend class FlagSet;
  FlagView(const FlagSet& set, ReadHandle<detail::FlagTable> table)
      : set_(&set), table_(std::move(table)) {}

  const detail::FlagTable::Entry* lookup(std::string_view name) const;

  const FlagSet* set_;
  ReadHandle<detail::FlagTable> table_;
};

class FlagSet {
 public:
  // Called once per unknown flag name the first time it is checked; defaults to one line on
  // stderr. Called without any lock held; exceptions it throws are swallowed.
  using UnknownFlagSink = std::function<void(std::string_view name)>;

  explicit FlagSet(UnknownFlagSink on_unknown = {});
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // Adds or replaces one flag, keeping the others. An empty name or a percentage outside 0..100
  // is an ErrorCode::usage error and changes nothing.
  Result<void> set(FlagConfig flag);
  // Replaces the whole set in one step: a reader sees either the old flags or the new ones, never
  // a mix. Validated as set() does, plus duplicate names; on error the old set stays live.
  Result<void> replace(std::vector<FlagConfig> flags);
  // What replace() would refuse, without changing anything.
  static Result<void> check_all(const std::vector<FlagConfig>& flags);

  // The global check: true when the flag is on for everyone (enabled with percentage 100). A
  // partial rollout is off here, so a call site without a user never turns a 10% rollout on for
  // all traffic; use is_enabled_for_user for rollouts. Unknown flags are off and reported once.
  bool is_enabled(std::string_view name) const { return view().is_enabled(name); }
  // Enabled, and the user's bucket for the flag's group is <= its percentage. The same user
  // always gets the same answer, and raising the percentage only adds users.
  bool is_enabled_for_user(std::string_view name, std::string_view user) const {
    return view().is_enabled_for_user(name, user);
  }

  // A consistent view of the current version, for several checks that must agree.
  FlagView view() const { return FlagView(*this, table_.read()); }
  // Every flag, in no particular order.
  std::vector<FlagConfig> flags() const;

  // Unleash's normalised bucket of `user` in `group`: 1..100. Does not allocate for group and
  // user up to a few hundred bytes together.
  static int bucket(std::string_view group, std::string_view user) noexcept;

 private:
  friend class FlagView;
  void report_unknown(std::string_view name) const;

  Snapshot<detail::FlagTable> table_;
  std::mutex write_mu_;  // serialises set()/replace() so concurrent set() calls lose no update
  UnknownFlagSink on_unknown_;
  mutable std::mutex unknown_mu_;
  mutable std::unordered_set<std::string, detail::StringHash, std::equal_to<>> reported_;  // guarded by unknown_mu_
};

}  // namespace hotreload
