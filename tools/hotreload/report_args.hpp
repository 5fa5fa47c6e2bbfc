// --report etcd://ENDPOINTS/PREFIX/, --instance-id ID and --report-ttl S for the commands that
// keep a config live (watch, exec): one FleetReporter per process (fleet_report.hpp), using the
// --etcd-* options for TLS and authentication.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "layer_args.hpp"
#include "hotreload/fleet_report.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/rollout_health.hpp"

namespace hotreload::cli {

struct ReportArgs {
  std::string url;          // empty: no report
  std::string instance_id;  // empty: host-pid
  long ttl_seconds = 10;
  std::string health_cmd;  // empty: no health check after applying a rollout's candidate
  std::string health_url;  // or a GET of this URL (2xx: healthy)
  std::string health_every;    // re-checks of a candidate that passed; "0": none; empty: every 10 s
  std::string health_timeout;  // per check; empty: 30 s
};

void add_report_options(CLI::App& command, ReportArgs& args);

// The reporter for `reloader`, started (it subscribes now, so the initial load is reported);
// nullptr without --report. Errors (usage): a bad URL, a location that is not a prefix, a bad
// instance id, bad --etcd-* options.
// The id this process reports as: --instance-id, else HOST-PID.
std::string report_instance_id(const ReportArgs& args);

// With --report, each etcd document layer in `specs` also follows its rollout record as this
// instance (rollout_source.hpp): while it is a canary of an active rollout it loads the candidate
// in place of KEY's value. Without --report nothing changes (the rollout cannot see it). Call
// before the reloader is built. Errors: bad --etcd-* options (usage).
Result<void> follow_rollouts(const ReportArgs& args, const EtcdArgs& etcd, std::vector<LayerSpec>& specs,
                             std::chrono::milliseconds debounce);

Result<std::unique_ptr<FleetReporter>> start_reporter(const ReportArgs& args, const EtcdArgs& etcd,
                                                      Reloader<nlohmann::json>& reloader);

// With --health-cmd or --health-url, the check a canary runs after applying a rollout's candidate
// (rollout_health.hpp), reporting through `reporter`; nullptr without them. start_reporter()
// has refused the options this would not accept.
std::unique_ptr<RolloutHealthCheck> start_health_check(const ReportArgs& args, Reloader<nlohmann::json>& reloader,
                                                       FleetReporter* reporter);

}  // namespace hotreload::cli
