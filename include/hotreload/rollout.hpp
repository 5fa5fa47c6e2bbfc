// Canary rollouts over etcd: a candidate document for an etcd document key (etcd://ENDPOINTS/KEY)
// goes first to a cohort of canary instances, stays there while they apply it and bake, then is
// written to KEY for every instance; a canary that refuses it, fails its health check, does not
// apply it in time or stops reporting halts the rollout and the canaries go back to KEY's value.
//
// The state lives in one etcd key beside KEY, KEY + ".rollout" (the record, JSON), written only in
// transactions that compare its mod_revision, so two operators never overwrite each other. The
// instances (RolloutSource, rollout_source.hpp) watch the record; the operator (run_rollout())
// reads their reports under the fleet prefix (fleet_report.hpp). docs/ETCD.md walks through it.
//
//   RolloutRequest request{.key = *parse_etcd_url("etcd://10.0.0.1:2379/app/config.yaml"),
//                          .fleet = *parse_etcd_url("etcd://10.0.0.1:2379/fleet/"),
//                          .candidate = text, .percent = 10, .bake = std::chrono::minutes(5)};
//   auto outcome = hotreload::start_rollout(request);   // promoted, halted (with the reason)
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hotreload/etcd.hpp"
#include "hotreload/fleet_report.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

namespace rollout_phase {
inline constexpr std::string_view canary = "canary";    // the canaries are applying the candidate
inline constexpr std::string_view baking = "baking";    // every canary applied it; waiting out the bake
inline constexpr std::string_view promoting = "promoting";  // the bake passed; KEY is being written
inline constexpr std::string_view done = "done";        // promoted: KEY holds the candidate
inline constexpr std::string_view halted = "halted";    // a canary refused it, failed or vanished
inline constexpr std::string_view aborted = "aborted";  // an operator stopped it (--abort)
}  // namespace rollout_phase

// The value of KEY.rollout.
struct RolloutRecord {
  std::string id{};              // random hex, names this rollout
  std::string key{};             // the etcd key rolled out ("/app/config.yaml")
  std::string fleet{};           // the report prefix the canaries were chosen from (etcd://.../fleet/)
  std::string candidate{};       // the document's text, written to KEY on promotion
  std::string candidate_hash{};  // sha256 of the text
  int percent = 0;
  std::chrono::milliseconds bake{0};
  std::string phase{};                  // one of rollout_phase
  std::vector<std::string> canaries{};  // the cohort, fixed when the rollout starts
  std::int64_t base_revision = 0;       // KEY's mod_revision when it started (0: KEY did not exist)
  std::int64_t bake_until_ms = 0;       // baking: unix ms when the bake ends
  std::int64_t promoted_revision = 0;   // done: the revision of the write to KEY
  std::string started{};                // RFC 3339
  std::string reason{};                 // halted, aborted: why

  // Not finished: canaries serve the candidate.
  bool active() const {
    return phase == rollout_phase::canary || phase == rollout_phase::baking || phase == rollout_phase::promoting;
  }
  bool is_canary(std::string_view instance_id) const;
};

nlohmann::ordered_json to_json(const RolloutRecord& record);
// Errors (parse): not a JSON object with string "id", "key", "phase" and "candidate".
Result<RolloutRecord> parse_rollout_record(std::string_view text);

// KEY + ".rollout".
std::string rollout_record_key(std::string_view key);
// The version a canary's layer carries while it serves the candidate: "rollout-<id>". Its report
// shows it in "sources" once applied, in "attemptedSources" (or its errors) once refused.
std::string rollout_version(std::string_view rollout_id);
// The cohort rule: a number 0..99 from the instance id alone (sha256), so an instance that
// restarts, and a retried rollout, land where they did.
int cohort_bucket(std::string_view instance_id);
// The ids whose bucket is below `percent`; when that picks none of a non-empty list, the one with
// the lowest bucket (ties: the lowest id): a canary rollout always has a canary. Sorted.
std::vector<std::string> pick_canaries(std::vector<std::string> instance_ids, int percent);

struct RolloutRequest {
  EtcdLocation key{};    // a document key, not a prefix
  // The --report prefix of the instances (start only; resume reads the record). Empty: found in
  // KEY's cluster, as the one PREFIX whose PREFIX/instances/ID reports list KEY among their sources.
  EtcdLocation fleet{};
  EtcdOptions etcd{};    // both locations' connection options
  std::string candidate{};
  int percent = 10;  // 1..100
  std::chrono::milliseconds bake{std::chrono::minutes(5)};
  // How often the reports and the record are read while waiting.
  std::chrono::milliseconds poll{200};
  // A canary whose report is missing this long has stopped reporting: the rollout halts.
  std::chrono::milliseconds lost_after{std::chrono::seconds(10)};
  // A canary that has not applied the candidate (and passed its health check) this long after
  // the command began following the canary phase halts the rollout: it reports, but neither
  // applies nor refuses (its watch is stuck, its check hangs). Zero: wait for ever.
  std::chrono::milliseconds apply_timeout{std::chrono::minutes(5)};
  // After a halt: how long to wait for the canaries to report they left the candidate.
  std::chrono::milliseconds rollback_wait{std::chrono::seconds(30)};
  // Progress lines ("canaries: a, b", "b applied the candidate", ...), from the calling thread.
  std::function<void(const std::string&)> progress{};
};

struct RolloutOutcome {
  RolloutRecord record{};                // as last written or read
  bool promoted = false;                 // KEY holds the candidate
  std::vector<std::string> rolled_back{};  // after a halt: canaries seen back on KEY's value
  std::vector<std::string> still_on_candidate{};  // after a halt: not seen back within rollback_wait
};

// Starts a rollout of request.candidate and follows it to the end (blocking): promoted, or
// halted with the reason in record.reason. When no live instance reports KEY under the fleet
// prefix (or, with no fleet given, under any prefix) it halts before writing anything (nothing
// could canary the candidate). Errors: usage (a prefix as KEY, a percent outside 1..100, a
// negative bake, a rollout already active on KEY, no fleet given and instances running KEY under
// several prefixes), io (etcd unreachable).
Result<RolloutOutcome> start_rollout(const RolloutRequest& request);
// Follows the active rollout of request.key from its recorded phase (after the command that
// started it was killed). Errors: usage when no rollout is active on KEY; io.
Result<RolloutOutcome> resume_rollout(const RolloutRequest& request);
// Marks the active rollout of request.key aborted (the canaries go back to KEY's value) and waits
// up to rollback_wait for them to report it. Errors: usage when none is active or it is being
// promoted already; io.
Result<RolloutOutcome> abort_rollout(const RolloutRequest& request, std::string reason = "aborted by an operator");

}  // namespace hotreload
