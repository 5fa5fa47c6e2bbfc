#include "reload/module_runner.hpp"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <utility>

namespace hotreload::detail {

namespace {

PhaseResult call_phase(const std::function<ModuleResult(const ModuleCall&)>& phase, const ModuleCall& call) {
  try {
    ModuleResult result = phase(call);
    if (!result) return {PhaseResult::Kind::refused, result.error()};
    return {};
  } catch (const std::exception& failure) {
    return {PhaseResult::Kind::threw, failure.what()};
  } catch (...) {
    return {PhaseResult::Kind::threw, "non-standard exception"};
  }
}

// Shared by the caller and the call's thread, which may outlive the caller's wait.
struct CallState {
  std::mutex mutex;
  std::condition_variable finished_cv;
  bool finished = false;
  bool abandoned = false;  // the caller stopped waiting
  PhaseResult result;
};

}  // namespace

ModuleRunner::~ModuleRunner() { join_all(); }

std::mutex& ModuleRunner::module_mutex(const std::string& module) {
  std::lock_guard lock(mutex_);
  auto& slot = module_mutexes_[module];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

void ModuleRunner::reap_finished() {
  std::lock_guard lock(mutex_);
  stragglers_.remove_if([](const Straggler& straggler) { return straggler.done->load(); });
}

void ModuleRunner::join_all() {
  std::list<Straggler> joining;
  {
    std::lock_guard lock(mutex_);
    joining.swap(stragglers_);
  }
  for (Straggler& straggler : joining) straggler.thread.request_stop();
  joining.clear();  // jthread joins
}

PhaseResult ModuleRunner::run(const std::string& module, std::chrono::milliseconds timeout,
                              const std::function<ModuleResult(const ModuleCall&)>& phase, ModuleCall call,
                              std::function<void()> on_late_success) {
  reap_finished();
  std::mutex& serial = module_mutex(module);
  if (timeout <= std::chrono::milliseconds::zero()) {
    std::lock_guard lock(serial);
    return call_phase(phase, call);
  }

  auto state = std::make_shared<CallState>();
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::jthread thread;
  try {
    thread = std::jthread([state, done, &serial, phase, call = std::move(call),
                           late = std::move(on_late_success)](std::stop_token stop) mutable {
      call.stop = std::move(stop);
      {
        std::lock_guard lock(serial);
        PhaseResult result = call_phase(phase, call);
        bool run_late = false;
        {
          std::lock_guard state_lock(state->mutex);
          state->result = std::move(result);
          state->finished = true;
          run_late = state->abandoned && state->result.ok() && late;
        }
        state->finished_cv.notify_all();
        if (run_late) {
          try {
            late();
          } catch (...) {
            // Nobody is left to tell; the module's own rollback failed.
          }
        }
      }
      done->store(true);
    });
  } catch (const std::exception& failure) {
    return {PhaseResult::Kind::threw, std::string("cannot start a thread for the call: ") + failure.what()};
  }

  std::unique_lock lock(state->mutex);
  if (state->finished_cv.wait_for(lock, timeout, [&] { return state->finished; })) {
    PhaseResult result = state->result;
    lock.unlock();
    thread.join();
    return result;
  }
  state->abandoned = true;
  lock.unlock();
  thread.request_stop();
  std::lock_guard list_lock(mutex_);
  stragglers_.push_back({std::move(thread), std::move(done)});
  return {PhaseResult::Kind::timed_out, {}};
}

}  // namespace hotreload::detail
