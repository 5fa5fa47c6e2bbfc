// The rollout record (KEY.rollout) as JSON, and the cohort rule.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "hotreload/audit.hpp"
#include "hotreload/rollout.hpp"

namespace hotreload {
namespace {

using Json = nlohmann::ordered_json;

std::string string_field(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string{};
}

std::int64_t integer_field(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  return found != object.end() && found->is_number_integer() ? found->get<std::int64_t>() : 0;
}

}  // namespace

bool RolloutRecord::is_canary(std::string_view instance_id) const {
  return std::find(canaries.begin(), canaries.end(), instance_id) != canaries.end();
}

Json to_json(const RolloutRecord& record) {
  Json out = Json::object();
  out["id"] = record.id;
  out["key"] = record.key;
  out["fleet"] = record.fleet;
  out["phase"] = record.phase;
  out["percent"] = record.percent;
  out["bakeMs"] = record.bake.count();
  out["canaries"] = record.canaries;
  out["baseRevision"] = record.base_revision;
  out["bakeUntilMs"] = record.bake_until_ms;
  out["promotedRevision"] = record.promoted_revision;
  out["started"] = record.started;
  out["reason"] = record.reason;
  out["candidateHash"] = record.candidate_hash;
  out["candidate"] = record.candidate;
  return out;
}

Result<RolloutRecord> parse_rollout_record(std::string_view text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return unexpected(Error{ErrorCode::parse, "a rollout record must be a JSON object", {}, {}});
  }
  for (const char* required : {"id", "key", "phase", "candidate"}) {
    if (!parsed.contains(required) || !parsed[required].is_string()) {
      return unexpected(Error{ErrorCode::parse, std::string("a rollout record needs a string \"") + required + "\"", {}, {}});
    }
  }
  RolloutRecord record;
  record.id = string_field(parsed, "id");
  record.key = string_field(parsed, "key");
  record.fleet = string_field(parsed, "fleet");
  record.phase = string_field(parsed, "phase");
  record.percent = static_cast<int>(integer_field(parsed, "percent"));
  record.bake = std::chrono::milliseconds(integer_field(parsed, "bakeMs"));
  if (auto canaries = parsed.find("canaries"); canaries != parsed.end() && canaries->is_array()) {
    for (const auto& id : *canaries) {
      if (id.is_string()) record.canaries.push_back(id.get<std::string>());
    }
  }
  record.base_revision = integer_field(parsed, "baseRevision");
  record.bake_until_ms = integer_field(parsed, "bakeUntilMs");
  record.promoted_revision = integer_field(parsed, "promotedRevision");
  record.started = string_field(parsed, "started");
  record.reason = string_field(parsed, "reason");
  record.candidate_hash = string_field(parsed, "candidateHash");
  record.candidate = string_field(parsed, "candidate");
  return record;
}

std::string rollout_record_key(std::string_view key) { return std::string(key) + ".rollout"; }

std::string rollout_version(std::string_view rollout_id) { return "rollout-" + std::string(rollout_id); }

int cohort_bucket(std::string_view instance_id) {
  const std::string digest = sha256_hex(instance_id);
  return static_cast<int>(std::stoul(digest.substr(0, 8), nullptr, 16) % 100);
}

std::vector<std::string> pick_canaries(std::vector<std::string> instance_ids, int percent) {
  std::sort(instance_ids.begin(), instance_ids.end());
  instance_ids.erase(std::unique(instance_ids.begin(), instance_ids.end()), instance_ids.end());
  std::vector<std::string> picked;
  for (const std::string& id : instance_ids) {
    if (cohort_bucket(id) < percent) picked.push_back(id);
  }
  if (picked.empty() && !instance_ids.empty() && percent > 0) {
    // stable_sort keeps the ids' order among equal buckets: the lowest id wins a tie.
    std::stable_sort(instance_ids.begin(), instance_ids.end(),
                     [](const std::string& a, const std::string& b) { return cohort_bucket(a) < cohort_bucket(b); });
    picked.push_back(instance_ids.front());
  }
  return picked;
}

}  // namespace hotreload
