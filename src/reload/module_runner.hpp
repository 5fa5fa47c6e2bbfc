// Runs one phase of one module with a deadline. A call that overruns is not waited for: it keeps
// running on its own thread (C++ cannot cancel it), is asked to stop through its stop_token, and
// is joined when the runner is destroyed. Calls into the same module never overlap, so a module
// whose commit overran sees its late rollback before its next prepare.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "hotreload/module.hpp"

namespace hotreload::detail {

struct PhaseResult {
  enum class Kind { ok, refused, threw, timed_out } kind = Kind::ok;
  std::string reason;  // refused: the module's reason; threw: what(); timed_out: empty
  bool ok() const { return kind == Kind::ok; }
};

class ModuleRunner {
 public:
  ModuleRunner() = default;
  ModuleRunner(const ModuleRunner&) = delete;
  ModuleRunner& operator=(const ModuleRunner&) = delete;
  ~ModuleRunner();

  // Runs `phase` of the module named `module` with `call`. A zero timeout waits forever (on the
  // calling thread). `on_late_success` runs on the call's thread if it overran and then
  // succeeded: the reload has already given up, so a late commit must be undone.
  PhaseResult run(const std::string& module, std::chrono::milliseconds timeout,
                  const std::function<ModuleResult(const ModuleCall&)>& phase, ModuleCall call,
                  std::function<void()> on_late_success = {});

  // Asks every overrunning call to stop and waits for them all.
  void join_all();

 private:
  std::mutex& module_mutex(const std::string& module);
  void reap_finished();

  struct Straggler {
    std::jthread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex mutex_;  // guards the two containers
  std::map<std::string, std::unique_ptr<std::mutex>> module_mutexes_;
  std::list<Straggler> stragglers_;
};

}  // namespace hotreload::detail
