#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "hotreload/reloader.hpp"
#include "reload/pipeline_state.hpp"
#include "reload/sections.hpp"

namespace hotreload {

const char* to_string(ReloadStatus status) {
  switch (status) {
    case ReloadStatus::applied: return "applied";
    case ReloadStatus::unchanged: return "unchanged";
    case ReloadStatus::failed: return "failed";
    case ReloadStatus::deferred: return "deferred";
    case ReloadStatus::skipped: return "skipped";
  }
  return "failed";
}

namespace detail {

namespace {

bool truthy(std::string_view text) {
  return text == "1" || text == "true" || text == "TRUE" || text == "True" || text == "yes" || text == "on";
}

}  // namespace

std::string milliseconds_text(std::chrono::nanoseconds duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) + " ms";
}

ReloadOutcome usage_outcome(std::string message) {
  ReloadOutcome outcome;
  outcome.errors.push_back({ErrorCode::usage, std::move(message), {}, {}});
  return outcome;
}

Event make_event(std::string_view type, std::uint64_t id, Trigger trigger) {
  Event event;
  event.type = std::string(type);
  event.reload_id = id;
  event.trigger = trigger;
  event.time = std::chrono::system_clock::now();
  return event;
}

// The schema's x-reload / x-secret declarations first, then the options' own rules, which thus
// win ties (see ReloadOptions::schema).
ReloadOptions with_schema_field_rules(ReloadOptions options) {
  if (!options.schema || options.schema->field_rules.empty()) return options;
  FieldRules merged;
  merged.default_policy = options.fields.default_policy;
  add_schema_field_rules(merged, options.schema->field_rules);
  merged.append(options.fields);
  options.fields = std::move(merged);
  return options;
}

bool dev_mode(const ReloadOptions& options) {
  const Environment env = options.layers.environment ? *options.layers.environment : process_environment();
  for (const auto& [name, value] : env) {
    if (name == "DEV_MODE") return truthy(value);
  }
  return false;
}

Pipeline::Pipeline(ReloadOptions options, PipelineHooks hooks)
    : state_(std::make_unique<State>(std::move(options), std::move(hooks))) {}

Pipeline::~Pipeline() {
  stop();
  if (state_->wake_fd >= 0) ::close(state_->wake_fd);
}

bool Pipeline::started() const { return document() != nullptr; }

std::shared_ptr<const Document> Pipeline::document() const {
  std::lock_guard lock(state_->live_mutex);
  return state_->live_document;
}

std::uint64_t Pipeline::generation() const {
  std::lock_guard lock(state_->live_mutex);
  return state_->generation;
}

EventBus& Pipeline::events() { return state_->events; }
const ReloadOptions& Pipeline::options() const { return state_->options; }

void Pipeline::add_module(ErasedModule module) {
  const auto& enabled = state_->options.enabled_modules;
  const bool listed = enabled.empty() || std::find(enabled.begin(), enabled.end(), module.name) != enabled.end();
  std::lock_guard lock(state_->control_mutex);
  if (!listed) state_->disabled_modules.insert(module.name);
  state_->modules.push_back(std::make_shared<const ErasedModule>(std::move(module)));
}

void Pipeline::set_module_enabled(const std::string& name, bool enabled) {
  std::lock_guard lock(state_->control_mutex);
  if (enabled) {
    state_->disabled_modules.erase(name);
  } else {
    state_->disabled_modules.insert(name);
  }
}

std::vector<std::string> Pipeline::modules() const {
  std::lock_guard lock(state_->control_mutex);
  std::vector<std::string> names;
  for (const auto& module : state_->modules) names.push_back(module->name);
  return names;
}

void Pipeline::set_auto_reload(bool enabled) {
  bool catch_up = false;
  {
    std::lock_guard lock(state_->control_mutex);
    state_->auto_reload = enabled;
    catch_up = enabled && std::exchange(state_->missed_while_disabled, false);
  }
  // A change skipped while disabled is applied now rather than at the next edit.
  if (catch_up && started()) (void)run(Trigger::file);
}

bool Pipeline::auto_reload() const {
  std::lock_guard lock(state_->control_mutex);
  return state_->auto_reload;
}

BackoffState Pipeline::backoff() const {
  std::lock_guard lock(state_->control_mutex);
  return state_->backoff.state();
}

void Pipeline::reset_backoff() {
  std::lock_guard lock(state_->control_mutex);
  state_->backoff.reset();
}

std::uint64_t Pipeline::hold(std::string reason) {
  std::lock_guard lock(state_->defer_mutex);
  const std::uint64_t id = ++state_->next_hold_id;
  state_->holds.emplace(id, std::move(reason));
  return id;
}

void Pipeline::release(std::uint64_t hold_id) {
  std::optional<Trigger> trigger;
  {
    std::lock_guard lock(state_->defer_mutex);
    state_->holds.erase(hold_id);
    if (!state_->holds.empty()) return;
    trigger = std::exchange(state_->deferred_trigger, std::nullopt);
    state_->deferred_since.reset();
    state_->overdue_reported = false;
  }
  // One reload for every request that arrived while held: it reads the files as they are now.
  if (trigger) (void)run(*trigger);
}


ReloadOutcome Pipeline::run(Trigger trigger, const std::vector<std::string>& sections) {
  if (auto refused = refuse_unknown_sections(*state_, sections)) return std::move(*refused);
  return state_->run(trigger, sections, false);
}

std::optional<ReloadOutcome> Pipeline::State::skip_if_automatic(Trigger trigger) {
  if (!is_automatic(trigger)) return std::nullopt;
  Event event = make_event(event_type::skipped, 0, trigger);
  {
    std::lock_guard lock(control_mutex);
    if (!auto_reload) {
      missed_while_disabled = true;
      event.reason = "automatic reloads are disabled";
    } else if (!backoff.allows()) {
      retry_after_backoff = trigger;
      const BackoffState& state = backoff.state();
      event.reason = "backing off after " + std::to_string(state.consecutive_failures) +
                     " consecutive failed reloads; next attempt in " +
                     milliseconds_text(std::max(state.next_attempt - backoff.now(), SteadyClock::duration::zero()));
      event.consecutive_failures = state.consecutive_failures;
      event.backoff = state.delay;
    } else {
      return std::nullopt;
    }
  }
  wake();
  ReloadOutcome outcome;
  outcome.status = ReloadStatus::skipped;
  outcome.skip_reason = event.reason;
  {
    std::lock_guard lock(live_mutex);
    outcome.generation = generation;
  }
  events.publish(std::move(event));
  return outcome;
}

ReloadOutcome Pipeline::State::run(Trigger trigger, const std::vector<std::string>& sections, bool bypass_holds) {
  if (trigger != Trigger::initial && !bypass_holds) {
    std::lock_guard lock(defer_mutex);
    if (!holds.empty()) {
      deferred_trigger = trigger;
      if (!deferred_since) {
        deferred_since = now();
        wake();  // the background thread watches the deferral deadline
      } else if (now() < *deferred_since) {
        // A clock set back would postpone the deadline by the size of the jump: count from now.
        deferred_since = now();
      }
      ReloadOutcome outcome;
      outcome.status = ReloadStatus::deferred;
      std::lock_guard live_lock(live_mutex);
      outcome.generation = generation;
      return outcome;
    }
  }
  if (trigger != Trigger::initial) {
    std::lock_guard lock(live_mutex);
    if (live_document == nullptr) return usage_outcome("reload() before a successful start()");
  }
  if (auto skipped = skip_if_automatic(trigger)) return std::move(*skipped);
  std::lock_guard reload_lock(reload_mutex);
  return run_locked(trigger, sections);
}

}  // namespace detail
}  // namespace hotreload
