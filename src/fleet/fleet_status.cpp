#include "hotreload/fleet_status.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "etcd/etcd_client.hpp"
#include "etcd/etcd_wire.hpp"

namespace hotreload {
namespace {

using Json = nlohmann::ordered_json;

// A version that orders: a decimal integer (an etcd revision).
std::optional<std::int64_t> ordered_version(const std::string& version) {
  std::int64_t value = 0;
  const char* end = version.data() + version.size();
  auto [stop, error] = std::from_chars(version.data(), end, value);
  if (version.empty() || error != std::errc{} || stop != end) return std::nullopt;
  return value;
}

const std::string* version_of(const std::vector<std::pair<std::string, std::string>>& versions,
                              const std::string& layer) {
  for (const auto& [name, version] : versions) {
    if (name == layer) return &version;
  }
  return nullptr;
}

Json versions_json(const std::vector<std::pair<std::string, std::string>>& versions) {
  Json out = Json::object();
  for (const auto& [layer, version] : versions) out[layer] = version;
  return out;
}

}  // namespace

std::size_t FleetStatus::on_newest_count() const {
  return static_cast<std::size_t>(std::count(on_newest.begin(), on_newest.end(), true));
}

FleetStatus summarize_fleet(std::vector<InstanceReport> reports,
                            const std::vector<std::pair<std::string, std::string>>& last_changes) {
  FleetStatus status;
  std::sort(reports.begin(), reports.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::map<std::string, std::int64_t> newest;
  for (const auto& [layer, version] : last_changes) {
    if (auto value = ordered_version(version)) newest[layer] = *value;
  }
  std::map<std::string, std::int64_t> reported;
  for (const InstanceReport& report : reports) {
    for (const auto* versions : {&report.sources, &report.attempted_sources}) {
      for (const auto& [layer, version] : *versions) {
        if (auto value = ordered_version(version)) {
          auto [slot, inserted] = reported.emplace(layer, *value);
          if (!inserted) slot->second = std::max(slot->second, *value);
        }
      }
    }
  }
  for (const auto& [layer, value] : reported) newest.emplace(layer, value);  // where etcd gave none
  for (const auto& [layer, value] : newest) status.newest.emplace_back(layer, std::to_string(value));

  for (const InstanceReport& report : reports) {
    bool current = report.status == report_status::applied;
    for (const auto& [layer, value] : newest) {
      const std::string* mine = version_of(report.sources, layer);
      if (mine == nullptr) continue;  // a layer this instance does not have
      auto ordered = ordered_version(*mine);
      if (!ordered || *ordered < value) current = false;
    }
    status.on_newest.push_back(current);

    auto group = std::find_if(status.groups.begin(), status.groups.end(),
                              [&](const FleetGroup& g) { return g.config_hash == report.config_hash; });
    if (group == status.groups.end()) {
      status.groups.push_back({report.config_hash, {}});
      group = status.groups.end() - 1;
    }
    group->instances.push_back(report.id);
  }
  std::stable_sort(status.groups.begin(), status.groups.end(),
                   [](const FleetGroup& a, const FleetGroup& b) { return a.instances.size() > b.instances.size(); });
  status.instances = std::move(reports);
  return status;
}

namespace {

// The highest mod_revision of the layer's keys now: the revision of its last put. nullopt when
// the layer's etcd cannot be read.
std::optional<std::int64_t> last_change(const EtcdLocation& layer, const EtcdOptions& options) {
  detail::etcd::Client client(layer, options);
  nlohmann::json request = detail::etcd::range_request(layer);
  request["keys_only"] = true;
  request["limit"] = "1";
  request["sort_order"] = "DESCEND";
  request["sort_target"] = "MOD";
  auto reply = client.call("/v3/kv/range", request);
  if (!reply) return std::nullopt;
  if (!reply->contains("kvs") || !(*reply)["kvs"].is_array() || (*reply)["kvs"].empty()) return 0;
  const auto& kv = (*reply)["kvs"][0];
  if (!kv.contains("mod_revision") || !kv["mod_revision"].is_string()) return std::nullopt;
  return ordered_version(kv["mod_revision"].get<std::string>());
}

}  // namespace

Result<FleetStatus> read_fleet_status(const EtcdLocation& prefix, const EtcdOptions& options) {
  if (!prefix.is_prefix()) {
    return unexpected(Error{ErrorCode::usage, prefix.url() + ": the location must be a prefix (end it with /)", {}, {}});
  }
  EtcdLocation instances = prefix;
  instances.key += "instances/";
  detail::etcd::Client client(prefix, options);
  auto reply = client.call("/v3/kv/range", detail::etcd::range_request(instances));
  if (!reply) return unexpected(std::move(reply).error());
  auto range = detail::etcd::parse_range_reply(reply->dump());
  if (!range) return unexpected(std::move(range).error());
  std::vector<InstanceReport> reports;
  std::vector<std::string> unreadable;
  for (const auto& kv : range->kvs) {
    auto report = parse_instance_report(kv.value);
    if (report) {
      reports.push_back(std::move(*report));
    } else {
      unreadable.push_back(kv.key);
    }
  }
  std::vector<std::pair<std::string, std::string>> last_changes;
  std::vector<std::string> layers;
  for (const InstanceReport& report : reports) {
    for (const auto* versions : {&report.sources, &report.attempted_sources}) {
      for (const auto& [layer, version] : *versions) {
        if (is_etcd_url(layer) && std::find(layers.begin(), layers.end(), layer) == layers.end()) layers.push_back(layer);
      }
    }
  }
  for (const std::string& layer : layers) {
    auto where = parse_etcd_url(layer);
    if (!where) continue;
    if (auto revision = last_change(*where, options)) last_changes.emplace_back(layer, std::to_string(*revision));
  }
  FleetStatus status = summarize_fleet(std::move(reports), last_changes);
  status.prefix = prefix.url();
  status.unreadable = std::move(unreadable);
  return status;
}

Json to_json(const FleetStatus& status) {
  Json out = Json::object();
  out["prefix"] = status.prefix;
  out["live"] = status.live();
  out["onNewest"] = status.on_newest_count();
  out["share"] = status.live() == 0 ? 0.0 : static_cast<double>(status.on_newest_count()) / status.live();
  out["converged"] = status.converged();
  out["newest"] = versions_json(status.newest);
  Json groups = Json::array();
  for (const FleetGroup& group : status.groups) {
    groups.push_back({{"configHash", group.config_hash},
                      {"instances", group.instances}});
  }
  out["groups"] = std::move(groups);
  Json instances = Json::array();
  Json failed = Json::array();
  Json pending = Json::array();
  for (std::size_t i = 0; i < status.instances.size(); ++i) {
    const InstanceReport& report = status.instances[i];
    Json entry = to_json(report);
    entry["onNewest"] = static_cast<bool>(status.on_newest[i]);
    instances.push_back(std::move(entry));
    if (report.status == report_status::failed) failed.push_back({{"id", report.id}, {"errors", report.errors}});
    if (!report.pending_restart.empty()) pending.push_back({{"id", report.id}, {"fields", report.pending_restart}});
  }
  out["instances"] = std::move(instances);
  out["failed"] = std::move(failed);
  out["pendingRestart"] = std::move(pending);
  out["unreadable"] = status.unreadable;
  return out;
}

}  // namespace hotreload
