// Fleet status: the instance reports under PREFIX/instances/ (fleet_report.hpp) read at once and
// summarised: instances grouped by what they run, which failed and why, which wait for a restart,
// and how many run the newest version.
//
// "Newest", per source layer: for an etcd layer, the revision of its last change as etcd holds
// it now (read_fleet_status() reads the highest mod_revision of the layer's keys; with
// summarize_fleet() alone, or when that etcd cannot be read, the rule below). An instance's
// version of an etcd layer is the revision it read or last saw change, so any version at or above
// the last change holds the newest content: etcd's store revision moves with every write to the
// cluster (the reports themselves included), so versions are compared with >=, never ==. For
// other layers, the highest version any live instance reports, applied or attempted (a failed
// attempt at 50 still proves 50 exists), among versions that are decimal integers; versions that
// do not order (HTTP ETags, "unavailable") never define it. An instance runs the newest version
// when its status is "applied" (not failed, not pending a restart) and every layer it has with a
// newest version is at or above it. Not seen: a change that only deletes keys (a range does not
// show deletions), until the next write to the layer.
// Instances are grouped by their config hash: the same effective config (secrets redacted) is
// "what they run", whatever revision each read it at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hotreload/etcd.hpp"
#include "hotreload/fleet_report.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

// Instances with the same config hash.
struct FleetGroup {
  std::string config_hash{};
  std::vector<std::string> instances{};  // ids, sorted
};

struct FleetStatus {
  std::string prefix{};                     // the location's URL
  std::vector<InstanceReport> instances{};  // the live ones (their keys exist), sorted by id
  std::vector<bool> on_newest{};            // parallel to instances
  std::vector<std::pair<std::string, std::string>> newest{};  // (layer, newest version)
  std::vector<FleetGroup> groups{};         // largest first, then by first id
  std::vector<std::string> unreadable{};    // keys under instances/ whose value is no report

  std::size_t live() const { return instances.size(); }
  std::size_t on_newest_count() const;
  // Every live instance runs the newest version; false when none reports (nothing confirms it).
  bool converged() const { return !instances.empty() && on_newest_count() == instances.size(); }
};

// Groups, the newest versions and who runs them, from the reports. `last_changes` gives a layer's
// last change revision (etcd layers, read by read_fleet_status()); other layers take the highest
// reported version.
FleetStatus summarize_fleet(std::vector<InstanceReport> reports,
                            const std::vector<std::pair<std::string, std::string>>& last_changes = {});

// Reads PREFIX/instances/ with one linearizable range (failing over between members), then the
// last change revision of each etcd layer the instances report (with the same options), and
// summarises them. Errors: usage for a location that is not a prefix; io when no member answers.
Result<FleetStatus> read_fleet_status(const EtcdLocation& prefix, const EtcdOptions& options = {});

// {"prefix","live","onNewest","share","converged","newest":{},"groups":[...],"instances":[...],
//  "failed":[{"id","errors"}],"pendingRestart":[{"id","fields"}],"unreadable":[...]}
nlohmann::ordered_json to_json(const FleetStatus& status);

}  // namespace hotreload
