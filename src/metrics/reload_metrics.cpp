// ReloadMetrics: each reload event becomes a few atomic updates.
#include "hotreload/reload_metrics.hpp"

#include "hotreload/error.hpp"

namespace hotreload {
namespace {

constexpr Trigger kTriggers[] = {Trigger::initial, Trigger::file, Trigger::signal, Trigger::api,
                                 Trigger::http,    Trigger::etcd, Trigger::url};

// The reason label of a failure: the first error's code, a word from a fixed set. Never the
// message, which may quote a (non-secret but unbounded) value.
std::string_view failure_reason(const Event& event) {
  return event.errors.empty() ? std::string_view("unknown") : std::string_view(to_string(event.errors.front().code));
}

double seconds(std::chrono::nanoseconds elapsed) { return std::chrono::duration<double>(elapsed).count(); }

std::int64_t since_epoch_ns(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

}  // namespace

std::string_view ReloadMetrics::BoundedLabels::admit(std::string_view value) {
  {
    std::shared_lock lock(mu_);
    if (auto found = known_.find(value); found != known_.end()) return *found;
    if (known_.size() >= limit_) return kOther;
  }
  std::unique_lock lock(mu_);
  if (auto found = known_.find(value); found != known_.end()) return *found;
  if (known_.size() >= limit_) return kOther;
  // std::set never moves its elements, so the view stays valid as long as this object.
  return *known_.emplace(value).first;
}

ReloadMetrics::ReloadMetrics(EventBus& events, MetricsRegistry& registry, ReloadMetricsOptions options)
    : options_(std::move(options)),
      attempts_(registry.counter(options_.prefix + "reload_attempts_total",
                                 "Reload attempts started, by what triggered them.", {"trigger"})),
      failures_(registry.counter(options_.prefix + "reload_failures_total",
                                 "Failed reload attempts (the old config stayed live), by trigger and the first "
                                 "error's code.",
                                 {"trigger", "reason"})),
      outcomes_(registry.counter(options_.prefix + "reload_outcomes_total",
                                 "Reload attempts by how they ended: applied, unchanged (nothing to change), failed "
                                 "or skipped.",
                                 {"trigger", "outcome"})),
      rollbacks_(registry
                     .counter(options_.prefix + "reload_rollbacks_total",
                              "Reloads whose module commit failed and whose committed modules were rolled back.")
                     .with()),
      duration_(registry.histogram(options_.prefix + "reload_duration_seconds",
                                   "Time from the start of a reload to its completion or failure.",
                                   options_.duration_buckets, {"outcome"})),
      module_duration_(registry.histogram(options_.prefix + "module_reload_duration_seconds",
                                          "Time a module took to apply a reload, by module.",
                                          options_.duration_buckets, {"module"})),
      generation_(registry.gauge(options_.prefix + "config_generation",
                                 "Generation of the live config: 1 after the first load, +1 per applied reload.")
                      .with()),
      last_success_timestamp_(registry
                                  .gauge(options_.prefix + "last_success_timestamp_seconds",
                                         "Unix time of the last successful reload (0: none seen yet).")
                                  .with()),
      consecutive_failures_(registry
                                .gauge(options_.prefix + "consecutive_failures",
                                       "Failed reload attempts since the last successful one.")
                                .with()),
      backoff_seconds_(registry
                           .gauge(options_.prefix + "reload_backoff_seconds",
                                  "How long automatic reloads currently wait after consecutive failures (0: none).")
                           .with()),
      watched_files_(registry.gauge(options_.prefix + "watched_files", "Config files being watched.").with()),
      file_events_(registry.counter(options_.prefix + "file_events_total",
                                    "Watched config files seen changed or missing.", {"event"})),
      flag_evaluations_(registry.counter(options_.prefix + "flag_evaluations_total",
                                         "Feature flag evaluations, by flag and reason (\"other\" past the limits).",
                                         {"flag", "reason"})),
      flags_(options_.max_flags),
      flag_reasons_(options_.max_flag_reasons),
      seconds_since_(registry.gauge_callback(options_.prefix + "seconds_since_last_success",
                                             "Seconds since the last successful reload, computed at scrape time "
                                             "(no sample until one is seen).",
                                             [this] { return seconds_since_last_success(); })) {
  // Series that exist from the start, so rate() and alerts see a 0 rather than nothing.
  for (Trigger trigger : kTriggers) (void)attempts_.with({to_string(trigger)});
  for (std::string_view outcome : {"success", "failure"}) (void)duration_.with({outcome});
  for (std::string_view event : {"changed", "missing"}) (void)file_events_.with({event});
  subscription_ = events.subscribe([this](const Event& event) { on_event(event); });
}

void ReloadMetrics::set_last_success(std::chrono::system_clock::time_point time) {
  last_success_ns_.store(since_epoch_ns(time), std::memory_order_relaxed);
  last_success_timestamp_.set(std::chrono::duration<double>(time.time_since_epoch()).count());
}

void ReloadMetrics::record_success(std::chrono::system_clock::time_point time) {
  set_last_success(time);
  {
    std::lock_guard lock(failures_mu_);
    failure_streak_ = 0;
    consecutive_failures_.set(0);
  }
  backoff_seconds_.set(0);  // a success resets the backoff
}

std::optional<double> ReloadMetrics::seconds_since_last_success() const {
  const std::int64_t last = last_success_ns_.load(std::memory_order_relaxed);
  if (last == kNever) return std::nullopt;
  const auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  return static_cast<double>(since_epoch_ns(now) - last) / 1e9;
}

void ReloadMetrics::on_event(const Event& event) {
  const std::string_view type = event.type;
  if (type == event_type::started) {
    attempts_.with({to_string(event.trigger)}).inc();
  } else if (type == event_type::completed) {
    // "unchanged" is a success too: for the failure streak and the staleness gauge.
    const bool unchanged = event.status == "unchanged";
    outcomes_.with({to_string(event.trigger), unchanged ? "unchanged" : "applied"}).inc();
    duration_.with({"success"}).observe(event.duration);
    generation_.set(static_cast<double>(event.generation));
    record_success(event.time);
  } else if (type == event_type::failed) {
    failures_.with({to_string(event.trigger), failure_reason(event)}).inc();
    outcomes_.with({to_string(event.trigger), "failed"}).inc();
    duration_.with({"failure"}).observe(event.duration);
    {
      std::lock_guard lock(failures_mu_);
      consecutive_failures_.set(static_cast<double>(++failure_streak_));
    }
    backoff_seconds_.set(seconds(event.backoff));
  } else if (type == event_type::skipped) {
    outcomes_.with({to_string(event.trigger), "skipped"}).inc();
    backoff_seconds_.set(seconds(event.backoff));
  } else if (type == event_type::rolled_back) {
    rollbacks_.inc();
  } else if (type == event_type::module_completed) {
    module_duration_.with({event.module}).observe(event.duration);
  } else if (type == event_type::file_changed) {
    file_events_.with({"changed"}).inc();
  } else if (type == event_type::file_missing) {
    file_events_.with({"missing"}).inc();
  }
}

void ReloadMetrics::count_flag_evaluation(std::string_view flag, std::string_view reason) {
  flag_evaluations_.with({flags_.admit(flag), flag_reasons_.admit(reason)}).inc();
}

}  // namespace hotreload
