// The non-template half of Snapshot<T>: index allocation, what each thread's slots own, and the
// slow paths of read() and peek().
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

// An object a thread's slot replaced while ReadHandles still pointed at it.
struct RetiredSnapshot {
  const void* object = nullptr;
  std::shared_ptr<const void> owner;
  std::uint32_t pins = 0;
};

// The part of one thread's slot that the read paths never touch. Invariant, with the slot: an
// object appears at most once among the slot's object and `retired`, `owner` holds the slot's
// object, and a pin count is the number of this thread's live ReadHandles pointing at the object.
struct SlotOwners {
  std::shared_ptr<const void> owner;  // keeps the slot's object alive
  std::vector<RetiredSnapshot> retired;
};

// Set when the calling thread's cache is gone for good (it is exiting). Trivially destructible,
// so it can still be read by thread_local destructors that run after ThreadSlots's.
constinit thread_local bool tls_cache_gone = false;

// Owns what the calling thread's slots hold; tls_snapshot_slots is the fast path's view of them.
struct ThreadSlots {
  std::vector<SlotOwners> owners;         // by Snapshot index
  std::vector<SnapshotSlot> overflow;     // the slots from kInlineSnapshotSlots on

  ~ThreadSlots() {
    tls_cache_gone = true;
    tls_snapshot_slots = SnapshotSlotTable{};
    // The cached objects are destroyed after the slots are emptied and marked gone: their
    // destructors may call read() or peek(), which then take the paths for exiting threads.
    std::vector<SlotOwners> doomed = std::move(owners);
  }
};
thread_local ThreadSlots thread_slots;

// Up to two shared_ptrs a slot refresh stopped holding. They are released only after the caller
// is done with the slot: the objects' destructors may call read(), which may grow (move) the
// overflow slots.
using Drops = std::array<std::shared_ptr<const void>, 2>;

struct SlotRef {
  SnapshotSlot* slot = nullptr;  // null while the thread exits
  SlotOwners* owners = nullptr;
};

// The calling thread's slot `index`, growing the tables if needed.
SlotRef thread_slot(std::uint32_t index) {
  if (tls_cache_gone) return {};
  ThreadSlots& mine = thread_slots;
  const auto grown = [](std::size_t needed, std::size_t size) {
    return std::max<std::size_t>({needed, size * 2, 8});
  };
  if (index >= mine.owners.size()) mine.owners.resize(grown(std::size_t{index} + 1, mine.owners.size()));
  SnapshotSlotTable& table = tls_snapshot_slots;
  if (index < kInlineSnapshotSlots) return {&table.inline_slots[index], &mine.owners[index]};
  const std::size_t position = index - kInlineSnapshotSlots;
  if (position >= mine.overflow.size()) {
    // Moving the slots is safe while ReadHandles exist: handles hold an index, not an address.
    mine.overflow.resize(grown(position + 1, mine.overflow.size()));
    table.overflow = mine.overflow.data();
    table.overflow_size = static_cast<std::uint32_t>(mine.overflow.size());
  }
  return {&mine.overflow[position], &mine.owners[index]};
}

// Points the slot at `owner`, keeping objects that live handles still pin.
Drops refresh(SlotRef ref, std::shared_ptr<const void> owner) {
  SnapshotSlot& slot = *ref.slot;
  SlotOwners& owners = *ref.owners;
  std::vector<RetiredSnapshot>& retired = owners.retired;
  Drops drops;
  const void* object = owner.get();
  if (slot.object == object) {
    // The same object again (shared with the index's previous Snapshot): its pins carry over.
    drops[0] = std::exchange(owners.owner, std::move(owner));
    return drops;
  }
  const std::uint32_t pins = slot.acquired - slot.released;
  // An index, not an iterator: the reserve() below would invalidate an iterator.
  const std::size_t revived = static_cast<std::size_t>(
      std::find_if(retired.begin(), retired.end(),
                   [&](const RetiredSnapshot& r) { return r.object == object; }) -
      retired.begin());
  const bool is_revived = revived < retired.size();
  if (pins > 0 && !is_revived && retired.size() == retired.capacity()) {
    retired.reserve(std::max<std::size_t>(4, retired.size() * 2));  // may throw
  }
  // Nothing below throws, so a failed refresh leaves the slot as it was.
  RetiredSnapshot outgoing{slot.object, std::move(owners.owner), pins};
  slot.acquired = 0;
  slot.released = 0;
  if (is_revived) {
    // Handles from an earlier refresh still pin the new object: it leaves the retired list with
    // its pins, and the outgoing object takes its entry or is dropped.
    RetiredSnapshot& entry = retired[revived];
    slot.acquired = entry.pins;
    drops[0] = std::move(entry.owner);
    if (outgoing.pins > 0) {
      entry = std::move(outgoing);
    } else {
      drops[1] = std::move(outgoing.owner);
      entry = std::move(retired.back());
      retired.pop_back();
    }
  } else if (outgoing.pins > 0) {
    retired.push_back(std::move(outgoing));
  } else {
    drops[0] = std::move(outgoing.owner);
  }
  slot.object = object;
  owners.owner = std::move(owner);
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
  // An overflow slot's pin stores the index shifted left by two in a uintptr_t.
  constexpr auto kMaxIndex = std::min<std::uintmax_t>(std::numeric_limits<std::uint32_t>::max(),
                                                      std::numeric_limits<SnapshotPin>::max() >> 2);
  if (r.next >= kMaxIndex) throw std::length_error("hotreload::Snapshot: too many live snapshots");
  // Room for every index to be released at once, so release_snapshot_index() cannot fail.
  r.free.reserve(std::size_t{r.next} + 1);
  return r.next++;
}

void release_snapshot_index(std::uint32_t index) noexcept {
  // This thread's cached value for the index can never be read again (a later owner of the index
  // caches its own objects), so drop it now; other threads drop theirs when they reuse the index
  // or exit.
  std::shared_ptr<const void> dropped;
  SnapshotSlot* slot = find_snapshot_slot(index);
  // An empty slot may belong to a thread that never built its tables: do not build them here.
  if (slot != nullptr && slot->object != nullptr && slot->acquired == slot->released) {
    dropped = std::move(thread_slots.owners[index].owner);
    slot->object = nullptr;
  }
  IndexRegistry& r = registry();
  std::lock_guard lock(r.mu);
  r.free.push_back(index);  // cannot throw: acquire_snapshot_index() reserved room
}

PinnedSnapshot pin_snapshot(std::uint32_t index, std::shared_ptr<const void> owner) {
  const void* object = owner.get();
  const SlotRef ref = thread_slot(index);
  if (ref.slot == nullptr) {
    // The thread is exiting (read() from a thread_local's destructor): own the object directly.
    auto* held = new std::shared_ptr<const void>(std::move(owner));
    return {object, reinterpret_cast<SnapshotPin>(held) | 1};
  }
  // Declared before the pin is taken so that it is destroyed after the slot is no longer used.
  const Drops drops = refresh(ref, std::move(owner));
  ++ref.slot->acquired;
  return {object, slot_pin(index, *ref.slot)};
}

bool cache_snapshot(std::uint32_t index, std::shared_ptr<const void> owner) {
  const SlotRef ref = thread_slot(index);
  if (ref.slot == nullptr) return false;
  const Drops drops = refresh(ref, std::move(owner));
  return true;
}

void unpin_retired_snapshot(std::uint32_t index, const void* object) noexcept {
  if (tls_cache_gone) return;  // the thread exits and has dropped everything it cached
  std::vector<RetiredSnapshot>& retired = thread_slots.owners[index].retired;
  const auto found = std::find_if(retired.begin(), retired.end(),
                                  [&](const RetiredSnapshot& r) { return r.object == object; });
  assert(found != retired.end() && found->pins > 0);
  if (found == retired.end() || --found->pins > 0) return;
  const std::shared_ptr<const void> dropped = std::move(found->owner);
  *found = std::move(retired.back());
  retired.pop_back();
  // `dropped` goes last: its destructor may call read() and move the slots.
}

void unpin_snapshot_slow(const void* object, SnapshotPin pin) noexcept {
  if (pin & 1) {
    delete reinterpret_cast<std::shared_ptr<const void>*>(pin & ~SnapshotPin{1});
    return;
  }
  const auto index = static_cast<std::uint32_t>(pin >> 2);
  SnapshotSlot* slot = find_snapshot_slot(index);
  if (slot != nullptr && slot->object == object) {
    ++slot->released;
  } else {
    unpin_retired_snapshot(index, object);
  }
}

}  // namespace hotreload::detail
