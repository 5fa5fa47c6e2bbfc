// The non-template half of Snapshot<T>: index allocation, what each thread's slots own, and the
// slow paths of read() and peek().
//
// A thread has up to two slots per Snapshot index:
// - the fast slot (indexes below kInlineSnapshotSlots), in the header's thread_local, which the
//   inline read paths use. It never changes its object while a handle pins it, so a handle's
//   release is a bare increment: that keeps read() within a few instructions of a raw load.
// - the compared slot, here: the only slot of indexes past the inline ones, and for the others the
//   stand-in while the fast slot is pinned by a handle older than the current value. Its object
//   may change while handles pin it; the old object is then "retired" with its pin count, and a
//   release compares the handle's object with the slot's to find which count to decrement.
// Once the handles holding a fast slot back are gone, the next slow read moves the current value
// back into the fast slot.
#include "hotreload/snapshot.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <utility>
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

// An object a thread's compared slot replaced while ReadHandles still pointed at it.
struct RetiredSnapshot {
  const void* object = nullptr;
  std::shared_ptr<const void> owner;
  std::uint32_t pins = 0;
};

// What one compared slot owns. Invariant, with the slot: an object appears at most once among the
// slot's object and `retired`, `owner` holds the slot's object, and a pin count is the number of
// this thread's live ReadHandles counted there.
struct ComparedOwners {
  std::shared_ptr<const void> owner;
  std::vector<RetiredSnapshot> retired;
};

// Set when the calling thread's cache is gone for good (it is exiting). Trivially destructible,
// so it can still be read by thread_local destructors that run after ThreadSlots's.
constinit thread_local bool tls_cache_gone = false;

// The calling thread's compared slots, by Snapshot index (ThreadSlots owns the array). Trivially
// destructible and constant-initialised like the fast slots, so that paths which must not build
// ThreadSlots (release_snapshot_index() in a thread that never read) can look at them.
struct ComparedSlots {
  SnapshotSlot* slots = nullptr;
  std::uint32_t size = 0;
};
constinit thread_local ComparedSlots tls_compared_slots{};

// Owns what the calling thread's slots hold.
struct ThreadSlots {
  std::array<std::shared_ptr<const void>, kInlineSnapshotSlots> fast_owners;
  std::vector<SnapshotSlot> compared;  // by Snapshot index; tls_compared_slots points at it
  std::vector<ComparedOwners> compared_owners;  // by Snapshot index

  ~ThreadSlots() {
    tls_cache_gone = true;
    tls_snapshot_slots = SnapshotSlotTable{};
    tls_compared_slots = ComparedSlots{};
    // The cached objects are destroyed after the slots are emptied and marked gone: their
    // destructors may call read() or peek(), which then take the paths for exiting threads.
    const auto doomed_fast = std::move(fast_owners);
    const auto doomed_compared = std::move(compared_owners);
  }
};
thread_local ThreadSlots thread_slots;

// Up to three shared_ptrs a slot change stopped holding (or did not need). They are released
// only after the caller is done with the slot: the objects' destructors may call read(), which may
// grow (move) the compared slots.
using Drops = std::array<std::shared_ptr<const void>, 3>;

bool is_pinned(const SnapshotSlot& slot) { return slot.acquired != slot.released; }

SnapshotSlot* fast_slot(std::uint32_t index) {
  return index < kInlineSnapshotSlots ? &tls_snapshot_slots.inline_slots[index] : nullptr;
}

SnapshotSlot* compared_slot(std::uint32_t index) {
  return index < tls_compared_slots.size ? &tls_compared_slots.slots[index] : nullptr;
}

// Takes a pin on `slot`, the calling thread's fast or compared slot for `index`.
PinnedSnapshot pin(std::uint32_t index, SnapshotSlot& slot) {
  ++slot.acquired;
  const SnapshotPin pin = &slot == fast_slot(index) ? reinterpret_cast<SnapshotPin>(&slot)
                                                    : (SnapshotPin{index} << 2) | 2;
  return {slot.object, pin};
}

// Points the fast slot, which no handle pins, at `owner`'s object.
void refill_fast_slot(std::uint32_t index, std::shared_ptr<const void> owner,
                      std::shared_ptr<const void>& dropped) {
  SnapshotSlot& fast = tls_snapshot_slots.inline_slots[index];
  assert(!is_pinned(fast));
  fast = SnapshotSlot{owner.get(), 0, 0};
  dropped = std::exchange(thread_slots.fast_owners[index], std::move(owner));
}

// Room for one more retired object, so that retiring one cannot fail half-way.
void reserve_retirement(std::vector<RetiredSnapshot>& retired) {
  if (retired.size() == retired.capacity()) {
    retired.reserve(std::max<std::size_t>(4, retired.size() * 2));  // may throw
  }
}

// Empties the compared slot unless handles pin its object (those keep it until they are gone).
void empty_compared_slot(std::uint32_t index, std::shared_ptr<const void>& dropped) noexcept {
  SnapshotSlot* compared = compared_slot(index);
  if (compared == nullptr || compared->object == nullptr || is_pinned(*compared)) return;
  compared->object = nullptr;
  dropped = std::move(thread_slots.compared_owners[index].owner);
}

// Empties the compared slot, retiring its object if handles pin it: it stood in for the fast
// slot, which now holds a value read later, and its last handle should free it.
void vacate_compared_slot(std::uint32_t index, std::shared_ptr<const void>& dropped) {
  SnapshotSlot* compared = compared_slot(index);
  if (compared == nullptr || compared->object == nullptr) return;
  if (!is_pinned(*compared)) {
    empty_compared_slot(index, dropped);
    return;
  }
  ComparedOwners& owners = thread_slots.compared_owners[index];
  reserve_retirement(owners.retired);
  owners.retired.push_back(RetiredSnapshot{compared->object, std::move(owners.owner),
                                           compared->acquired - compared->released});
  *compared = SnapshotSlot{};
}

// The calling thread's slot for `index` that holds `current` and can serve it as it is: the fast
// slot, or the compared slot while a handle pins the fast one.
SnapshotSlot* slot_serving(std::uint32_t index, const void* current) noexcept {
  SnapshotSlot* fast = fast_slot(index);
  if (fast != nullptr && fast->object == current) return fast;
  SnapshotSlot* compared = compared_slot(index);
  if (compared == nullptr || compared->object != current) return nullptr;
  return fast == nullptr || is_pinned(*fast) ? compared : nullptr;
}

// The calling thread's slot for `index` that holds `current`, or nullptr. A value the compared
// slot holds moves into the fast slot when no handle pins that any more.
SnapshotSlot* slot_holding(std::uint32_t index, const void* current, Drops& drops) {
  if (SnapshotSlot* slot = slot_serving(index, current)) return slot;
  SnapshotSlot* compared = compared_slot(index);
  if (compared == nullptr || compared->object != current) return nullptr;
  ComparedOwners& owners = thread_slots.compared_owners[index];
  std::shared_ptr<const void> owner = owners.owner;
  if (!is_pinned(*compared)) {
    compared->object = nullptr;
    drops[1] = std::move(owners.owner);
  }
  refill_fast_slot(index, std::move(owner), drops[0]);
  return fast_slot(index);
}

// The calling thread's compared slot for `index`, growing the table if needed.
SnapshotSlot& grown_compared_slot(std::uint32_t index) {
  ThreadSlots& mine = thread_slots;
  if (index >= mine.compared.size()) {
    const std::size_t size = std::max<std::size_t>({std::size_t{index} + 1, mine.compared.size() * 2, 8});
    mine.compared_owners.resize(size);  // may throw; both grow before either is used
    // Moving the slots is safe while ReadHandles exist: handles hold an index, not an address.
    mine.compared.resize(size);
    tls_compared_slots = ComparedSlots{mine.compared.data(), static_cast<std::uint32_t>(size)};
  }
  return mine.compared[index];
}

// Points the compared slot at `owner`, keeping the objects that live handles still pin.
SnapshotSlot& refresh_compared_slot(std::uint32_t index, std::shared_ptr<const void> owner, Drops& drops) {
  SnapshotSlot& slot = grown_compared_slot(index);
  ComparedOwners& owners = thread_slots.compared_owners[index];
  std::vector<RetiredSnapshot>& retired = owners.retired;
  const void* object = owner.get();
  assert(slot.object != object);
  const std::uint32_t pins = slot.acquired - slot.released;
  // An index, not an iterator: the reserve() below would invalidate an iterator.
  const std::size_t revived = static_cast<std::size_t>(
      std::find_if(retired.begin(), retired.end(),
                   [&](const RetiredSnapshot& r) { return r.object == object; }) -
      retired.begin());
  const bool is_revived = revived < retired.size();
  if (pins > 0 && !is_revived) reserve_retirement(retired);
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
  return slot;
}

// Caches `owner` in the calling thread's slot for `index`: the fast slot unless a handle pins it.
SnapshotSlot& hold(std::uint32_t index, std::shared_ptr<const void> owner, Drops& drops) {
  if (SnapshotSlot* slot = slot_holding(index, owner.get(), drops)) {
    // Already held (the object may be shared with the index's previous Snapshot).
    drops[2] = std::move(owner);
    return *slot;
  }
  SnapshotSlot* fast = fast_slot(index);
  if (fast != nullptr && !is_pinned(*fast)) {
    vacate_compared_slot(index, drops[1]);
    refill_fast_slot(index, std::move(owner), drops[0]);
    return *fast;
  }
  return refresh_compared_slot(index, std::move(owner), drops);
}

// pin_held_snapshot() when the value may have to move into the fast slot: out of line, so that
// the common case does not pay for the Drops.
[[gnu::noinline]] PinnedSnapshot pin_held_after_move(std::uint32_t index, const void* current) {
  // Declared before the pin is taken so that it is destroyed after the slot is no longer used.
  Drops drops;
  SnapshotSlot* slot = slot_holding(index, current, drops);
  return slot != nullptr ? pin(index, *slot) : PinnedSnapshot{nullptr, 0};
}

// Out of line from unpin_snapshot_slow() so that its common case, a compared slot's release,
// stays a leaf function.
[[gnu::noinline]] void unpin_retired(std::uint32_t index, const void* object) noexcept {
  std::vector<RetiredSnapshot>& retired = thread_slots.compared_owners[index].retired;
  const auto found = std::find_if(retired.begin(), retired.end(),
                                  [&](const RetiredSnapshot& r) { return r.object == object; });
  assert(found != retired.end() && found->pins > 0);
  if (found == retired.end() || --found->pins > 0) return;
  const std::shared_ptr<const void> dropped = std::move(found->owner);
  *found = std::move(retired.back());
  retired.pop_back();
  // `dropped` goes last: its destructor may call read() and move the slots.
}

[[gnu::noinline]] void delete_owned(SnapshotPin pin) noexcept {
  delete reinterpret_cast<std::shared_ptr<const void>*>(pin & ~SnapshotPin{1});
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
  // A compared slot's pin stores the index shifted left by two in a uintptr_t.
  constexpr auto kMaxIndex = std::min<std::uintmax_t>(std::numeric_limits<std::uint32_t>::max(),
                                                      std::numeric_limits<SnapshotPin>::max() >> 2);
  if (r.next >= kMaxIndex) throw std::length_error("hotreload::Snapshot: too many live snapshots");
  // Room for every index to be released at once, so release_snapshot_index() cannot fail.
  r.free.reserve(std::size_t{r.next} + 1);
  return r.next++;
}

void release_snapshot_index(std::uint32_t index) noexcept {
  // This thread's cached values for the index can never be read again (a later owner of the index
  // caches its own objects), so drop them now; other threads drop theirs when they reuse the index
  // or exit. A slot holding an object means this thread built its ThreadSlots: an empty one may
  // belong to a thread that never did, and they are not built here.
  Drops dropped;
  SnapshotSlot* fast = fast_slot(index);
  if (fast != nullptr && fast->object != nullptr && !is_pinned(*fast)) {
    fast->object = nullptr;
    dropped[0] = std::move(thread_slots.fast_owners[index]);
  }
  empty_compared_slot(index, dropped[1]);
  IndexRegistry& r = registry();
  std::lock_guard lock(r.mu);
  r.free.push_back(index);  // cannot throw: acquire_snapshot_index() reserved room
}

PinnedSnapshot pin_held_snapshot(std::uint32_t index, const void* current) {
  if (tls_cache_gone) return {nullptr, 0};
  if (SnapshotSlot* slot = slot_serving(index, current)) return pin(index, *slot);
  return pin_held_after_move(index, current);
}

PinnedSnapshot pin_snapshot(std::uint32_t index, std::shared_ptr<const void> owner) {
  if (tls_cache_gone) {
    // The thread is exiting (read() from a thread_local's destructor): own the object directly.
    const void* object = owner.get();
    auto* held = new std::shared_ptr<const void>(std::move(owner));
    return {object, reinterpret_cast<SnapshotPin>(held) | 1};
  }
  Drops drops;
  return pin(index, hold(index, std::move(owner), drops));
}

bool holds_snapshot(std::uint32_t index, const void* current) {
  if (tls_cache_gone) return false;
  if (slot_serving(index, current) != nullptr) return true;
  Drops drops;
  return slot_holding(index, current, drops) != nullptr;
}

bool cache_snapshot(std::uint32_t index, std::shared_ptr<const void> owner) {
  if (tls_cache_gone) return false;
  Drops drops;
  hold(index, std::move(owner), drops);
  return true;
}

void unpin_snapshot_slow(const void* object, SnapshotPin pin) noexcept {
  if (pin & 1) {
    delete_owned(pin);
    return;
  }
  if (tls_cache_gone) return;  // the thread exits and has dropped everything it cached
  const auto index = static_cast<std::uint32_t>(pin >> 2);
  SnapshotSlot* slot = compared_slot(index);
  if (slot != nullptr && slot->object == object) {
    ++slot->released;
  } else {
    unpin_retired(index, object);
  }
}

}  // namespace hotreload::detail
