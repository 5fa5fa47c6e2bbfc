#include "reload/module_commit.hpp"

#include <algorithm>
#include <utility>

#include "hotreload/path.hpp"

namespace hotreload::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string milliseconds_text(std::chrono::milliseconds duration) { return std::to_string(duration.count()) + " ms"; }

class TwoPhaseCommit {
 public:
  TwoPhaseCommit(const ModuleCommitContext& context, const std::vector<ModuleParticipant>& participants)
      : context_(context), participants_(participants) {}

  std::optional<ModuleFailure> run() {
    if (auto failure = prepare_all()) return failure;
    return commit_all();
  }

 private:
  std::chrono::milliseconds timeout_of(const ErasedModule& module) const {
    return module.timeout > std::chrono::milliseconds::zero() ? module.timeout : context_.default_timeout;
  }

  // abort and rollback report nothing the reload could act on, only whether they finished.
  PhaseResult call_quietly(const ModuleParticipant& p, const std::function<void(const ModuleCall&)>& phase) const {
    if (!phase) return PhaseResult{};
    return context_.runner.run(p.module->name, timeout_of(*p.module),
                               [&phase](const ModuleCall& call) -> ModuleResult {
                                 phase(call);
                                 return {};
                               },
                               p.call);
  }

  std::string describe(const ModuleParticipant& p, std::string_view verb, const PhaseResult& result) const {
    const std::string& name = p.module->name;
    switch (result.kind) {
      case PhaseResult::Kind::ok: break;
      case PhaseResult::Kind::refused:
        return std::string(verb == "prepare" ? "vetoed by " : "commit failed in ") + name + ": " + result.reason;
      case PhaseResult::Kind::threw:
        return "module " + name + " threw during " + std::string(verb) + ": " + result.reason;
      case PhaseResult::Kind::timed_out:
        return "module " + name + " did not " + std::string(verb) + " within " + milliseconds_text(timeout_of(*p.module));
    }
    return {};
  }

  std::optional<ModuleFailure> prepare_all() {
    started_.assign(participants_.size(), {});
    for (std::size_t i = 0; i < participants_.size(); ++i) {
      const ModuleParticipant& p = participants_[i];
      started_[i] = SteadyClock::now();
      Event module_started = context_.make_event(event_type::module_started);
      module_started.module = p.module->name;
      context_.publish(std::move(module_started));
      PhaseResult prepared = p.module->prepare
                                 ? context_.runner.run(p.module->name, timeout_of(*p.module), p.module->prepare, p.call)
                                 : PhaseResult{};
      if (prepared.ok()) continue;
      for (std::size_t j = i; j-- > 0;) (void)call_quietly(participants_[j], participants_[j].module->abort);
      const ErrorCode code = prepared.kind == PhaseResult::Kind::refused     ? ErrorCode::vetoed
                             : prepared.kind == PhaseResult::Kind::timed_out ? ErrorCode::timeout
                                                                             : ErrorCode::internal;
      return ModuleFailure{Error{code, describe(p, "prepare", prepared), {}, {}}, p.module->name, false};
    }
    return std::nullopt;
  }

  std::optional<ModuleFailure> commit_all() {
    for (std::size_t i = 0; i < participants_.size(); ++i) {
      const ModuleParticipant& p = participants_[i];
      PhaseResult committed;
      if (p.module->commit) {
        // A commit that overruns and then succeeds is undone on its own thread.
        auto late_rollback = [module = p.module, call = p.call] {
          if (module->rollback) module->rollback(call);
        };
        committed = context_.runner.run(p.module->name, timeout_of(*p.module), p.module->commit, p.call, late_rollback);
      }
      if (!committed.ok()) return roll_back(i, committed);
      Event module_completed = context_.make_event(event_type::module_completed);
      module_completed.module = p.module->name;
      module_completed.duration = SteadyClock::now() - started_[i];
      context_.publish(std::move(module_completed));
    }
    return std::nullopt;
  }

  // The commit of participant `failed` did not succeed: undo the ones before it, abort the rest.
  ModuleFailure roll_back(std::size_t failed, const PhaseResult& committed) {
    const ModuleParticipant& p = participants_[failed];
    std::string reason = describe(p, "commit", committed);
    std::string rolled;
    for (std::size_t j = failed; j-- > 0;) {
      PhaseResult undone = call_quietly(participants_[j], participants_[j].module->rollback);
      rolled += (rolled.empty() ? "" : ", ") + participants_[j].module->name;
      if (!undone.ok()) rolled += " (its rollback failed: " + describe(participants_[j], "roll back", undone) + ")";
    }
    // The modules after the failed one prepared but never committed.
    for (std::size_t j = failed + 1; j < participants_.size(); ++j) {
      (void)call_quietly(participants_[j], participants_[j].module->abort);
    }
    Event rolled_back = context_.make_event(event_type::rolled_back);
    rolled_back.module = p.module->name;
    rolled_back.reason = reason + "; rolled back: " + (rolled.empty() ? std::string("none") : rolled);
    context_.publish(std::move(rolled_back));
    const ErrorCode code = committed.kind == PhaseResult::Kind::timed_out ? ErrorCode::timeout : ErrorCode::module_failed;
    return ModuleFailure{Error{code, std::move(reason), {}, {}}, p.module->name, true};
  }

  const ModuleCommitContext& context_;
  const std::vector<ModuleParticipant>& participants_;
  std::vector<SteadyClock::time_point> started_;  // when each participant's prepare began
};

}  // namespace

std::vector<Change> changes_for(const ErasedModule& module, const std::vector<Change>& changes) {
  if (module.sections.empty()) return changes;
  std::vector<Change> mine;
  for (const Change& change : changes) {
    bool hit = std::any_of(module.sections.begin(), module.sections.end(), [&](const std::string& section) {
      return path_has_prefix(change.path, section) || path_has_prefix(section, change.path);
    });
    if (hit) mine.push_back(change);
  }
  return mine;
}

std::optional<ModuleFailure> prepare_and_commit(const ModuleCommitContext& context,
                                                const std::vector<ModuleParticipant>& participants) {
  return TwoPhaseCommit(context, participants).run();
}

}  // namespace hotreload::detail
