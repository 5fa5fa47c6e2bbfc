#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <utility>

#include "hotreload/reloader.hpp"
#include "reload/policy.hpp"

namespace hotreload {

const char* to_string(ReloadStatus status) {
  switch (status) {
    case ReloadStatus::applied: return "applied";
    case ReloadStatus::unchanged: return "unchanged";
    case ReloadStatus::failed: return "failed";
    case ReloadStatus::deferred: return "deferred";
  }
  return "failed";
}

namespace detail {

struct Pipeline::State {
  ReloadOptions options;
  PipelineHooks hooks;
  EventBus events;

  std::mutex reload_mutex;  // serialises run(); guards the fields below it against writers
  std::uint64_t next_reload_id = 0;
  PipelineHooks::Bound live_config;  // guarded by reload_mutex

  std::mutex defer_mutex;                  // guards the two fields below; never held during a reload
  int holds = 0;
  std::optional<Trigger> deferred_trigger;  // the latest trigger that arrived while held

  // Readers outside reloads (document(), generation()) take this short lock, never reload_mutex,
  // so reading the live document never waits for a slow listener.
  mutable std::mutex live_mutex;
  std::shared_ptr<const Document> live_document;  // guarded by live_mutex
  std::uint64_t generation = 0;                    // guarded by live_mutex
};

Pipeline::Pipeline(ReloadOptions options, PipelineHooks hooks)
    : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->hooks = std::move(hooks);
}

Pipeline::~Pipeline() = default;

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

namespace {

using Clock = std::chrono::steady_clock;

Event make_event(std::string_view type, std::uint64_t id, Trigger trigger) {
  Event event;
  event.type = std::string(type);
  event.reload_id = id;
  event.trigger = trigger;
  event.time = std::chrono::system_clock::now();
  return event;
}

}  // namespace

void Pipeline::hold() {
  std::lock_guard lock(state_->defer_mutex);
  ++state_->holds;
}

void Pipeline::release() {
  std::optional<Trigger> trigger;
  {
    std::lock_guard lock(state_->defer_mutex);
    if (--state_->holds > 0) return;
    trigger = std::exchange(state_->deferred_trigger, std::nullopt);
  }
  // One reload for every request that arrived while held: it reads the files as they are now.
  if (trigger) (void)run(*trigger);
}

ReloadOutcome Pipeline::run(Trigger trigger, const std::vector<std::string>& sections) {
  State& s = *state_;
  if (trigger != Trigger::initial) {
    std::lock_guard lock(s.defer_mutex);
    if (s.holds > 0) {
      s.deferred_trigger = trigger;
      ReloadOutcome outcome;
      outcome.status = ReloadStatus::deferred;
      outcome.generation = generation();
      return outcome;
    }
  }
  if (trigger != Trigger::initial && !started()) {
    ReloadOutcome outcome;
    outcome.errors.push_back({ErrorCode::usage, "reload() before a successful start()", {}, {}});
    return outcome;
  }
  std::lock_guard reload_lock(s.reload_mutex);
  const auto started_at = Clock::now();
  const std::uint64_t id = ++s.next_reload_id;
  const std::shared_ptr<const Document> previous_document = document();
  const bool initial = previous_document == nullptr;

  ReloadOutcome outcome;
  outcome.reload_id = id;
  outcome.generation = generation();
  Event started = make_event(event_type::started, id, trigger);
  for (const LayerSpec& layer : s.options.layers.files) started.files.push_back(layer.path);
  s.events.publish(std::move(started));

  auto fail = [&](Errors errors) {
    outcome.status = ReloadStatus::failed;
    outcome.errors = std::move(errors);
    outcome.changes.clear();
    Event event = make_event(event_type::failed, id, trigger);
    event.duration = Clock::now() - started_at;
    event.errors = outcome.errors;
    s.events.publish(event);
    return outcome;
  };

  try {
    auto loaded = load_layers(s.options.layers);
    if (!loaded) return fail(std::move(loaded).error());
    auto candidate = std::make_shared<Document>(std::move(*loaded));

    auto bound = s.hooks.bind(*candidate);
    if (!bound) return fail(std::move(bound).error());

    Errors invalid = s.hooks.validate(s.live_config.get(), bound->get());
    if (!invalid.empty()) return fail(locate_errors(std::move(invalid), *candidate));

    const Value empty_root{Object{}};
    const Value& old_root = initial ? empty_root : previous_document->root;
    std::vector<Change> changes = diff(old_root, candidate->root);

    if (!initial && !sections.empty()) {
      // A reload of named sections keeps every other key at its live value.
      std::vector<Change> outside;
      for (const Change& change : changes) {
        bool inside = std::any_of(sections.begin(), sections.end(),
                                  [&](const std::string& section) { return path_has_prefix(change.path, section); });
        if (!inside) outside.push_back(change);
      }
      if (!outside.empty()) {
        revert_changes(candidate->root, outside, previous_document->root);
        bound = s.hooks.bind(*candidate);
        if (!bound) return fail(std::move(bound).error());
        changes = diff(old_root, candidate->root);
      }
    }

    if (!initial) {
      auto restart = restart_changes(changes, s.options.fields);
      if (!restart.empty()) {
        if (!s.options.apply_dynamic_with_pending_restart) {
          return fail(restart_errors(restart, *previous_document, *candidate, s.options.fields));
        }
        // Keep the restart-only fields at their live values and publish the rest.
        revert_changes(candidate->root, restart, previous_document->root);
        bound = s.hooks.bind(*candidate);
        if (!bound) return fail(std::move(bound).error());
        for (const Change& change : restart) outcome.pending_restart.push_back(change.path);
        changes = diff(old_root, candidate->root);
      }
    }

    redact_changes(changes, s.options.fields);
    Event validated = make_event(event_type::validated, id, trigger);
    validated.changes = changes;
    s.events.publish(validated);

    if (!initial && changes.empty()) {
      outcome.status = ReloadStatus::unchanged;
      return outcome;
    }

    if (!initial) {
      auto verdict = s.hooks.notify(s.live_config.get(), bound->get(), changes);
      if (!verdict) return fail({verdict.error()});
    }

    s.hooks.publish(*bound);
    s.live_config = std::move(*bound);
    {
      std::lock_guard lock(s.live_mutex);
      s.live_document = std::move(candidate);
      outcome.generation = ++s.generation;
    }
    outcome.status = ReloadStatus::applied;
    outcome.changes = std::move(changes);

    Event completed = make_event(event_type::completed, id, trigger);
    completed.duration = Clock::now() - started_at;
    completed.changes = outcome.changes;
    completed.pending_restart = outcome.pending_restart;
    completed.generation = outcome.generation;
    if (s.options.config_in_events) completed.config = s.options.fields.redact(document()->root);
    s.events.publish(completed);
    return outcome;
  } catch (const std::exception& failure) {
    // A validator, listener or from_json threw: report it, keep the old config.
    return fail({Error{ErrorCode::internal, std::string("exception during reload: ") + failure.what(), {}, {}}});
  } catch (...) {
    return fail({Error{ErrorCode::internal, "non-standard exception during reload", {}, {}}});
  }
}

}  // namespace detail
}  // namespace hotreload
