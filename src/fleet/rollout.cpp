// The operator side of a canary rollout: the record written in transactions that compare its
// mod_revision, the canaries' reports read every `poll`, the bake, the promotion (one transaction
// that also compares KEY's mod_revision, so a concurrent writer halts the rollout instead of being
// overwritten), and the halt.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "etcd/etcd_client.hpp"
#include "etcd/etcd_wire.hpp"
#include "hotreload/audit.hpp"
#include "hotreload/duration.hpp"
#include "hotreload/events.hpp"
#include "hotreload/json_text.hpp"
#include "hotreload/rollout.hpp"

namespace hotreload {
namespace {

using detail::etcd::base64_encode;
using detail::etcd::Client;
using detail::etcd::KeyValue;
using SystemClock = std::chrono::system_clock;
using SteadyClock = std::chrono::steady_clock;

Error usage(std::string message) { return Error{ErrorCode::usage, std::move(message), {}, {}}; }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SystemClock::now().time_since_epoch()).count();
}

std::string random_id() {
  std::random_device device;
  std::uint64_t bits = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

// One key (linearizable); nullopt when it does not exist.
Result<std::optional<KeyValue>> get(Client& client, const std::string& key) {
  auto reply = client.call("/v3/kv/range", {{"key", base64_encode(key)}});
  if (!reply) return unexpected(std::move(reply).error());
  auto range = detail::etcd::parse_range_reply(dump_json(*reply));
  if (!range) return unexpected(std::move(range).error());
  if (range->kvs.empty()) return std::optional<KeyValue>{};
  return std::optional<KeyValue>(std::move(range->kvs.front()));
}

nlohmann::json same_mod_revision(const std::string& key, std::int64_t revision) {
  // A key that does not exist compares as mod_revision 0.
  return {{"key", base64_encode(key)}, {"target", "MOD"}, {"result", "EQUAL"}, {"mod_revision", std::to_string(revision)}};
}

nlohmann::json put(const std::string& key, const std::string& value) {
  return {{"request_put", {{"key", base64_encode(key)}, {"value", base64_encode(value)}}}};
}

struct TxnResult {
  bool succeeded = false;
  std::int64_t revision = 0;  // the store revision after it (of the writes when it succeeded)
};

Result<TxnResult> txn(Client& client, nlohmann::json compare, nlohmann::json success) {
  auto reply = client.call("/v3/kv/txn", {{"compare", std::move(compare)}, {"success", std::move(success)}});
  if (!reply) return unexpected(std::move(reply).error());
  TxnResult out;
  out.succeeded = reply->value("succeeded", false);  // false is omitted by the gateway
  if (auto header = reply->find("header"); header != reply->end() && header->contains("revision")) {
    const auto& revision = (*header)["revision"];
    if (revision.is_string()) out.revision = std::stoll(revision.get<std::string>());
  }
  return out;
}

// The live reports under PREFIX/instances/, by id.
Result<std::map<std::string, InstanceReport>> read_reports(Client& client, const EtcdLocation& fleet) {
  EtcdLocation instances = fleet;
  instances.key += "instances/";
  auto reply = client.call("/v3/kv/range", detail::etcd::range_request(instances));
  if (!reply) return unexpected(std::move(reply).error());
  auto range = detail::etcd::parse_range_reply(dump_json(*reply));
  if (!range) return unexpected(std::move(range).error());
  std::map<std::string, InstanceReport> out;
  for (const KeyValue& kv : range->kvs) {
    if (auto report = parse_instance_report(kv.value)) out.emplace(report->id, std::move(*report));
  }
  return out;
}

bool has_version(const std::vector<std::pair<std::string, std::string>>& versions, const std::string& version) {
  return std::any_of(versions.begin(), versions.end(), [&](const auto& entry) { return entry.second == version; });
}

// Does this instance run (or try) the etcd document `key`, whatever members its URL lists?
bool runs_key(const InstanceReport& report, const std::string& key) {
  for (const auto* versions : {&report.sources, &report.attempted_sources}) {
    for (const auto& [layer, version] : *versions) {
      auto where = parse_etcd_url(layer);
      if (where && where->key == key) return true;
    }
  }
  return false;
}

// Where instances running `key` report, when no --fleet names it: every "PREFIX/instances/ID" key
// of KEY's cluster (one keys-only range over the whole keyspace) whose report lists `key` among
// its sources. Done once, when a rollout starts.
Result<std::vector<EtcdLocation>> find_fleets(Client& client, const EtcdLocation& key) {
  const std::string everything(1, '\0');  // key "\0" with range_end "\0": every key
  auto reply = client.call("/v3/kv/range", {{"key", base64_encode(everything)},
                                            {"range_end", base64_encode(everything)},
                                            {"keys_only", true}});
  if (!reply) return unexpected(std::move(reply).error());
  auto range = detail::etcd::parse_range_reply(dump_json(*reply));
  if (!range) return unexpected(std::move(range).error());
  constexpr std::string_view kInstances = "/instances/";
  std::set<std::string> prefixes;
  for (const KeyValue& kv : range->kvs) {
    const std::size_t at = kv.key.rfind(kInstances);
    if (at == std::string::npos || kv.key.size() == at + kInstances.size()) continue;
    prefixes.insert(kv.key.substr(0, at + 1));
  }
  std::vector<EtcdLocation> fleets;
  for (const std::string& prefix : prefixes) {
    EtcdLocation fleet{.endpoints = key.endpoints, .key = prefix};
    auto reports = read_reports(client, fleet);
    if (!reports) return unexpected(std::move(reports).error());
    if (std::any_of(reports->begin(), reports->end(), [&](const auto& entry) { return runs_key(entry.second, key.key); })) {
      fleets.push_back(std::move(fleet));
    }
  }
  return fleets;
}

enum class CanaryState { pending, applied, refused, unhealthy };

// What a canary's report says about the candidate `version`. With a health check, applied means
// applied and the check of this version passed.
CanaryState observe(const InstanceReport& report, const std::string& version) {
  if (report.status == report_status::failed) {
    const bool ours = has_version(report.attempted_sources, version) ||
                      std::any_of(report.errors.begin(), report.errors.end(),
                                  [&](const std::string& error) { return error.find(version) != std::string::npos; });
    if (ours) return CanaryState::refused;
  }
  const bool checked = report.health_checked && report.health_version == version;
  if (checked && report.health == "failed") return CanaryState::unhealthy;
  if (!has_version(report.sources, version)) return CanaryState::pending;
  if (report.health_checked && !(checked && report.health == "ok")) return CanaryState::pending;
  return CanaryState::applied;
}

std::string joined(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// One rollout followed by this process.
class Follower {
 public:
  Follower(const RolloutRequest& request, RolloutRecord record, std::int64_t record_revision, EtcdLocation fleet)
      : request_(request),
        record_key_(rollout_record_key(request.key.key)),
        key_client_(request.key, request.etcd),
        fleet_(std::move(fleet)),
        fleet_client_(fleet_, request.etcd),
        record_(std::move(record)),
        record_revision_(record_revision) {}

  Client& key_client() { return key_client_; }
  const RolloutRecord& record() const { return record_; }

  // Writes `next` if the record is still what we last saw; false when someone else wrote it
  // (then record() is what they wrote).
  Result<bool> write(RolloutRecord next) {
    auto written = txn(key_client_, nlohmann::json::array({same_mod_revision(record_key_, record_revision_)}),
                       nlohmann::json::array({put(record_key_, dump_json(to_json(next)))}));
    if (!written) return unexpected(std::move(written).error());
    if (written->succeeded) {
      record_ = std::move(next);
      record_revision_ = written->revision;
      return true;
    }
    if (auto reread = refresh(); !reread) return unexpected(std::move(reread).error());
    return false;
  }

  // Reads the record again (another process may have aborted it).
  Result<void> refresh() {
    auto kv = get(key_client_, record_key_);
    if (!kv) return unexpected(std::move(kv).error());
    if (!*kv) return unexpected(Error{ErrorCode::io, "the rollout record " + record_key_ + " was deleted", {}, {}});
    auto parsed = parse_rollout_record((*kv)->value);
    if (!parsed) return unexpected(std::move(parsed).error());
    record_ = std::move(*parsed);
    record_revision_ = (*kv)->mod_revision;
    return {};
  }

  Result<RolloutOutcome> follow() {
    const std::string version = rollout_version(record_.id);
    std::map<std::string, CanaryState> seen;
    std::map<std::string, SteadyClock::time_point> missing_since;
    const SteadyClock::time_point following_since = SteadyClock::now();
    while (true) {
      if (auto reread = refresh(); !reread) return unexpected(std::move(reread).error());
      if (record_.phase == rollout_phase::promoting) return promote();
      if (!record_.active()) return finished();
      auto key = get(key_client_, request_.key.key);
      if (!key) return unexpected(std::move(key).error());
      const std::int64_t key_revision = *key ? (*key)->mod_revision : 0;
      if (key_revision != record_.base_revision) {
        return halt(rollout_phase::halted, request_.key.url() + " was written during the rollout (mod_revision " +
                                               std::to_string(record_.base_revision) + " -> " +
                                               std::to_string(key_revision) + "): not overwritten");
      }
      auto reports = read_reports(fleet_client_, fleet_);
      if (!reports) return unexpected(std::move(reports).error());
      bool all_applied = true;
      for (const std::string& id : record_.canaries) {
        auto found = reports->find(id);
        if (found == reports->end()) {
          all_applied = false;
          auto [since, first] = missing_since.emplace(id, SteadyClock::now());
          if (first) say(id + " does not report");
          if (SteadyClock::now() - since->second >= request_.lost_after) {
            return halt(rollout_phase::halted, "canary " + id + " stopped reporting (no " + fleet_.url() + "instances/" +
                                                   id + " for " + std::to_string(request_.lost_after.count()) + " ms)");
          }
          continue;
        }
        missing_since.erase(id);
        const CanaryState state = observe(found->second, version);
        if (state == CanaryState::refused) {
          return halt(rollout_phase::halted,
                      "canary " + id + " refused the candidate: " + joined(found->second.errors, "; "));
        }
        if (state == CanaryState::unhealthy) {
          return halt(rollout_phase::halted, "canary " + id + " failed its health check of the candidate: " +
                                                 found->second.health_detail);
        }
        if (state == CanaryState::applied && seen[id] != CanaryState::applied) say(id + " applied the candidate");
        seen[id] = state;
        if (state != CanaryState::applied) all_applied = false;
      }
      if (record_.phase == rollout_phase::canary && !all_applied && request_.apply_timeout.count() > 0 &&
          SteadyClock::now() - following_since >= request_.apply_timeout) {
        std::vector<std::string> late;
        for (const std::string& id : record_.canaries) {
          if (seen[id] != CanaryState::applied) late.push_back(id);
        }
        return halt(rollout_phase::halted, (late.size() == 1 ? "canary " : "canaries ") + joined(late) +
                                               " did not apply the candidate within " +
                                               format_duration(request_.apply_timeout));
      }
      if (record_.phase == rollout_phase::canary && all_applied) {
        RolloutRecord next = record_;
        next.phase = rollout_phase::baking;
        next.bake_until_ms = now_ms() + record_.bake.count();
        if (auto written = write(next); !written) return unexpected(std::move(written).error());
        else if (*written) say("every canary applied the candidate; baking for " + format_duration(record_.bake));
        continue;
      }
      if (record_.phase == rollout_phase::baking && all_applied && now_ms() >= record_.bake_until_ms) {
        RolloutRecord next = record_;
        next.phase = rollout_phase::promoting;
        if (auto written = write(next); !written) return unexpected(std::move(written).error());
        continue;  // the next pass promotes (as a resumed rollout found in "promoting" would)
      }
      std::this_thread::sleep_for(request_.poll);
    }
  }

  // Marks the rollout `phase` (halted or aborted) with `reason`, then waits for the canaries.
  Result<RolloutOutcome> halt(std::string_view phase, std::string reason) {
    RolloutRecord next = record_;
    next.phase = std::string(phase);
    next.reason = std::move(reason);
    auto written = write(next);
    if (!written) return unexpected(std::move(written).error());
    if (!*written && record_.active()) return halt(phase, next.reason);  // a progress write raced: again
    if (*written) say(std::string(phase) + ": " + record_.reason);
    return finished();
  }

 private:
  // KEY := candidate and the record "done", in one transaction that compares both mod_revisions.
  Result<RolloutOutcome> promote() {
    auto key = get(key_client_, request_.key.key);
    if (!key) return unexpected(std::move(key).error());
    if (*key && sha256_hex((*key)->value) == record_.candidate_hash && (*key)->mod_revision != record_.base_revision) {
      // Promoted by the command that was killed before it could say so.
      return mark_done((*key)->mod_revision);
    }
    RolloutRecord next = record_;
    next.phase = rollout_phase::done;
    auto promoted = txn(key_client_,
                        nlohmann::json::array({same_mod_revision(record_key_, record_revision_),
                                               same_mod_revision(request_.key.key, record_.base_revision)}),
                        nlohmann::json::array({put(request_.key.key, record_.candidate)}));
    if (!promoted) return unexpected(std::move(promoted).error());
    if (!promoted->succeeded) {
      if (auto reread = refresh(); !reread) return unexpected(std::move(reread).error());
      if (record_.phase != rollout_phase::promoting) return finished();  // aborted meanwhile
      const std::int64_t now = *key ? (*key)->mod_revision : 0;
      return halt(rollout_phase::halted, request_.key.url() + " was written during the rollout (mod_revision " +
                                             std::to_string(record_.base_revision) + " -> " + std::to_string(now) +
                                             "): not overwritten");
    }
    return mark_done(promoted->revision);
  }

  Result<RolloutOutcome> mark_done(std::int64_t revision) {
    RolloutRecord next = record_;
    next.phase = rollout_phase::done;
    next.promoted_revision = revision;
    auto written = write(next);
    if (!written) return unexpected(std::move(written).error());
    if (*written) say("promoted: " + request_.key.url() + " holds the candidate (revision " + std::to_string(revision) + ")");
    return finished();
  }

  Result<RolloutOutcome> finished() {
    RolloutOutcome outcome;
    outcome.record = record_;
    outcome.promoted = record_.phase == rollout_phase::done;
    if (outcome.promoted || record_.canaries.empty()) return outcome;
    // Halted or aborted: the canaries read the record and go back to KEY's value.
    const std::string version = rollout_version(record_.id);
    const auto deadline = SteadyClock::now() + request_.rollback_wait;
    while (true) {
      auto reports = read_reports(fleet_client_, fleet_);
      if (!reports) return unexpected(std::move(reports).error());
      outcome.rolled_back.clear();
      outcome.still_on_candidate.clear();
      for (const std::string& id : record_.canaries) {
        auto found = reports->find(id);
        const bool back = found == reports->end() || !has_version(found->second.sources, version);
        (back ? outcome.rolled_back : outcome.still_on_candidate).push_back(id);
      }
      if (outcome.still_on_candidate.empty() || SteadyClock::now() >= deadline) return outcome;
      std::this_thread::sleep_for(request_.poll);
    }
  }

  void say(const std::string& line) const {
    if (request_.progress) request_.progress(line);
  }

  const RolloutRequest& request_;
  const std::string record_key_;
  Client key_client_;
  const EtcdLocation fleet_;
  Client fleet_client_;
  RolloutRecord record_;
  std::int64_t record_revision_ = 0;
};

Result<void> check_key(const RolloutRequest& request) {
  if (request.key.is_prefix() || request.key.key.empty()) {
    return unexpected(usage(request.key.url() + ": a rollout needs a document key, not a prefix"));
  }
  if (request.key.endpoints.empty()) return unexpected(usage(request.key.url() + " names no etcd member"));
  return {};
}

// The active record of KEY, or a usage error saying there is none.
Result<std::pair<RolloutRecord, std::int64_t>> active_record(const RolloutRequest& request) {
  if (auto checked = check_key(request); !checked) return unexpected(checked.error());
  Client client(request.key, request.etcd);
  const std::string record_key = rollout_record_key(request.key.key);
  auto kv = get(client, record_key);
  if (!kv) return unexpected(std::move(kv).error());
  if (!*kv) return unexpected(usage("no rollout in progress on " + request.key.url() + " (no " + record_key + ")"));
  auto record = parse_rollout_record((*kv)->value);
  if (!record) return unexpected(usage(record_key + " is not a rollout record: " + record.error().message));
  if (!record->active()) {
    return unexpected(usage("no rollout in progress on " + request.key.url() + ": rollout " + record->id + " is " +
                            record->phase + (record->reason.empty() ? "" : " (" + record->reason + ")")));
  }
  return std::pair{std::move(*record), (*kv)->mod_revision};
}

Result<EtcdLocation> fleet_of(const RolloutRecord& record) {
  auto fleet = parse_etcd_url(record.fleet);
  if (!fleet) return unexpected(usage("rollout " + record.id + " names no readable fleet prefix: " + fleet.error().message));
  return fleet;
}

}  // namespace

Result<RolloutOutcome> start_rollout(const RolloutRequest& request) {
  if (auto checked = check_key(request); !checked) return unexpected(checked.error());
  if (request.percent < 1 || request.percent > 100) {
    return unexpected(usage("the canary percent must be 1..100, not " + std::to_string(request.percent)));
  }
  if (request.bake.count() < 0) return unexpected(usage("the bake time must not be negative"));
  if (!request.fleet.key.empty() && !request.fleet.is_prefix()) {
    return unexpected(usage("--fleet " + request.fleet.url() + ": the location must be a prefix (end it with /)"));
  }
  Client client(request.key, request.etcd);
  const std::string record_key = rollout_record_key(request.key.key);
  auto existing = get(client, record_key);
  if (!existing) return unexpected(std::move(existing).error());
  std::int64_t record_revision = 0;
  if (*existing) {
    record_revision = (*existing)->mod_revision;
    auto record = parse_rollout_record((*existing)->value);
    if (record && record->active()) {
      return unexpected(usage("rollout " + record->id + " is in progress on " + request.key.url() + " (" +
                              record->phase + "): --resume or --abort it first"));
    }
  }
  EtcdLocation fleet = request.fleet;
  if (fleet.key.empty()) {
    auto found = find_fleets(client, request.key);
    if (!found) return unexpected(std::move(found).error());
    if (found->size() > 1) {
      std::vector<std::string> urls;
      for (const EtcdLocation& location : *found) urls.push_back(location.url());
      return unexpected(usage("instances run " + request.key.url() + " under several report prefixes (" + joined(urls) +
                              "): name one with --fleet"));
    }
    if (found->empty()) {
      RolloutRecord record;
      record.key = request.key.key;
      record.phase = rollout_phase::halted;
      record.reason = "no live instance of this etcd reports running " + request.key.url() +
                      " (start them with --report etcd://.../PREFIX/, or name the prefix with --fleet)";
      return RolloutOutcome{.record = std::move(record)};
    }
    fleet = std::move(found->front());
    if (request.progress) request.progress("fleet: " + fleet.url() + " (instances report there)");
  }
  auto key = get(client, request.key.key);
  if (!key) return unexpected(std::move(key).error());

  Client fleet_client(fleet, request.etcd);
  auto reports = read_reports(fleet_client, fleet);
  if (!reports) return unexpected(std::move(reports).error());
  std::vector<std::string> ids;
  for (const auto& [id, report] : *reports) {
    if (runs_key(report, request.key.key)) ids.push_back(id);
  }

  RolloutRecord record;
  record.id = random_id();
  record.key = request.key.key;
  record.fleet = fleet.url();
  record.candidate = request.candidate;
  record.candidate_hash = sha256_hex(request.candidate);
  record.percent = request.percent;
  record.bake = request.bake;
  record.phase = rollout_phase::canary;
  record.canaries = pick_canaries(ids, request.percent);
  record.base_revision = *key ? (*key)->mod_revision : 0;
  record.started = to_rfc3339(SystemClock::now());
  if (record.canaries.empty()) {
    // Nothing written: no instance could try the candidate, so nothing can vouch for it.
    record.phase = rollout_phase::halted;
    record.reason = "no live instance under " + fleet.url() + "instances/ runs " + request.key.url() +
                    " (start them with --report " + fleet.url() + ")";
    return RolloutOutcome{.record = std::move(record)};
  }
  auto created = txn(client, nlohmann::json::array({same_mod_revision(record_key, record_revision)}),
                     nlohmann::json::array({put(record_key, dump_json(to_json(record)))}));
  if (!created) return unexpected(std::move(created).error());
  if (!created->succeeded) return unexpected(usage("another rollout started on " + request.key.url() + " meanwhile"));
  if (request.progress) {
    request.progress("rollout " + record.id + ": " + std::to_string(record.canaries.size()) + " of " +
                     std::to_string(ids.size()) + " instances canary the candidate: " + joined(record.canaries));
  }
  Follower follower(request, std::move(record), created->revision, fleet);
  return follower.follow();
}

Result<RolloutOutcome> resume_rollout(const RolloutRequest& request) {
  auto active = active_record(request);
  if (!active) return unexpected(active.error());
  auto fleet = fleet_of(active->first);
  if (!fleet) return unexpected(fleet.error());
  if (request.progress) {
    request.progress("resuming rollout " + active->first.id + " (" + active->first.phase +
                     "), canaries: " + joined(active->first.canaries));
  }
  Follower follower(request, std::move(active->first), active->second, std::move(*fleet));
  return follower.follow();
}

Result<RolloutOutcome> abort_rollout(const RolloutRequest& request, std::string reason) {
  auto active = active_record(request);
  if (!active) return unexpected(active.error());
  if (active->first.phase == rollout_phase::promoting) {
    return unexpected(usage("rollout " + active->first.id + " is being promoted: too late to abort (--resume finishes it)"));
  }
  auto fleet = fleet_of(active->first);
  if (!fleet) return unexpected(fleet.error());
  Follower follower(request, std::move(active->first), active->second, std::move(*fleet));
  return follower.halt(rollout_phase::aborted, std::move(reason));
}

}  // namespace hotreload
