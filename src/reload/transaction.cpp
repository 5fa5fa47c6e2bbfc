// The reload transaction: one attempt, top to bottom. Load the layers; shape the candidate by the
// reload's sections and the restart policy; check the shaped candidate once (schema, binding,
// validators), so what is published is exactly what passed; diff; let the modules prepare and
// commit; publish. Every exit publishes exactly one outcome event: reload.completed (status
// "applied" or "unchanged") or reload.failed.
#include <algorithm>
#include <exception>
#include <utility>

#include "hotreload/path.hpp"
#include "reload/module_commit.hpp"
#include "reload/pipeline_state.hpp"
#include "reload/policy.hpp"

namespace hotreload::detail {
namespace {

// What the sections and the restart policy made of the loaded candidate.
struct Shaped {
  std::vector<Change> changes;                  // live -> shaped candidate
  std::vector<Change> refused_restart;          // restart-only changes that fail the reload
  std::vector<std::string> pending_restart;     // restart-only changes kept at their live values
};

}  // namespace

class ReloadTransaction {
 public:
  ReloadTransaction(Pipeline::State& state, Trigger trigger, const std::vector<std::string>& sections)
      : s_(state), trigger_(trigger), sections_(sections) {}

  ReloadOutcome run() {
    begin();
    try {
      auto loaded = load_layers(s_.options.layers);
      if (!loaded) return fail(std::move(loaded).error());
      auto candidate = std::make_shared<Document>(std::move(*loaded));
      tried_ = candidate;
      versions_ = source_versions(*candidate);

      Shaped shaped = shape(*candidate);
      auto bound = check(*candidate);
      if (!bound) return fail(std::move(bound).error());
      if (!shaped.refused_restart.empty()) {
        return fail(restart_errors(shaped.refused_restart, *previous_, *candidate, s_.options.fields));
      }

      std::vector<Change> changes = std::move(shaped.changes);
      outcome_.pending_restart = std::move(shaped.pending_restart);
      redact_changes(changes, s_.options.fields);
      Event validated = event(event_type::validated);
      validated.changes = changes;
      s_.events.publish(std::move(validated));

      if (!initial() && changes.empty()) return unchanged();
      if (!initial()) {
        if (auto refused = run_modules(changes, *bound)) {
          outcome_.rolled_back = refused->rolled_back;
          return fail({std::move(refused->error)}, std::move(refused->module));
        }
      }
      return publish(std::move(candidate), std::move(*bound), std::move(changes));
    } catch (const std::exception& failure) {
      // A validator or from_json threw: report it, keep the old config.
      return fail({Error{ErrorCode::internal, std::string("exception during reload: ") + failure.what(), {}, {}}});
    } catch (...) {
      return fail({Error{ErrorCode::internal, "non-standard exception during reload", {}, {}}});
    }
  }

  // The same load, shaping and check without an attempt: no reload id, no events, no modules,
  // nothing published. What `hotreload validate` and a program's pre-flight check run.
  Result<std::shared_ptr<const Document>, Errors> dry_run() {
    {
      std::lock_guard lock(s_.live_mutex);
      previous_ = s_.live_document;
    }
    Errors errors;
    std::shared_ptr<Document> candidate;
    try {
      auto loaded = load_layers(s_.options.layers);
      if (!loaded) return unexpected(std::move(loaded).error());
      candidate = std::make_shared<Document>(std::move(*loaded));
      Shaped shaped = shape(*candidate);
      if (auto bound = check(*candidate); !bound) {
        errors = std::move(bound).error();
      } else if (!shaped.refused_restart.empty()) {
        errors = restart_errors(shaped.refused_restart, *previous_, *candidate, s_.options.fields);
      }
    } catch (const std::exception& failure) {
      errors = {Error{ErrorCode::internal, std::string("exception during the check: ") + failure.what(), {}, {}}};
    }
    if (errors.empty()) return std::shared_ptr<const Document>(std::move(candidate));
    if (candidate) redact_errors(errors, candidate->root, s_.options.fields);
    return unexpected(std::move(errors));
  }

 private:
  bool initial() const { return previous_ == nullptr; }
  Event event(std::string_view type) const { return make_event(type, outcome_.reload_id, trigger_); }

  void begin() {
    started_at_ = SteadyClock::now();
    outcome_.reload_id = ++s_.next_reload_id;
    {
      std::lock_guard lock(s_.live_mutex);
      previous_ = s_.live_document;
      outcome_.generation = s_.generation;
    }
    {
      // This reload reads the files as they are now: a retry queued by the backoff is answered.
      std::lock_guard lock(s_.control_mutex);
      s_.retry_after_backoff.reset();
    }
    Event started = event(event_type::started);
    for (const LayerSpec& layer : s_.options.layers.files) started.files.push_back(layer.path);
    s_.events.publish(std::move(started));
  }

  // A reload of named sections keeps every other key at its live value; a restart-only change is
  // either refused or kept at its live value (pending). Nothing here judges the result: check() does,
  // once, on exactly what would be published.
  Shaped shape(Document& candidate) const {
    Shaped shaped;
    if (initial()) {
      shaped.changes = diff(Value{Object{}}, candidate.root);
      return shaped;
    }
    const Value& live = previous_->root;
    shaped.changes = diff(live, candidate.root);
    bool reverted = false;
    if (!sections_.empty()) {
      std::vector<Change> outside;
      for (const Change& change : shaped.changes) {
        bool inside = std::any_of(sections_.begin(), sections_.end(),
                                  [&](const std::string& section) { return path_has_prefix(change.path, section); });
        if (!inside) outside.push_back(change);
      }
      if (!outside.empty()) {
        revert_changes(candidate.root, outside, live);
        shaped.changes = diff(live, candidate.root);
      }
    }
    std::vector<Change> restart = restart_changes(shaped.changes, s_.options.fields);
    if (!restart.empty()) {
      if (!s_.options.apply_dynamic_with_pending_restart) {
        shaped.refused_restart = std::move(restart);
        return shaped;
      }
      revert_changes(candidate.root, restart, live);
      for (const Change& change : restart) shaped.pending_restart.push_back(change.path);
      reverted = true;
    }
    if (reverted) shaped.changes = diff(live, candidate.root);
    return shaped;
  }

  // The schema first (its errors point at the values), then the binding, then every validator.
  Result<PipelineHooks::Bound, Errors> check(const Document& candidate) const {
    if (s_.options.schema) {
      if (Errors violations = s_.options.schema->schema.validate(candidate); !violations.empty()) {
        return unexpected(std::move(violations));
      }
    }
    auto bound = s_.hooks.bind(candidate);
    if (!bound) return bound;
    Errors invalid = s_.hooks.validate(s_.live_config.get(), bound->get());
    if (!invalid.empty()) return unexpected(locate_errors(std::move(invalid), candidate));
    return bound;
  }

  std::optional<ModuleFailure> run_modules(const std::vector<Change>& changes, const PipelineHooks::Bound& next) {
    std::vector<ModuleParticipant> participants;
    {
      std::lock_guard lock(s_.control_mutex);
      for (const auto& module : s_.modules) {
        if (s_.disabled_modules.count(module->name) != 0) continue;
        auto mine = changes_for(*module, changes);
        if (mine.empty()) continue;
        participants.push_back({module, ModuleCall{s_.live_config, next,
                                                   std::make_shared<const std::vector<Change>>(std::move(mine)),
                                                   trigger_, outcome_.reload_id, {}}});
      }
    }
    const ModuleCommitContext context{s_.runner, s_.options.module_timeout,
                                      [this](Event e) { s_.events.publish(std::move(e)); },
                                      [this](std::string_view type) { return event(type); }};
    return prepare_and_commit(context, participants);
  }

  ReloadOutcome publish(std::shared_ptr<const Document> candidate, PipelineHooks::Bound bound,
                        std::vector<Change> changes) {
    s_.hooks.publish(bound);
    PipelineHooks::Bound replaced_config = std::exchange(s_.live_config, std::move(bound));
    std::shared_ptr<const Document> replaced_document;
    {
      std::lock_guard lock(s_.live_mutex);
      replaced_document = std::exchange(s_.live_document, std::move(candidate));
      outcome_.generation = ++s_.generation;
    }
    if (!initial()) record_success();
    outcome_.status = ReloadStatus::applied;
    outcome_.changes = std::move(changes);
    Event completed = completion("applied");
    completed.changes = outcome_.changes;
    if (s_.options.config_in_events) {
      std::lock_guard lock(s_.live_mutex);
      completed.config = s_.options.fields.redact(s_.live_document->root);
    }
    s_.events.publish(std::move(completed));
    previous_.reset();  // the same document as replaced_document: one holder left to free it
    if (s_.options.free_replaced_in_background) {
      s_.reclaimer.retire(std::move(replaced_config));
      s_.reclaimer.retire(std::move(replaced_document));
    }
    return outcome_;
  }

  // The files hold what is live: a success for the backoff, and one completed event that says so.
  ReloadOutcome unchanged() {
    record_success();
    outcome_.status = ReloadStatus::unchanged;
    s_.events.publish(completion("unchanged"));
    return outcome_;
  }

  Event completion(std::string status) const {
    Event completed = event(event_type::completed);
    completed.status = std::move(status);
    completed.duration = SteadyClock::now() - started_at_;
    completed.generation = outcome_.generation;
    completed.source_versions = versions_;
    // "unchanged" too: a restart-only change kept at its live value leaves nothing else to apply.
    completed.pending_restart = outcome_.pending_restart;
    return completed;
  }

  void record_success() {
    std::lock_guard lock(s_.control_mutex);
    s_.backoff.record_success();
  }

  ReloadOutcome fail(Errors errors, std::string module = {}) {
    if (tried_) redact_errors(errors, tried_->root, s_.options.fields);
    outcome_.status = ReloadStatus::failed;
    outcome_.errors = std::move(errors);
    outcome_.failed_module = module;
    outcome_.changes.clear();
    Event failed = event(event_type::failed);
    failed.duration = SteadyClock::now() - started_at_;
    failed.errors = outcome_.errors;
    failed.module = std::move(module);
    failed.source_versions = versions_;
    if (!initial()) {
      std::lock_guard lock(s_.control_mutex);
      s_.backoff.record_failure();
      failed.consecutive_failures = s_.backoff.state().consecutive_failures;
      failed.backoff = s_.backoff.state().delay;
    }
    s_.events.publish(std::move(failed));
    return outcome_;
  }

  Pipeline::State& s_;
  const Trigger trigger_;
  const std::vector<std::string>& sections_;
  SteadyClock::time_point started_at_;
  std::shared_ptr<const Document> previous_;  // null on the initial load
  std::shared_ptr<const Document> tried_;     // once loaded: its secret values are scrubbed from errors
  std::vector<std::pair<std::string, std::string>> versions_;  // of the sources this attempt read
  ReloadOutcome outcome_;
};

Result<std::shared_ptr<const Document>, Errors> Pipeline::dry_run() {
  static const std::vector<std::string> everything;
  std::lock_guard reload_lock(state_->reload_mutex);  // validators never run concurrently
  return ReloadTransaction(*state_, Trigger::api, everything).dry_run();
}

ReloadOutcome Pipeline::State::run_locked(Trigger trigger, const std::vector<std::string>& sections) {
  return ReloadTransaction(*this, trigger, sections).run();
}

}  // namespace hotreload::detail
