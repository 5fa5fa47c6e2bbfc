// FleetReporter: the reloader's events become the newest report (on the reloading thread, cheap);
// one thread writes it: a lease granted, the key put with it, the lease kept alive every third of
// its TTL, a lost lease (expired while etcd was unreachable, or revoked) replaced and the key put
// again. Any failure drops the lease (the next write takes a new one; the old expires by itself)
// and waits out the backoff, so etcd being down never blocks a reload.
#include "hotreload/fleet_report.hpp"

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include <nlohmann/json.hpp>

#include "etcd/etcd_client.hpp"
#include "etcd/etcd_wire.hpp"
#include "hotreload/audit.hpp"
#include "hotreload/backoff.hpp"
#include "hotreload/json.hpp"
#include "hotreload/json_text.hpp"

namespace hotreload {
namespace {

using Json = nlohmann::ordered_json;
using Versions = std::vector<std::pair<std::string, std::string>>;
using SteadyClock = std::chrono::steady_clock;

Json versions_json(const Versions& versions) {
  Json out = Json::object();
  for (const auto& [layer, version] : versions) out[layer] = version;
  return out;
}

Versions versions_from(const nlohmann::json& object) {
  Versions out;
  if (!object.is_object()) return out;
  for (const auto& [layer, version] : object.items()) {
    if (version.is_string()) out.emplace_back(layer, version.get<std::string>());
  }
  return out;
}

std::vector<std::string> strings_from(const nlohmann::json& array) {
  std::vector<std::string> out;
  if (!array.is_array()) return out;
  for (const auto& item : array) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// int64 fields of the gateway are JSON strings; a missing one is 0 (the enum/number default).
std::int64_t int64_field(const nlohmann::json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) return 0;
  const auto& field = object[name];
  if (field.is_number_integer()) return field.get<std::int64_t>();
  if (!field.is_string()) return 0;
  try {
    return std::stoll(field.get<std::string>());
  } catch (...) {
    return 0;
  }
}

}  // namespace

Json to_json(const InstanceReport& report) {
  Json out = Json::object();
  out["id"] = report.id;
  out["generation"] = report.generation;
  out["status"] = report.status;
  out["sources"] = versions_json(report.sources);
  out["configHash"] = report.config_hash;
  out["errors"] = report.errors;
  out["attemptedSources"] = versions_json(report.attempted_sources);
  out["pendingRestart"] = report.pending_restart;
  out["reloadId"] = report.reload_id;
  out["trigger"] = report.trigger;
  out["time"] = report.time;
  if (report.health_checked) {
    out["health"] = {{"version", report.health_version}, {"status", report.health}, {"detail", report.health_detail}};
  }
  return out;
}

Result<InstanceReport> parse_instance_report(std::string_view text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return unexpected(Error{ErrorCode::parse, "an instance report must be a JSON object", {}, {}});
  }
  if (!parsed.contains("id") || !parsed["id"].is_string() || !parsed.contains("status") ||
      !parsed["status"].is_string()) {
    return unexpected(Error{ErrorCode::parse, "an instance report needs a string \"id\" and \"status\"", {}, {}});
  }
  InstanceReport report;
  report.id = parsed["id"].get<std::string>();
  report.status = parsed["status"].get<std::string>();
  if (parsed.contains("generation") && parsed["generation"].is_number_unsigned()) {
    report.generation = parsed["generation"].get<std::uint64_t>();
  }
  if (parsed.contains("sources")) report.sources = versions_from(parsed["sources"]);
  if (parsed.contains("configHash") && parsed["configHash"].is_string()) {
    report.config_hash = parsed["configHash"].get<std::string>();
  }
  if (parsed.contains("errors")) report.errors = strings_from(parsed["errors"]);
  if (parsed.contains("attemptedSources")) report.attempted_sources = versions_from(parsed["attemptedSources"]);
  if (parsed.contains("pendingRestart")) report.pending_restart = strings_from(parsed["pendingRestart"]);
  if (parsed.contains("reloadId") && parsed["reloadId"].is_number_unsigned()) {
    report.reload_id = parsed["reloadId"].get<std::uint64_t>();
  }
  if (parsed.contains("trigger") && parsed["trigger"].is_string()) report.trigger = parsed["trigger"].get<std::string>();
  if (parsed.contains("time") && parsed["time"].is_string()) report.time = parsed["time"].get<std::string>();
  if (auto health = parsed.find("health"); health != parsed.end() && health->is_object()) {
    report.health_checked = true;
    report.health_version = health->value("version", "");
    report.health = health->value("status", "");
    report.health_detail = health->value("detail", "");
  }
  return report;
}

std::string default_instance_id() {
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "host");
  std::string id = std::string(host) + "-" + std::to_string(::getpid());
  for (char& c : id) {
    if (c == '/') c = '_';
  }
  return id;
}

std::string instance_key(const EtcdLocation& prefix, std::string_view id) {
  return prefix.key + "instances/" + std::string(id);
}

struct FleetReporter::State {
  State(EtcdLocation where, FleetReportOptions with, EventBus& bus, LiveDocument document, FieldRules rules)
      : location(std::move(where)),
        options(std::move(with)),
        events(bus),
        live_document(std::move(document)),
        fields(std::move(rules)),
        client(location, options.etcd) {
    if (options.instance_id.empty()) options.instance_id = default_instance_id();
    key = instance_key(location, options.instance_id);
  }

  const EtcdLocation location;
  FleetReportOptions options;  // instance_id filled in by the constructor, then fixed
  EventBus& events;
  const LiveDocument live_document;
  const FieldRules fields;
  detail::etcd::Client client;
  std::string key;  // fixed after construction

  mutable std::mutex mu;
  std::condition_variable_any wake;           // a new report, or stop
  InstanceReport current;                     // guarded by mu: the newest report
  std::uint64_t version = 0;                  // guarded by mu: bumped per report; 0 = none yet
  std::optional<InstanceReport> written;      // guarded by mu
  std::uint64_t writes = 0;                   // guarded by mu
  std::int64_t lease = 0;                     // guarded by mu (written by the thread only)

  std::mutex lifecycle;
  bool started = false;  // guarded by lifecycle
  std::jthread thread;   // guarded by lifecycle

  void on_event(const Event& event);
  void run(std::stop_token stop);
  // One write, or a keepalive when nothing changed; false after a failure (reported).
  bool step(std::uint64_t& written_version, SteadyClock::time_point& next_keepalive);
  void report_failure(const Error& error);
  std::string config_hash() const;
};

std::string FleetReporter::State::config_hash() const {
  if (!live_document) return {};
  std::shared_ptr<const Document> document = live_document();
  if (!document) return {};
  // Redacted first: a hash of a secret would let anyone with read access to etcd test guesses.
  return sha256_hex(dump_json(to_json(fields.redact(document->root))));
}

void FleetReporter::State::on_event(const Event& event) {
  const bool completed = event.type == event_type::completed;
  const bool failed = event.type == event_type::failed;
  if (!completed && !failed) return;
  // Outside the lock: the hash reads the live document (the reloader's own lock).
  std::string hash = completed ? config_hash() : std::string{};
  std::lock_guard lock(mu);
  InstanceReport& report = current;
  report.id = options.instance_id;
  report.health_checked = options.health_checked;
  report.reload_id = event.reload_id;
  report.trigger = to_string(event.trigger);
  report.time = to_rfc3339(event.time);
  if (completed) {
    report.generation = event.generation;
    report.sources = event.source_versions;
    report.config_hash = std::move(hash);
    report.pending_restart = event.pending_restart;
    report.status = std::string(event.pending_restart.empty() ? report_status::applied : report_status::pending_restart);
    report.errors.clear();
    report.attempted_sources.clear();
  } else {
    // The live config (generation, sources, hash) is still the last applied one.
    report.status = std::string(report_status::failed);
    report.attempted_sources = event.source_versions;
    report.errors.clear();
    for (const Error& error : event.errors) report.errors.push_back(error.to_string());
  }
  ++version;
  wake.notify_all();
}

void FleetReporter::State::report_failure(const Error& error) {
  Event event;
  event.type = std::string(report_error_event);
  event.errors = {error};
  event.files = {location.url() + "instances/" + options.instance_id};
  events.publish(std::move(event));
}

bool FleetReporter::State::step(std::uint64_t& written_version, SteadyClock::time_point& next_keepalive) {
  std::int64_t held;
  std::uint64_t want;
  InstanceReport report;
  {
    std::lock_guard lock(mu);
    held = lease;
    want = version;
    report = current;
  }
  auto fail = [&](Error error) {
    error.message = "fleet report " + key + ": " + error.message;
    {
      std::lock_guard lock(mu);
      lease = 0;
    }
    written_version = 0;
    report_failure(error);
    return false;
  };
  const auto ttl = std::chrono::seconds(options.lease_ttl);
  if (held == 0) {
    auto granted = client.call("/v3/lease/grant", {{"TTL", ttl.count()}});
    if (!granted) return fail(std::move(granted).error());
    held = int64_field(*granted, "ID");
    if (held == 0) return fail(Error{ErrorCode::io, "the lease grant reply has no ID", {location.url(), 0, 0}, {}});
    std::int64_t granted_ttl = int64_field(*granted, "TTL");
    if (granted_ttl <= 0) granted_ttl = ttl.count();
    next_keepalive = SteadyClock::now() + std::chrono::milliseconds(granted_ttl * 1000 / 3);
    {
      std::lock_guard lock(mu);
      lease = held;
    }
    written_version = 0;  // a new lease: the key must be put with it
  }
  if (want != written_version) {
    nlohmann::json body = {{"key", detail::etcd::base64_encode(key)},
                           {"value", detail::etcd::base64_encode(dump_json(to_json(report)))},
                           {"lease", std::to_string(held)}};
    auto put = client.call("/v3/kv/put", body);
    if (!put) return fail(std::move(put).error());
    written_version = want;
    std::lock_guard lock(mu);
    written = std::move(report);
    ++writes;
    return true;
  }
  if (SteadyClock::now() >= next_keepalive) {
    auto kept = client.call("/v3/lease/keepalive", {{"ID", std::to_string(held)}});
    if (!kept) return fail(std::move(kept).error());
    const nlohmann::json& result = kept->contains("result") ? (*kept)["result"] : *kept;
    const std::int64_t remaining = int64_field(result, "TTL");
    if (remaining <= 0) {
      // Expired (etcd unreachable for longer than the TTL) or revoked: etcd deleted the key.
      std::lock_guard lock(mu);
      lease = 0;
      written_version = 0;
      return true;  // the next step grants a new lease and puts the key again at once
    }
    next_keepalive = SteadyClock::now() + std::chrono::milliseconds(remaining * 1000 / 3);
  }
  return true;
}

void FleetReporter::State::run(std::stop_token stop) {
  Backoff backoff(options.etcd.reconnect);
  std::uint64_t written_version = 0;
  auto next_keepalive = SteadyClock::time_point::max();
  auto retry_at = SteadyClock::time_point::min();
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mu);
      if (SteadyClock::now() < retry_at) {
        // Backing off: a newer report waits with the rest; stop still wakes us.
        wake.wait_until(lock, stop, retry_at, [] { return false; });
      } else {
        const auto deadline = lease != 0 ? next_keepalive : SteadyClock::time_point::max();
        wake.wait_until(lock, stop, deadline, [&] { return version != 0 && (version != written_version || lease == 0); });
      }
    }
    if (stop.stop_requested()) break;
    {
      std::lock_guard lock(mu);
      if (version == 0) continue;  // nothing to report yet
    }
    if (step(written_version, next_keepalive)) {
      if (backoff.state().consecutive_failures > 0) backoff.record_success();
      retry_at = SteadyClock::time_point::min();
    } else {
      backoff.record_failure();
      retry_at = SteadyClock::now() + backoff.state().delay;
    }
  }
}

FleetReporter::FleetReporter(EtcdLocation prefix, FleetReportOptions options, EventBus& events,
                             LiveDocument live_document, FieldRules fields)
    : state_(std::make_shared<State>(std::move(prefix), std::move(options), events, std::move(live_document),
                                     std::move(fields))) {
  subscription_ = events.subscribe([state = state_](const Event& event) { state->on_event(event); });
}

FleetReporter::~FleetReporter() {
  stop();
  subscription_.cancel();
}

Result<void> FleetReporter::start() {
  State& s = *state_;
  auto usage = [](std::string message) { return unexpected(Error{ErrorCode::usage, std::move(message), {}, {}}); };
  if (!s.location.is_prefix()) return usage("--report " + s.location.url() + ": the location must be a prefix (end it with /)");
  if (s.location.endpoints.empty()) return usage("--report " + s.location.url() + " names no etcd member");
  if (s.options.instance_id.find('/') != std::string::npos) {
    return usage("instance id \"" + s.options.instance_id + "\" must not contain '/'");
  }
  if (s.options.lease_ttl < std::chrono::seconds(1)) return usage("the report lease TTL must be at least 1 s");
  std::lock_guard lock(s.lifecycle);
  if (s.started) return {};
  s.started = true;
  s.client.reset_interrupt();
  s.thread = std::jthread([&s](std::stop_token stop) { s.run(stop); });
  return {};
}

void FleetReporter::stop() {
  State& s = *state_;
  std::lock_guard lock(s.lifecycle);
  if (!s.thread.joinable()) return;
  s.thread.request_stop();
  s.client.interrupt();  // a request in flight returns now
  s.thread.join();
  s.client.reset_interrupt();
  std::int64_t held;
  {
    std::lock_guard state_lock(s.mu);
    held = std::exchange(s.lease, 0);
  }
  // Best effort: if etcd cannot be reached the lease expires by itself within its TTL.
  if (held != 0) (void)s.client.call("/v3/lease/revoke", {{"ID", std::to_string(held)}});
}

void FleetReporter::set_health(std::string version, std::string status, std::string detail) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  s.current.health_checked = true;
  s.current.health_version = std::move(version);
  s.current.health = std::move(status);
  s.current.health_detail = std::move(detail);
  if (s.current.id.empty()) s.current.id = s.options.instance_id;
  ++s.version;
  s.wake.notify_all();
}

const std::string& FleetReporter::instance_id() const { return state_->options.instance_id; }
std::string FleetReporter::key() const { return state_->key; }

std::optional<InstanceReport> FleetReporter::last_written() const {
  std::lock_guard lock(state_->mu);
  return state_->written;
}

std::uint64_t FleetReporter::writes() const {
  std::lock_guard lock(state_->mu);
  return state_->writes;
}

std::int64_t FleetReporter::lease_id() const {
  std::lock_guard lock(state_->mu);
  return state_->lease;
}

}  // namespace hotreload
