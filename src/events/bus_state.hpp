// The shared state behind EventBus and Subscription. Private to src/events.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "hotreload/events.hpp"

namespace hotreload::detail {

// One registered callback. call() runs it without any lock held, after recording the calling
// thread as inside; cancel() closes the slot and waits until no other thread is inside.
struct CallbackSlot {
  explicit CallbackSlot(std::function<void(const Event&)> callback) : callback_(std::move(callback)) {}

  // Runs the callback unless the slot is cancelled. Returns false when it threw (the exception is
  // swallowed: it must not reach the publisher).
  bool call(const Event& event);
  // Closes the slot and waits for calls on other threads to finish. A call on this thread (the
  // callback cancelling itself, possibly through a nested publish) is not waited for: it is the
  // caller. Whoever leaves the slot last destroys the callback, releasing what it captured.
  void cancel();

 private:
  bool enter();
  void leave();

  // Written only under mu_ once cancelled and nobody is inside; read only by threads inside.
  std::function<void(const Event&)> callback_;
  std::mutex mu_;
  std::condition_variable idle_;         // signalled when a thread leaves a cancelled slot
  bool cancelled_ = false;               // guarded by mu_
  std::vector<std::thread::id> inside_;  // guarded by mu_: one entry per call in progress
};

struct BusState {
  std::atomic<std::uint64_t> callback_errors{0};

  std::mutex mu;
  // Copy-on-write, so that publish() can walk the callbacks without holding mu while they run
  // (a callback may subscribe or cancel). Guarded by mu; the vector itself is never modified.
  std::shared_ptr<const std::vector<std::shared_ptr<CallbackSlot>>> slots =
      std::make_shared<const std::vector<std::shared_ptr<CallbackSlot>>>();
  std::vector<std::weak_ptr<EventQueue>> queues;  // guarded by mu
  std::uint64_t last_sequence = 0;                // guarded by mu

  void remove(const std::shared_ptr<CallbackSlot>& slot);
};

}  // namespace hotreload::detail
