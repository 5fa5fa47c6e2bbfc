// Fleet reporting: each instance keeps one etcd key, PREFIX/instances/<id>, saying what it runs
// (generation, the version of each source it applied, a hash of the applied config with secrets
// redacted) and how its last reload attempt ended (applied, failed with the errors, or
// pending_restart), rewritten after every attempt. The key is bound to a lease the reporter keeps
// alive, so it disappears when the instance dies; stop() revokes the lease so it goes at once.
//
//   auto where = hotreload::parse_etcd_url("etcd://10.0.0.1:2379,10.0.0.2:2379/fleet/");
//   auto reporter = hotreload::FleetReporter::for_reloader(reloader, *where, {.instance_id = "web-1"});
//   if (auto started = reporter->start(); !started) { print(started.error()); return 1; }
//   auto watching = hotreload::watch_sources(reloader);   // the initial load is reported too
//
// Writing is asynchronous: a reload never waits for etcd. While etcd cannot be written the
// reporter retries with backoff (EtcdOptions::reconnect), publishing each failure on the
// reloader's bus as a "report.error" event; only the newest report is written once it can be.
// No value of the config reaches the key: errors are the reloader's (secret values already
// scrubbed), and the config hash is taken over the redacted config. docs/ETCD.md shows the JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/events.hpp"
#include "hotreload/fields.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

namespace report_status {
inline constexpr std::string_view applied = "applied";
inline constexpr std::string_view failed = "failed";                    // the last attempt failed
inline constexpr std::string_view pending_restart = "pending_restart";  // applied, restart-only fields waiting
}  // namespace report_status

// The event a reporter's failure to write is published as.
inline constexpr std::string_view report_error_event = "report.error";

// What one instance reports: the value of PREFIX/instances/<id> (JSON, docs/ETCD.md).
struct InstanceReport {
  std::string id{};
  std::uint64_t generation = 0;  // the live snapshot's generation
  std::string status{};          // one of report_status
  // (layer, version) of each versioned source of the live config: an etcd layer's revision.
  std::vector<std::pair<std::string, std::string>> sources{};
  std::string config_hash{};  // sha256 of the live config as JSON, secrets redacted ("" if unknown)
  // When failed: what the failing attempt read, and why it failed (Error::to_string, scrubbed).
  std::vector<std::pair<std::string, std::string>> attempted_sources{};
  std::vector<std::string> errors{};
  std::vector<std::string> pending_restart{};  // restart-only paths changed but not applied
  std::uint64_t reload_id = 0;                 // the attempt this report follows
  std::string trigger{};
  std::string time{};  // RFC 3339 UTC, when the attempt ended
  // With a health check (FleetReportOptions::health_checked, rollout_health.hpp): the result of
  // the last check, run after applying a rollout's candidate, for that candidate's version.
  bool health_checked = false;
  std::string health_version{};  // "rollout-<id>"
  std::string health{};          // "checking", "ok" or "failed"
  std::string health_detail{};   // why it failed ("exit status 3", "timed out after 30s")
};

nlohmann::ordered_json to_json(const InstanceReport& report);
// Errors (parse): text that is not a JSON object with a string "id" and "status".
Result<InstanceReport> parse_instance_report(std::string_view text);

// "<hostname>-<pid>": the default instance id.
std::string default_instance_id();
// PREFIX + "instances/" + id: the key of an instance (location must be a prefix).
std::string instance_key(const EtcdLocation& prefix, std::string_view id);

struct FleetReportOptions {
  std::string instance_id{};  // empty: default_instance_id(); no '/' allowed
  // Connection, TLS, authentication; `reconnect` is the backoff between failed writes.
  EtcdOptions etcd{};
  // The lease's time to live: how long the key outlives an instance that died without stopping.
  // Kept alive every third of it. etcd may raise it to its minimum (about 1.5 s).
  std::chrono::seconds lease_ttl{10};
  // The instance runs a health check after applying a rollout's candidate: a rollout waits for
  // its result (set_health()) before it counts this canary as healthy.
  bool health_checked = false;
};

// Thread-safety: every member may be called from any thread. The reporter owns one thread, from
// start() to stop() (or the destructor), which joins it. The bus and the callbacks it was given
// must outlive the reporter.
class FleetReporter {
 public:
  // The live document and the field rules of the program's reloader: the config hash is taken
  // over fields.redact(live_document()->root).
  using LiveDocument = std::function<std::shared_ptr<const Document>()>;

  // Subscribes to `events` now (reload.completed and reload.failed), so attempts made before
  // start() are reported once it runs. `prefix` is an etcd location with a trailing slash.
  FleetReporter(EtcdLocation prefix, FleetReportOptions options, EventBus& events, LiveDocument live_document,
                FieldRules fields);
  template <class T>
  static std::unique_ptr<FleetReporter> for_reloader(Reloader<T>& reloader, EtcdLocation prefix,
                                                     FleetReportOptions options = {}) {
    return std::make_unique<FleetReporter>(std::move(prefix), std::move(options), reloader.events(),
                                           [&reloader] { return reloader.document(); }, reloader.options().fields);
  }
  ~FleetReporter();
  FleetReporter(const FleetReporter&) = delete;
  FleetReporter& operator=(const FleetReporter&) = delete;

  // Starts writing. Errors (usage), nothing started: a location that is not a prefix or names no
  // member, an instance id that is empty or contains '/', a lease TTL under 1 s. Once only.
  Result<void> start();
  // Stops the thread and revokes the lease (bounded by the etcd request timeout), so the key
  // goes now. Idempotent.
  void stop();

  // Reports the health check of the candidate `version` ("checking", "ok", "failed"), written
  // like any report.
  void set_health(std::string version, std::string status, std::string detail = {});

  const std::string& instance_id() const;
  std::string key() const;  // PREFIX/instances/<id>
  // What was last put (nullopt before the first write) and how many writes succeeded.
  std::optional<InstanceReport> last_written() const;
  std::uint64_t writes() const;
  std::int64_t lease_id() const;  // 0 when none is held

 private:
  struct State;
  std::shared_ptr<State> state_;
  Subscription subscription_;
};

}  // namespace hotreload
