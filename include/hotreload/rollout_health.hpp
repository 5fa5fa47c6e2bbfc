// The health check a canary runs after it applied a rollout's candidate (`--health-cmd` or
// `--health-url`): a shell command or an HTTP GET, run when the candidate is applied and again
// every recheck_every while it stays applied, whose result is reported through the instance's
// report (FleetReporter::set_health), where the rollout reads it: a canary counts as applied only
// once its check passed, and a failed check (the first or a later one, during the bake) halts the
// rollout like a refusal.
//
//   auto reporter = hotreload::FleetReporter::for_reloader(reloader, fleet, {.health_checked = true});
//   hotreload::RolloutHealthCheck health(reloader.events(), *reporter, {.command = "curl -fs localhost:8080/healthz"});
//
// The command runs with /bin/sh -c, HOTRELOAD_ROLLOUT set to the candidate's version, in a
// process group of its own; exit 0 is healthy; any other status, a signal or the timeout (the
// group is killed) is a failure. Its status comes back through a pipe, not waitpid(), so a
// program that reaps all its children (an init, `hotreload exec`) does not take it away. A URL
// (http:// or https://, in place of a command) is healthy when a GET answers 2xx within the timeout.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "hotreload/events.hpp"
#include "hotreload/fleet_report.hpp"

namespace hotreload {

struct HealthCheckOptions {
  std::string command{};
  std::string url{};  // set: GET this instead of running a command
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // Once a candidate passed, check it again this often for as long as it stays applied (through
  // the bake, until it is promoted or rolled back): a later failure is reported and halts the
  // rollout as the first would. Zero: one check per candidate.
  std::chrono::milliseconds recheck_every{std::chrono::seconds(10)};
};

// Thread-safety: owns one thread that runs the checks, stopped and joined by the destructor (a
// check running then is killed). The bus and the reporter must outlive it.
class RolloutHealthCheck {
 public:
  RolloutHealthCheck(EventBus& events, FleetReporter& reporter, HealthCheckOptions options);
  ~RolloutHealthCheck();
  RolloutHealthCheck(const RolloutHealthCheck&) = delete;
  RolloutHealthCheck& operator=(const RolloutHealthCheck&) = delete;

 private:
  struct State;
  std::shared_ptr<State> state_;
  Subscription subscription_;
};

}  // namespace hotreload
