#include <algorithm>
#include <utility>

#include "events/bus_state.hpp"
#include "hotreload/events.hpp"

namespace hotreload {
namespace detail {

bool CallbackSlot::enter() {
  std::lock_guard lock(mu_);
  if (cancelled_) return false;
  inside_.push_back(std::this_thread::get_id());
  return true;
}

void CallbackSlot::leave() {
  std::function<void(const Event&)> released;
  {
    std::lock_guard lock(mu_);
    inside_.erase(std::find(inside_.begin(), inside_.end(), std::this_thread::get_id()));
    if (cancelled_) {
      if (inside_.empty()) released = std::move(callback_);
      idle_.notify_all();  // only cancel() waits, and it sets cancelled_ first
    }
  }
  // `released` dies here, outside the lock: its captures' destructors may do anything.
}

bool CallbackSlot::call(const Event& event) {
  if (!enter()) return true;
  bool ok = true;
  try {
    callback_(event);
  } catch (...) {
    ok = false;
  }
  leave();
  return ok;
}

void CallbackSlot::cancel() {
  const auto self = std::this_thread::get_id();
  std::function<void(const Event&)> released;
  {
    std::unique_lock lock(mu_);
    cancelled_ = true;
    idle_.wait(lock, [&] {
      return std::all_of(inside_.begin(), inside_.end(), [&](std::thread::id id) { return id == self; });
    });
    if (inside_.empty()) released = std::move(callback_);
  }
}

void BusState::remove(const std::shared_ptr<CallbackSlot>& slot) {
  std::lock_guard lock(mu);
  auto next = std::make_shared<std::vector<std::shared_ptr<CallbackSlot>>>();
  next->reserve(slots->size());
  for (const auto& existing : *slots) {
    if (existing != slot) next->push_back(existing);
  }
  slots = std::move(next);
}

}  // namespace detail

Subscription::Subscription(std::weak_ptr<detail::BusState> bus,
                           std::shared_ptr<detail::CallbackSlot> slot)
    : bus_(std::move(bus)), slot_(std::move(slot)) {}

Subscription::Subscription(Subscription&& other) noexcept
    : bus_(std::move(other.bus_)), slot_(std::move(other.slot_)) {}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    cancel();
    bus_ = std::move(other.bus_);
    slot_ = std::move(other.slot_);
  }
  return *this;
}

Subscription::~Subscription() { cancel(); }

void Subscription::cancel() {
  // Take the members first: when the callback cancels itself, the handle may be destroyed by
  // whatever the callback owns, so nothing below may touch `this`.
  auto slot = std::move(slot_);
  auto bus = std::move(bus_);
  if (!slot) return;
  // Close the slot before unlinking it: a publish that already copied the slot list still holds
  // it, and must find it closed.
  slot->cancel();
  if (auto state = bus.lock()) state->remove(slot);
}

bool Subscription::active() const { return slot_ != nullptr && !bus_.expired(); }

EventBus::EventBus() : state_(std::make_shared<detail::BusState>()) {}

EventBus::~EventBus() {
  std::lock_guard lock(state_->mu);
  for (const auto& weak : state_->queues) {
    if (auto queue = weak.lock()) queue->close();
  }
}

Subscription EventBus::subscribe(std::function<void(const Event&)> callback) {
  auto slot = std::make_shared<detail::CallbackSlot>(std::move(callback));
  {
    std::lock_guard lock(state_->mu);
    auto next = std::make_shared<std::vector<std::shared_ptr<detail::CallbackSlot>>>(*state_->slots);
    next->push_back(slot);
    state_->slots = std::move(next);
  }
  return Subscription(state_, std::move(slot));
}

std::shared_ptr<EventQueue> EventBus::open_queue(std::size_t capacity) {
  auto queue = std::make_shared<EventQueue>(capacity);
  std::lock_guard lock(state_->mu);
  state_->queues.push_back(queue);
  return queue;
}

std::uint64_t EventBus::publish(Event event) {
  std::shared_ptr<const std::vector<std::shared_ptr<detail::CallbackSlot>>> slots;
  {
    // Stamping and queueing under one lock gives every queue the same order, the sequence order.
    // Queue pushes never block (a full queue drops its oldest event) and run no user code.
    std::lock_guard lock(state_->mu);
    event.sequence = ++state_->last_sequence;
    std::erase_if(state_->queues, [&](const std::weak_ptr<EventQueue>& weak) {
      auto queue = weak.lock();
      if (!queue) return true;
      queue->push(event);
      return false;
    });
    slots = state_->slots;
  }
  for (const auto& slot : *slots) {
    if (!slot->call(event)) state_->callback_errors.fetch_add(1, std::memory_order_relaxed);
  }
  return event.sequence;
}

std::uint64_t EventBus::callback_errors() const {
  return state_->callback_errors.load(std::memory_order_relaxed);
}

}  // namespace hotreload
