// The reload pipeline's shared state: the reload transaction (transaction.cpp), the entry points
// (pipeline.cpp: triggers, backoff, deferral) and the scheduler (scheduler.cpp: the background
// thread, its queue, backoff retries, deferral deadlines, SIGHUP) all work on it. Private to
// src/reload/.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/reclaimer.hpp"
#include "hotreload/reloader.hpp"
#include "reload/module_runner.hpp"
#include "reload/sections.hpp"
#include "reload/sighup.hpp"

namespace hotreload::detail {

using SteadyClock = std::chrono::steady_clock;

// An event of one reload attempt, stamped now.
Event make_event(std::string_view type, std::uint64_t id, Trigger trigger);

struct AsyncRequest {
  Trigger trigger;
  std::vector<std::string> sections;
  std::promise<ReloadOutcome> done;
};

ReloadOptions with_schema_field_rules(ReloadOptions options);
// A failed outcome with one usage error.
ReloadOutcome usage_outcome(std::string message);
// "250 ms".
std::string milliseconds_text(std::chrono::nanoseconds duration);
bool dev_mode(const ReloadOptions& options);

struct Pipeline::State {
  ReloadOptions options;
  PipelineHooks hooks;
  EventBus events;
  ModuleRunner runner;

  std::mutex reload_mutex;  // serialises reloads; guards the fields below it against writers
  std::uint64_t next_reload_id = 0;
  PipelineHooks::Bound live_config;

  // Guards everything down to the next mutex; never held while a module or user hook runs.
  mutable std::mutex control_mutex;
  std::vector<std::shared_ptr<const ErasedModule>> modules;
  std::set<std::string> disabled_modules;
  bool auto_reload = true;
  bool missed_while_disabled = false;  // an automatic reload was skipped while disabled
  Backoff backoff;
  std::optional<Trigger> retry_after_backoff;  // an automatic reload skipped while backing off

  std::mutex defer_mutex;  // guards the fields below; never held during a reload
  std::uint64_t next_hold_id = 0;
  std::map<std::uint64_t, std::string> holds;           // id -> reason
  std::optional<Trigger> deferred_trigger;               // the latest trigger that arrived while held
  std::optional<SteadyClock::time_point> deferred_since;  // when the first of them arrived
  bool overdue_reported = false;

  // Readers outside reloads (document(), generation()) take this short lock, never reload_mutex,
  // so reading the live document never waits for a slow module.
  mutable std::mutex live_mutex;
  std::shared_ptr<const Document> live_document;
  std::uint64_t generation = 0;

  // The background thread and what it serves.
  std::mutex lifecycle_mutex;  // start_background() and stop()
  std::mutex queue_mutex;      // guards queue and accepting
  std::deque<AsyncRequest> queue;
  bool accepting = false;
  int wake_fd = -1;
  std::optional<SighupSubscription> sighup;
  std::jthread loop;

  // Last, so destroyed first: what it still holds is freed while everything else is intact.
  Reclaimer reclaimer;

  State(ReloadOptions opts, PipelineHooks h)
      : options(with_schema_field_rules(std::move(opts))),
        hooks(std::move(h)),
        auto_reload(options.auto_reload && (!options.dev_mode_only || dev_mode(options))),
        backoff(options.backoff, options.clock, options.jitter_random) {}

  SteadyClock::time_point now() const { return options.clock ? options.clock() : SteadyClock::now(); }
  void wake() const {
    const std::uint64_t one = 1;
    if (wake_fd >= 0) (void)!::write(wake_fd, &one, sizeof one);
  }

  ReloadOutcome run(Trigger trigger, const std::vector<std::string>& sections, bool bypass_holds);
  ReloadOutcome run_locked(Trigger trigger, const std::vector<std::string>& sections);
  std::optional<ReloadOutcome> skip_if_automatic(Trigger trigger);
  void serve(std::stop_token stop);
  void serve_queue();
  void serve_deadlines();
};

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


}  // namespace hotreload::detail
