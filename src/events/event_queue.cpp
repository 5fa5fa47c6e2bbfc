#include <algorithm>
#include <utility>

#include "hotreload/events.hpp"

namespace hotreload {

EventQueue::EventQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void EventQueue::push(Event event) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    if (events_.size() == capacity_) {
      events_.pop_front();
      ++dropped_;
    }
    events_.push_back(std::move(event));
  }
  // One event can satisfy one waiter; close() wakes them all.
  ready_.notify_one();
}

std::optional<Event> EventQueue::try_recv() {
  std::lock_guard lock(mu_);
  return pop_locked();
}

std::optional<Event> EventQueue::recv(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  // wait_for measures on the steady clock, so a wall-clock jump does not stretch the timeout.
  ready_.wait_for(lock, timeout, [&] { return !events_.empty() || closed_; });
  return pop_locked();
}

std::optional<Event> EventQueue::recv() {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [&] { return !events_.empty() || closed_; });
  return pop_locked();
}

std::optional<Event> EventQueue::pop_locked() {
  if (events_.empty()) return std::nullopt;
  std::optional<Event> event(std::move(events_.front()));
  events_.pop_front();
  return event;
}

void EventQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  ready_.notify_all();
}

bool EventQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

std::uint64_t EventQueue::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

std::size_t EventQueue::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

}  // namespace hotreload
