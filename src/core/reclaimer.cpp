#include "core/reclaimer.hpp"

#include <utility>

namespace hotreload::detail {

Reclaimer::~Reclaimer() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void Reclaimer::retire(std::shared_ptr<const void> garbage) {
  if (garbage == nullptr || garbage.use_count() > 1) return;  // freeing nothing: not worth a hand-off
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(garbage));
  ++retired_;
  if (!thread_.joinable()) thread_ = std::jthread([this](std::stop_token stop) { serve(std::move(stop)); });
  wake_.notify_one();
}

void Reclaimer::drain() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = retired_;
  drained_.wait(lock, [&] { return dropped_ >= target; });
}

void Reclaimer::serve(std::stop_token stop) {
  std::vector<std::shared_ptr<const void>> batch;
  std::unique_lock lock(mutex_);
  while (true) {
    // Stopping still frees what was queued: the destructor's promise.
    wake_.wait(lock, stop, [&] { return !queue_.empty(); });
    if (queue_.empty()) return;  // stopped, nothing left
    batch.swap(queue_);
    lock.unlock();
    const std::uint64_t count = batch.size();
    batch.clear();  // the frees, outside the lock
    lock.lock();
    dropped_ += count;
    drained_.notify_all();
  }
}

}  // namespace hotreload::detail
