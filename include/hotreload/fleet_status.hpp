// Fleet status: the instance reports under PREFIX/instances/ (fleet_report.hpp) read at once and
// summarised: instances grouped by what they run, which failed and why, which wait for a restart,
// and how many run the newest version.
//
// "Newest": for each source layer, the highest version any live instance reports, applied or
// attempted (a failed attempt at revision 50 still proves revision 50 exists), comparing the
// versions that are decimal integers (etcd revisions are the cluster's, so they order); versions
// that do not order (HTTP ETags, "unavailable") never define it. An instance runs the newest
// version when its status is "applied" (not failed, not pending a restart) and every layer it
// has with a newest version is at that version. Files carry no version: instances differing only
// in file content are told apart by configHash (their groups), not by "newest".
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

// Instances with the same applied sources and config hash.
struct FleetGroup {
  std::vector<std::pair<std::string, std::string>> sources{};
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

// Groups, the newest versions and who runs them, from the reports.
FleetStatus summarize_fleet(std::vector<InstanceReport> reports);

// Reads PREFIX/instances/ with one linearizable range (failing over between members) and
// summarises it. Errors: usage for a location that is not a prefix; io when no member answers.
Result<FleetStatus> read_fleet_status(const EtcdLocation& prefix, const EtcdOptions& options = {});

// {"prefix","live","onNewest","share","converged","newest":{},"groups":[...],"instances":[...],
//  "failed":[{"id","errors"}],"pendingRestart":[{"id","fields"}],"unreadable":[...]}
nlohmann::ordered_json to_json(const FleetStatus& status);

}  // namespace hotreload
