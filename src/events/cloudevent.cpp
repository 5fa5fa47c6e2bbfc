// Events as CloudEvents 1.0 JSON (structured content mode), one object per event.
#include <algorithm>
#include <cstdio>
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "hotreload/events.hpp"
#include "hotreload/json.hpp"
#include "hotreload/json_text.hpp"

namespace hotreload {
namespace {

using Json = nlohmann::ordered_json;

// The data member: a type's own fields always (so consumers can rely on them), and any other
// field the producer set. The table is in events.hpp.
Json data_of(const Event& event) {
  namespace type = event_type;
  const std::string_view t = event.type;
  const auto is = [t](std::initializer_list<std::string_view> types) {
    return std::find(types.begin(), types.end(), t) != types.end();
  };
  const bool reload = t.starts_with("reload.");

  Json data = Json::object();
  if (reload || event.reload_id != 0) data["reloadId"] = event.reload_id;
  if (reload) data["trigger"] = to_string(event.trigger);
  if (t == type::started) data["timestamp"] = to_rfc3339(event.time);
  if (t == type::failed) {
    data["failedModule"] = event.module.empty() ? Json(nullptr) : Json(event.module);
  } else if (is({type::module_started, type::module_completed}) || !event.module.empty()) {
    data["module"] = event.module;
  }
  if (is({type::completed, type::failed, type::module_completed}) || event.duration.count() != 0) {
    data["durationMs"] = std::chrono::duration<double, std::milli>(event.duration).count();
  }
  if (t == type::completed || !event.status.empty()) {
    data["status"] = event.status.empty() ? std::string("applied") : event.status;
  }
  if (is({type::validated, type::completed}) || !event.changes.empty()) {
    data["changeCount"] = event.changes.size();
    Json changes = Json::array();
    for (const Change& change : event.changes) changes.push_back(to_json(change));
    data["changes"] = std::move(changes);
  }
  if (t == type::completed || event.generation != 0) data["generation"] = event.generation;
  if (t == type::completed || !event.pending_restart.empty()) {
    data["pendingRestart"] = event.pending_restart;
  }
  if (is({type::rolled_back, type::skipped, type::deferral_overdue}) || !event.reason.empty()) {
    data["reason"] = event.reason;
  }
  if (is({type::failed, type::skipped}) || event.consecutive_failures != 0) {
    data["consecutiveFailures"] = event.consecutive_failures;
    data["backoffMs"] = std::chrono::duration<double, std::milli>(event.backoff).count();
  }
  if (t == type::failed || !event.errors.empty()) {
    data["error"] = event.errors.empty() ? Json(nullptr) : Json(event.errors.front().to_string());
    Json errors = Json::array();
    for (const Error& error : event.errors) errors.push_back(to_json(error));
    data["errors"] = std::move(errors);
  }
  if (is({type::file_changed, type::file_missing}) || !event.files.empty()) {
    data["files"] = event.files;
  }
  if (!event.source_versions.empty()) {
    Json versions = Json::object();
    for (const auto& [layer, version] : event.source_versions) versions[layer] = version;
    data["sourceVersions"] = std::move(versions);
  }
  if (event.config) data["config"] = to_json(*event.config);
  return data;
}

}  // namespace

std::string to_rfc3339(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  // floor, not a cast, so an instant before 1970 still lands in the right second.
  const auto micros = floor<microseconds>(time);
  const auto day = floor<days>(micros);
  const year_month_day date{day};
  const hh_mm_ss clock{micros - day};
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()),
                static_cast<long long>(clock.subseconds().count()));
  return text;
}

nlohmann::ordered_json to_cloudevent(const Event& event, std::string_view source) {
  Json out = Json::object();
  out["specversion"] = "1.0";
  out["id"] = std::to_string(event.reload_id) + "-" + std::to_string(event.sequence);
  out["source"] = source;
  out["type"] = event.type;
  out["time"] = to_rfc3339(event.time);
  out["datacontenttype"] = "application/json";
  out["data"] = data_of(event);
  return out;
}

std::string to_cloudevent_line(const Event& event, std::string_view source) {
  return dump_json(to_cloudevent(event, source));
}

}  // namespace hotreload
