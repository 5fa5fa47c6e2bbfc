// The non-template half of Snapshot<T>: index and stamp allocation, each thread's slot table, and
// read()'s slow path.
#include "hotreload/snapshot.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace hotreload::detail {
namespace {

struct IndexRegistry {
  std::mutex mu;
  std::uint32_t next = 0;           // guarded by mu
  std::vector<std::uint32_t> free;  // guarded by mu; released indexes, reused first
};

// Never destroyed: a Snapshot with static storage duration may be destroyed after this file's
// statics would be.
IndexRegistry& registry() {
  static IndexRegistry* const instance = new IndexRegistry();
  return *instance;
}

constinit std::atomic<std::uint64_t> stamps{1};

// Owns the calling thread's slots; tls_snapshot_slots is the fast path's view of them.
struct ThreadSlots {
  std::vector<SnapshotSlot> slots;

  ~ThreadSlots() {
    tls_snapshot_slots = SnapshotSlotTable{nullptr, 0, true};
    // The cached objects are destroyed after the table is marked gone: their destructors may call
    // read(), which then gives out owning handles instead of touching the slots.
    std::vector<SnapshotSlot> doomed = std::move(slots);
  }
};
thread_local ThreadSlots thread_slots;

// Up to two shared_ptrs a slot refresh stopped holding. They are released only after the caller
// is done with the slot table: the objects' destructors may call read(), which may grow (move) it.
using Drops = std::array<std::shared_ptr<const void>, 2>;

// The calling thread's slot `index`, growing the table if needed; nullptr while the thread exits.
SnapshotSlot* thread_slot(std::uint32_t index) {
  if (tls_snapshot_slots.destroyed) return nullptr;
  std::vector<SnapshotSlot>& slots = thread_slots.slots;
  if (index >= slots.size()) {
    // Moving the slots is safe while ReadHandles exist: handles hold an index, not an address.
    slots.resize(std::max<std::size_t>({std::size_t{index} + 1, slots.size() * 2, 8}));
    tls_snapshot_slots =
        SnapshotSlotTable{slots.data(), static_cast<std::uint32_t>(slots.size()), false};
  }
  return &slots[index];
}

// Points `slot` at `owner`, keeping objects that live handles still pin.
Drops refresh(SnapshotSlot& slot, std::uint64_t stamp, std::shared_ptr<const void> owner) {
  Drops drops;
  const void* object = owner.get();
  if (slot.object == object) {
    // The same object again (republished, or shared with the index's previous Snapshot): its
    // pins carry over.
    drops[0] = std::exchange(slot.owner, std::move(owner));
    slot.stamp = stamp;
    return drops;
  }
  const std::uint32_t pins = slot.acquired - slot.released;
  // An index, not an iterator: the reserve() below would invalidate an iterator.
  const std::size_t revived = static_cast<std::size_t>(
      std::find_if(slot.retired.begin(), slot.retired.end(),
                   [&](const RetiredSnapshot& r) { return r.object == object; }) -
      slot.retired.begin());
  const bool is_revived = revived < slot.retired.size();
  if (pins > 0 && !is_revived && slot.retired.size() == slot.retired.capacity()) {
    slot.retired.reserve(std::max<std::size_t>(4, slot.retired.size() * 2));  // may throw
  }
  // Nothing below throws, so a failed refresh leaves the slot as it was.
  RetiredSnapshot outgoing{slot.object, std::move(slot.owner), pins};
  slot.acquired = 0;
  slot.released = 0;
  if (is_revived) {
    // Handles from an earlier refresh still pin the new object: it leaves the retired list with
    // its pins, and the outgoing object takes its entry or is dropped.
    RetiredSnapshot& entry = slot.retired[revived];
    slot.acquired = entry.pins;
    drops[0] = std::move(entry.owner);
    if (outgoing.pins > 0) {
      entry = std::move(outgoing);
    } else {
      drops[1] = std::move(outgoing.owner);
      entry = std::move(slot.retired.back());
      slot.retired.pop_back();
    }
  } else if (outgoing.pins > 0) {
    slot.retired.push_back(std::move(outgoing));
  } else {
    drops[0] = std::move(outgoing.owner);
  }
  slot.stamp = stamp;
  slot.object = object;
  slot.owner = std::move(owner);
  return drops;
}

}  // namespace

std::uint32_t acquire_snapshot_index() {
  IndexRegistry& r = registry();
  std::lock_guard lock(r.mu);
  if (!r.free.empty()) {
    const std::uint32_t index = r.free.back();
    r.free.pop_back();
    return index;
  }
  // A pin stores the index shifted left by one in a uintptr_t.
  constexpr auto kMaxIndex = std::min<std::uintmax_t>(std::numeric_limits<std::uint32_t>::max(),
                                                      std::numeric_limits<SnapshotPin>::max() >> 1);
  if (r.next >= kMaxIndex) throw std::length_error("hotreload::Snapshot: too many live snapshots");
  // Room for every index to be released at once, so release_snapshot_index() cannot fail.
  r.free.reserve(std::size_t{r.next} + 1);
  return r.next++;
}

void release_snapshot_index(std::uint32_t index) noexcept {
  // This thread's cached value for the index can never be read again (a later owner of the index
  // has other stamps), so drop it now; other threads drop theirs when they reuse the index or exit.
  std::shared_ptr<const void> dropped;
  const SnapshotSlotTable& table = tls_snapshot_slots;
  if (index < table.size) {
    SnapshotSlot& slot = table.slots[index];
    if (slot.acquired == slot.released) {
      dropped = std::move(slot.owner);
      slot.stamp = 0;
      slot.object = nullptr;
    }
  }
  IndexRegistry& r = registry();
  std::lock_guard lock(r.mu);
  r.free.push_back(index);  // cannot throw: acquire_snapshot_index() reserved room
}

std::uint64_t next_snapshot_stamp() noexcept {
  return stamps.fetch_add(1, std::memory_order_relaxed);
}

PinnedSnapshot pin_snapshot(std::uint32_t index, std::uint64_t stamp,
                            std::shared_ptr<const void> owner) {
  const void* object = owner.get();
  SnapshotSlot* slot = thread_slot(index);
  if (slot == nullptr) {
    // The thread is exiting (read() from a thread_local's destructor): own the object directly.
    auto* held = new std::shared_ptr<const void>(std::move(owner));
    return {object, reinterpret_cast<SnapshotPin>(held) | 1};
  }
  // Declared before the pin is taken so that it is destroyed after the slot is no longer used.
  const Drops drops = refresh(*slot, stamp, std::move(owner));
  ++slot->acquired;
  return {object, SnapshotPin{index} << 1};
}

void unpin_retired_snapshot(SnapshotSlot& slot, const void* object) noexcept {
  const auto found = std::find_if(slot.retired.begin(), slot.retired.end(),
                                  [&](const RetiredSnapshot& r) { return r.object == object; });
  assert(found != slot.retired.end() && found->pins > 0);
  if (found == slot.retired.end() || --found->pins > 0) return;
  const std::shared_ptr<const void> dropped = std::move(found->owner);
  *found = std::move(slot.retired.back());
  slot.retired.pop_back();
  // `dropped` goes last: its destructor may call read() and move the slot table.
}

void drop_owned_snapshot(SnapshotPin pin) noexcept {
  delete reinterpret_cast<std::shared_ptr<const void>*>(pin & ~SnapshotPin{1});
}

}  // namespace hotreload::detail
