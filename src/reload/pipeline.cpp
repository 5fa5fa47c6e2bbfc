#include <poll.h>
#include <sys/eventfd.h>
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

std::string milliseconds_text(std::chrono::nanoseconds duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) + " ms";
}

ReloadOutcome usage_outcome(std::string message) {
  ReloadOutcome outcome;
  outcome.errors.push_back({ErrorCode::usage, std::move(message), {}, {}});
  return outcome;
}

}  // namespace

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

namespace {

// A section reload naming a section that exists nowhere fails at once, before it is an attempt.
// (A template so that it can take the private Pipeline::State without naming it.)
template <class State>
std::optional<ReloadOutcome> refuse_unknown_sections(State& s, const std::vector<std::string>& sections) {
  if (sections.empty()) return std::nullopt;
  ReloadOutcome outcome;
  std::shared_ptr<const Document> live;
  {
    std::lock_guard lock(s.live_mutex);
    live = s.live_document;
    outcome.generation = s.generation;
  }
  if (live == nullptr) return std::nullopt;  // before start(): run() says so
  outcome.errors = unknown_sections(sections, *live, [&s] { return load_layers(s.options.layers); });
  if (outcome.errors.empty()) return std::nullopt;
  return outcome;
}

}  // namespace

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

// ---- the background thread ----

Result<void, Errors> Pipeline::start_background() {
  State& s = *state_;
  std::lock_guard lifecycle(s.lifecycle_mutex);
  if (s.loop.joinable()) return {};
  if (s.wake_fd < 0) {
    s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s.wake_fd < 0) {
      return unexpected(Errors{Error{ErrorCode::io, std::string("cannot create an eventfd: ") + std::strerror(errno), {}, {}}});
    }
  }
  if (s.options.reload_on_sighup && !s.sighup) {
    auto subscription = SighupSubscription::subscribe();
    if (!subscription) return unexpected(Errors{subscription.error()});
    s.sighup.emplace(std::move(*subscription));
  }
  {
    std::lock_guard lock(s.queue_mutex);
    s.accepting = true;
  }
  try {
    s.loop = std::jthread([&s](std::stop_token stop) { s.serve(std::move(stop)); });
  } catch (const std::exception& failure) {
    std::lock_guard lock(s.queue_mutex);
    s.accepting = false;
    return unexpected(Errors{Error{ErrorCode::internal, std::string("cannot start the reload thread: ") + failure.what(), {}, {}}});
  }
  return {};
}

void Pipeline::stop() {
  State& s = *state_;
  std::lock_guard lifecycle(s.lifecycle_mutex);
  if (s.loop.joinable()) {
    s.loop.request_stop();
    s.wake();
    if (s.loop.get_id() == std::this_thread::get_id()) {
      s.loop.detach();  // stop() from a reload the thread runs: it ends after that reload
    } else {
      s.loop.join();
    }
    s.loop = std::jthread();
  }
  std::deque<AsyncRequest> abandoned;
  {
    std::lock_guard lock(s.queue_mutex);
    s.accepting = false;
    abandoned.swap(s.queue);
  }
  for (AsyncRequest& request : abandoned) request.done.set_value(usage_outcome("the reloader was stopped"));
  s.sighup.reset();
  s.runner.join_all();
}

std::future<ReloadOutcome> Pipeline::run_async(Trigger trigger, std::vector<std::string> sections) {
  State& s = *state_;
  if (auto refused = refuse_unknown_sections(s, sections)) {
    std::promise<ReloadOutcome> answered;
    answered.set_value(std::move(*refused));
    return answered.get_future();
  }
  AsyncRequest request{trigger, std::move(sections), {}};
  std::future<ReloadOutcome> future = request.done.get_future();
  {
    std::lock_guard lock(s.queue_mutex);
    if (s.accepting) {
      s.queue.push_back(std::move(request));
      s.wake();
      return future;
    }
  }
  request.done.set_value(usage_outcome("the reloader is not running: call start() first"));
  return future;
}

void Pipeline::State::serve(std::stop_token stop) {
  while (!stop.stop_requested()) {
    // Sleep until woken, a SIGHUP, or the nearest deadline (backoff retry, deferral limit).
    std::optional<SteadyClock::time_point> deadline;
    {
      std::lock_guard lock(control_mutex);
      if (retry_after_backoff) deadline = backoff.state().next_attempt;
    }
    if (options.max_defer > std::chrono::milliseconds::zero()) {
      std::lock_guard lock(defer_mutex);
      if (deferred_since && !overdue_reported) {
        if (now() < *deferred_since) deferred_since = now();  // the clock was set back (see run())
        const auto overdue_at = *deferred_since + options.max_defer;
        if (!deadline || overdue_at < *deadline) deadline = overdue_at;
      }
    }
    int timeout_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 60'000));
    }
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {sighup ? sighup->fd() : -1, POLLIN, 0}};
    if (::poll(fds, sighup ? 2 : 1, timeout_ms) < 0 && errno != EINTR) break;
    if (stop.stop_requested()) break;
    std::uint64_t drained = 0;
    (void)!::read(wake_fd, &drained, sizeof drained);
    if (sighup && sighup->consume()) (void)run(Trigger::signal, {}, false);
    serve_queue();
    serve_deadlines();
  }
}

void Pipeline::State::serve_queue() {
  std::deque<AsyncRequest> batch;
  {
    std::lock_guard lock(queue_mutex);
    batch.swap(queue);
  }
  if (batch.empty()) return;
  // Requests that arrived together are answered by one reload per trigger: a full reload when
  // any of them asked for everything, else one over the union of their sections.
  std::map<Trigger, std::vector<AsyncRequest*>> by_trigger;
  for (AsyncRequest& request : batch) by_trigger[request.trigger].push_back(&request);
  for (auto& [trigger, requests] : by_trigger) {
    std::vector<std::string> sections;
    bool everything = false;
    for (AsyncRequest* request : requests) {
      if (request->sections.empty()) everything = true;
      for (const std::string& section : request->sections) {
        if (std::find(sections.begin(), sections.end(), section) == sections.end()) sections.push_back(section);
      }
    }
    if (everything) sections.clear();
    ReloadOutcome outcome = run(trigger, sections, false);
    for (AsyncRequest* request : requests) request->done.set_value(outcome);
  }
}

void Pipeline::State::serve_deadlines() {
  std::optional<Trigger> retry;
  {
    std::lock_guard lock(control_mutex);
    if (retry_after_backoff && backoff.allows()) retry = std::exchange(retry_after_backoff, std::nullopt);
  }
  if (retry) (void)run(*retry, {}, false);

  if (options.max_defer <= std::chrono::milliseconds::zero()) return;
  std::optional<Trigger> overdue;
  Event event = make_event(event_type::deferral_overdue, 0, Trigger::api);
  {
    std::lock_guard lock(defer_mutex);
    if (!deferred_since || overdue_reported || now() < *deferred_since + options.max_defer) return;
    overdue_reported = true;
    overdue = deferred_trigger;
    event.trigger = deferred_trigger.value_or(Trigger::api);
    std::string reasons;
    for (const auto& [id, reason] : holds) reasons += (reasons.empty() ? "" : ", ") + (reason.empty() ? "unnamed" : reason);
    event.reason = "a reload has been deferred for over " + milliseconds_text(options.max_defer) + " by: " + reasons +
                   (options.reload_when_overdue ? "; reloading now" : "");
    if (options.reload_when_overdue) deferred_trigger.reset();
  }
  events.publish(std::move(event));
  if (options.reload_when_overdue && overdue) (void)run(*overdue, {}, true);
}

}  // namespace detail
}  // namespace hotreload
