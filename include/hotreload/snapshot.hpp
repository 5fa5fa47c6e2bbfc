// Snapshot<T>: publishes immutable values to many readers. read() is the cheap path: no lock, no
// shared reference count, no write to memory another thread reads; it costs one acquire load of
// the current pointer, a compare with this thread's cached one, and two thread-local counters for
// the handle's pin. peek() drops the pin, and with it the handle: the cheapest read, for hot loops,
// under a stricter lifetime rule. load() returns an owning std::shared_ptr for values that must
// outlive the calling scope or travel to another thread.
//
//   hotreload::Snapshot<Config> config{std::make_shared<const Config>(initial)};
//   config.publish(std::make_shared<const Config>(next));      // writer, any thread
//   auto cfg = config.read();                                   // reader: cfg->port, (*cfg).name
//   const Config& now = config.peek();                          // valid until this thread reads
//                                                               // `config` again
//
// Thread safety: publish(), load(), read(), peek() and version() may be called concurrently from
// any threads. Construction and destruction must not race with other calls on the same Snapshot.
// A ReadHandle belongs to the thread that created it (see ReadHandle below).
//
// Memory ordering: publish() replaces the owning pointer under a writer mutex and then stores the
// raw pointer with memory_order_release. read() and peek() load the raw pointer with
// memory_order_acquire and compare it with the object this thread's cache holds. The cache owns
// that object, so while it does no other object can have the same address: equal pointers mean the
// current value is the cached one, and it is used without the mutex. Otherwise the slow path copies
// the owning pointer under the mutex into the cache (once per publish per reading thread). The
// values one thread reads therefore never go back to an older publish, and everything sequenced
// before a publish() happens before any read() or peek() that returns its value.
//
// Why a mutex and not std::atomic<std::shared_ptr> on the slow path: libstdc++ 12 implements the
// latter with a lock bit in the pointer word (it is not lock-free either), and ThreadSanitizer
// reports a data race inside it for a plain load()/store() pair, because its load() releases that
// lock with a relaxed store. A mutex is as fast for a once-per-publish path and clean under TSan.
//
// Lifetime: each thread keeps the last value it read from each Snapshot until it reads that
// Snapshot again after a publish, or exits. Such values (and, after a Snapshot is destroyed, its
// last value) may therefore stay alive in threads that stopped reading. Use load() where that
// matters, or keep T free of resources that must be released promptly. A ReadHandle keeps only its
// own value alive: holding one while the thread goes on reading newer values does not accumulate
// the values in between. Such a handle does cost the thread's later reads of that Snapshot: until
// it is released they take a slow path (a function call each, the mutex still only once per
// publish), and the last value read meanwhile may stay alive until the thread reads the Snapshot
// after the next publish.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace hotreload {

template <class T>
class Snapshot;

namespace detail {

// Keeps a Snapshot's reader-visible pointer off the cache line the writer's mutex lives on.
// std::hardware_destructive_interference_size is deliberately not used: g++ 12 warns
// (-Winterference-size) that its value depends on -mtune, which would make this class's layout
// differ between translation units, and clang 14 with libstdc++ 12 does not define it. 64 bytes is
// the cache line of x86-64 and of the common AArch64 cores.
inline constexpr std::size_t kCacheLineSize = 64;

// What the read paths touch of one thread's cache for one Snapshot index: the object the thread
// holds (its owner lives in snapshot.cpp) and how many of the thread's ReadHandles pin it. The
// pins are kept as two counters, acquired - released, so read() and the handle's destructor update
// different words: with one counter, back-to-back reads form a single chain of store-to-load
// forwarding through it (measured ~15% slower here).
struct SnapshotSlot {
  const void* object = nullptr;  // null when empty
  std::uint32_t acquired = 0;
  std::uint32_t released = 0;
};

// The calling thread's fast slots, one per Snapshot index below kInlineSnapshotSlots, in the
// thread-local block itself, so the fast path finds one with a thread-pointer-relative address and
// no bounds check. A fast slot never changes its object while a handle pins it, so releasing a
// handle is one increment with nothing to compare. Snapshots past the inline slots, and a Snapshot
// whose fast slot is pinned by a handle older than the current value, use the "compared" slots in
// snapshot.cpp (rare: a program has a few Snapshots, and such handles live across a publish).
// Trivially destructible and constant-initialised, so reading it needs no initialisation guard;
// the owners of the cached objects are in a thread_local in snapshot.cpp, which empties this at
// thread exit.
inline constexpr std::uint32_t kInlineSnapshotSlots = 16;
struct SnapshotSlotTable {
  SnapshotSlot inline_slots[kInlineSnapshotSlots + 1];  // the last one always empty
};
inline constinit thread_local SnapshotSlotTable tls_snapshot_slots{};

// The inline slot the fast paths compare with: the Snapshot's own for indexes below
// kInlineSnapshotSlots, otherwise the last one, which stays empty, so that such Snapshots take
// the slow path without the fast path paying for a bounds check.
inline std::uint32_t fast_snapshot_slot(std::uint32_t index) noexcept {
  return index < kInlineSnapshotSlots ? index : kInlineSnapshotSlots;
}

// A small index, recycled after the Snapshot is destroyed: it selects the slot in every thread.
std::uint32_t acquire_snapshot_index();
// Frees the index and drops the calling thread's cached values for it, unless handles pin them.
void release_snapshot_index(std::uint32_t index) noexcept;

// How a ReadHandle releases its object, told apart by the two low bits:
//   00: the address of the calling thread's fast slot that pins it (the fast path: the handle's
//       destructor goes straight to the slot, with no index to look up);
//   10: (index << 2) | 2, for a compared slot (their array moves when it grows);
//   01: the address of a heap-allocated std::shared_ptr<const void>, plus one, when the handle
//       owns the object itself (the thread-exit case).
// Slots and heap blocks are at least 8-byte aligned, so their addresses have both bits clear.
using SnapshotPin = std::uintptr_t;
struct PinnedSnapshot {
  const void* object;  // null when nothing was pinned
  SnapshotPin pin;
};

// The slow paths of read(). The first pins `current` if one of the calling thread's slots already
// holds it (no lock), and otherwise returns a null object; the second caches `owner` in one of
// them and pins it.
PinnedSnapshot pin_held_snapshot(std::uint32_t index, const void* current);
PinnedSnapshot pin_snapshot(std::uint32_t index, std::shared_ptr<const void> owner);
// The slow paths of peek(), the same two without a pin. cache_snapshot() returns false when the
// thread is exiting and has no cache left.
bool holds_snapshot(std::uint32_t index, const void* current);
bool cache_snapshot(std::uint32_t index, std::shared_ptr<const void> owner);
// Pins other than a fast slot's: a compared slot's, or an owned object.
void unpin_snapshot_slow(const void* object, SnapshotPin pin) noexcept;

inline void unpin_snapshot(const void* object, SnapshotPin pin) noexcept {
  if (pin & 3) [[unlikely]] {
    unpin_snapshot_slow(object, pin);
    return;
  }
  // A fast slot keeps its object while any handle pins it: this handle's object is still there.
  ++reinterpret_cast<SnapshotSlot*>(pin)->released;
}

}  // namespace detail

// A reader's view of one published value: the value stays alive and unchanged while the handle
// exists, even if the same thread reads the Snapshot again after a newer publish, and even if the
// Snapshot is destroyed.
//
// Not thread-safe, and bound to its thread: a handle must be used and destroyed on the thread that
// created it and must not be stored in thread_local or static storage (its bookkeeping lives in
// the thread's storage). To hand a value to another thread, use Snapshot::load().
template <class T>
class [[nodiscard]] ReadHandle {
 public:
  ReadHandle(ReadHandle&& other) noexcept
      : object_(std::exchange(other.object_, nullptr)), pin_(other.pin_) {}

  ReadHandle& operator=(ReadHandle&& other) noexcept {
    if (this != &other) {
      if (object_ != nullptr) detail::unpin_snapshot(object_, pin_);
      object_ = std::exchange(other.object_, nullptr);
      pin_ = other.pin_;
    }
    return *this;
  }

  ReadHandle(const ReadHandle&) = delete;
  ReadHandle& operator=(const ReadHandle&) = delete;

  ~ReadHandle() {
    if (object_ != nullptr) detail::unpin_snapshot(object_, pin_);
  }

  // Precondition for all three: the handle has not been moved from (get() then returns nullptr).
  const T& operator*() const noexcept { return *object_; }
  const T* operator->() const noexcept { return object_; }
  const T* get() const noexcept { return object_; }

 private:
  friend class Snapshot<T>;

  ReadHandle(const T* object, detail::SnapshotPin pin) noexcept : object_(object), pin_(pin) {}

  const T* object_;  // null once moved from
  detail::SnapshotPin pin_;
};

// Holds the current value of a T and publishes replacements. Never empty.
template <class T>
class Snapshot {
 public:
  using element_type = T;

  // Throws std::invalid_argument if `initial` is null.
  explicit Snapshot(std::shared_ptr<const T> initial) : current_(std::move(initial)) {
    if (!current_) throw std::invalid_argument("hotreload::Snapshot: the initial value is null");
    current_object_.store(current_.get(), std::memory_order_relaxed);
    index_ = detail::acquire_snapshot_index();
    fast_slot_ = detail::fast_snapshot_slot(index_);
  }

  // Values held through ReadHandles, load() or other threads' caches stay alive; other threads
  // release their cached value when they next reuse the index or exit.
  ~Snapshot() { detail::release_snapshot_index(index_); }

  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Replaces the value; read() and peek() return it from now on. Thread-safe; concurrent
  // publishers are serialised. The previous value is released outside the lock, unless a reader
  // still holds it. Throws std::invalid_argument if `next` is null.
  void publish(std::shared_ptr<const T> next) {
    if (!next) throw std::invalid_argument("hotreload::Snapshot: publish() of a null value");
    std::shared_ptr<const T> previous;
    {
      std::lock_guard lock(mu_);
      previous = std::exchange(current_, std::move(next));
      version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      current_object_.store(current_.get(), std::memory_order_release);
    }
  }

  // An owning pointer to the current value, which may be kept anywhere and passed between
  // threads. Thread-safe; costs a short critical section and a reference-count increment.
  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mu_);
    return current_;
  }

  // The cheap read: the current value, valid while the handle lives. Thread-safe. Lock-free and
  // free of shared writes when this thread has read this Snapshot since its last publish;
  // otherwise it takes the writer mutex once to refresh the thread's cache. Throws only
  // std::bad_alloc, when the thread's cache grows.
  ReadHandle<T> read() const {
    const T* current = current_object_.load(std::memory_order_acquire);
    detail::SnapshotSlot& slot = detail::tls_snapshot_slots.inline_slots[fast_slot_];
    if (slot.object == current) [[likely]] {
      ++slot.acquired;
      return ReadHandle<T>(current, reinterpret_cast<detail::SnapshotPin>(&slot));
    }
    return read_slow(current);
  }

  // The cheapest read, for hot loops: a reference to the current value, valid only until this
  // thread next calls read() or peek() on this Snapshot, or destroys it (the same rule as folly's
  // TLObserver::getSnapshotRef()). Nothing is pinned: the reference points into this thread's
  // cache, which those calls may refresh. Read once per unit of work and pass the reference down;
  // where code called from there may read the same Snapshot, or the value must live longer, use
  // read() or load(). Thread-safe in the same way as read(), and throws only std::bad_alloc.
  const T& peek() const {
    const T* current = current_object_.load(std::memory_order_acquire);
    if (detail::tls_snapshot_slots.inline_slots[fast_slot_].object == current) [[likely]] {
      return *current;
    }
    return peek_slow(current);
  }

  // The number of values published so far, counting the initial one: 1 after construction.
  // Thread-safe; a relaxed load (it orders nothing; use read() to see the value).
  std::uint64_t version() const noexcept { return version_.load(std::memory_order_relaxed); }

 private:
  ReadHandle<T> read_slow(const T* current) const {
    detail::PinnedSnapshot pinned = detail::pin_held_snapshot(index_, current);
    if (pinned.object == nullptr) pinned = detail::pin_snapshot(index_, load());
    return ReadHandle<T>(static_cast<const T*>(pinned.object), pinned.pin);
  }

  const T& peek_slow(const T* current) const {
    if (detail::holds_snapshot(index_, current)) return *current;
    std::shared_ptr<const T> latest = load();
    const T& value = *latest;
    if (!detail::cache_snapshot(index_, latest)) {
      // The thread is exiting and its cache is gone (peek() from a thread_local's destructor):
      // nothing of the thread's can own the value, so the Snapshot keeps it until it is destroyed.
      std::lock_guard lock(mu_);
      if (exit_values_.empty() || exit_values_.back() != latest) {
        exit_values_.push_back(std::move(latest));
      }
    }
    return value;
  }

  // The line readers load. current_object_ and version_ are written only by publish().
  // current_object_ is current_.get(): a reader whose cache holds that same object (its slot owns
  // it, so no other object can have taken its address) uses it without the mutex.
  alignas(detail::kCacheLineSize) std::atomic<const T*> current_object_{nullptr};
  std::uint32_t index_ = 0;      // written only by the constructor
  std::uint32_t fast_slot_ = 0;  // detail::fast_snapshot_slot(index_)
  std::atomic<std::uint64_t> version_{1};
  // The writer's line, touched by readers only on the slow path.
  alignas(detail::kCacheLineSize) mutable std::mutex mu_;
  std::shared_ptr<const T> current_;  // guarded by mu_; never null
  // Values peek() returned to threads that were exiting; guarded by mu_.
  mutable std::vector<std::shared_ptr<const T>> exit_values_;
};

}  // namespace hotreload
