// Snapshot<T>: publishes immutable values to many readers. read() is the cheap path: no lock, no
// shared reference count, no write to memory another thread reads; it costs one acquire load of a
// stamp plus a thread-local lookup. load() returns an owning std::shared_ptr for values that must
// outlive the calling scope or travel to another thread.
//
//   hotreload::Snapshot<Config> config{std::make_shared<const Config>(initial)};
//   config.publish(std::make_shared<const Config>(next));      // writer, any thread
//   auto cfg = config.read();                                   // reader: cfg->port, (*cfg).name
//
// Thread safety: publish(), load(), read() and version() may be called concurrently from any
// threads. Construction and destruction must not race with other calls on the same Snapshot.
// A ReadHandle belongs to the thread that created it (see ReadHandle below).
//
// Memory ordering: publish() replaces the pointer and stores a new stamp (a process-wide unique
// number naming this Snapshot's current value) under a writer mutex, the stamp with
// memory_order_release. read() loads the stamp with memory_order_acquire; when this thread's cache
// holds that stamp it returns the cached object, otherwise it takes the pointer and the stamp
// together under the mutex (the slow path, once per publish per reading thread). A cached stamp
// therefore always names exactly the cached object, the values one thread reads never go back to
// an older publish, and everything sequenced before a publish() happens before any read() that
// returns its value.
//
// Why a mutex and not std::atomic<std::shared_ptr> on the slow path: libstdc++ 12 implements the
// latter with a lock bit in the pointer word (it is not lock-free either), and ThreadSanitizer
// reports a data race inside it for a plain load()/store() pair, because its load() releases that
// lock with a relaxed store. A mutex is as fast for a once-per-publish path, clean under TSan, and
// lets the slow path take the pointer and its stamp as one pair.
//
// Lifetime: each thread keeps the last value it read from each Snapshot until it reads that
// Snapshot again after a publish, or exits. Such values (and, after a Snapshot is destroyed, its
// last value) may therefore stay alive in threads that stopped reading. Use load() where that
// matters, or keep T free of resources that must be released promptly. A ReadHandle keeps only its
// own value alive: holding one while the thread goes on reading newer values does not accumulate
// the values in between.
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

// Keeps a Snapshot's reader-visible stamp off the cache line the writer's mutex lives on.
// std::hardware_destructive_interference_size is deliberately not used: g++ 12 warns
// (-Winterference-size) that its value depends on -mtune, which would make this class's layout
// differ between translation units, and clang 14 with libstdc++ 12 does not define it. 64 bytes is
// the cache line of x86-64 and of the common AArch64 cores.
inline constexpr std::size_t kCacheLineSize = 64;

// An object a thread replaced in its slot while ReadHandles still pointed at it.
struct RetiredSnapshot {
  const void* object = nullptr;
  std::shared_ptr<const void> owner;
  std::uint32_t pins = 0;
};

// One thread's cache for one Snapshot index. Invariant: an object appears at most once among
// `object` and `retired`, and its pin count is the number of this thread's live ReadHandles
// pointing at it. The current object's pins are kept as two counters, acquired - released, so
// read() and the handle's destructor update different words: with one counter, back-to-back reads
// form a single chain of store-to-load forwarding through it (measured ~15% slower here).
struct SnapshotSlot {
  std::uint64_t stamp = 0;  // the Snapshot stamp `object` was published with; 0 when empty
  const void* object = nullptr;
  std::uint32_t acquired = 0;
  std::uint32_t released = 0;
  std::shared_ptr<const void> owner;  // keeps `object` alive
  std::vector<RetiredSnapshot> retired;
};

// The calling thread's slots, indexed by Snapshot index. Trivially destructible and constant-
// initialised so that reading it is a plain thread-pointer-relative load with no initialisation
// guard; the storage is owned by a thread_local in snapshot.cpp that frees it at thread exit.
struct SnapshotSlotTable {
  SnapshotSlot* slots = nullptr;
  std::uint32_t size = 0;
  bool destroyed = false;  // the thread is exiting and its slots are gone
};
inline constinit thread_local SnapshotSlotTable tls_snapshot_slots{};

// A small index, recycled after the Snapshot is destroyed: it selects the slot in every thread.
std::uint32_t acquire_snapshot_index();
// Frees the index and drops the calling thread's cached value for it, unless a handle pins it.
void release_snapshot_index(std::uint32_t index) noexcept;
// A process-wide unique, increasing, non-zero stamp. A recycled index's stale slots never match
// the new Snapshot's stamps, so no per-slot owner check is needed.
std::uint64_t next_snapshot_stamp() noexcept;

// How a ReadHandle releases its object: (index << 1) when it pins slot `index`, or the address of
// a heap-allocated std::shared_ptr<const void> plus one when it owns the object itself (the
// thread-exit case).
using SnapshotPin = std::uintptr_t;
struct PinnedSnapshot {
  const void* object;
  SnapshotPin pin;
};

// The slow path of read(): caches (stamp, owner) in the calling thread's slot and pins it.
PinnedSnapshot pin_snapshot(std::uint32_t index, std::uint64_t stamp,
                            std::shared_ptr<const void> owner);
void unpin_retired_snapshot(SnapshotSlot& slot, const void* object) noexcept;
void drop_owned_snapshot(SnapshotPin pin) noexcept;

inline void unpin_snapshot(const void* object, SnapshotPin pin) noexcept {
  if (pin & 1) [[unlikely]] {
    drop_owned_snapshot(pin);
    return;
  }
  const std::uint32_t index = static_cast<std::uint32_t>(pin >> 1);
  const SnapshotSlotTable& table = tls_snapshot_slots;
  if (index >= table.size) [[unlikely]] return;  // the thread exits and has freed its slots
  SnapshotSlot& slot = table.slots[index];
  if (slot.object == object) [[likely]] {
    ++slot.released;
  } else {
    unpin_retired_snapshot(slot, object);
  }
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
  explicit Snapshot(std::shared_ptr<const T> initial)
      : current_(std::move(initial)) {
    if (!current_) throw std::invalid_argument("hotreload::Snapshot: the initial value is null");
    stamp_.store(detail::next_snapshot_stamp(), std::memory_order_relaxed);
    index_ = detail::acquire_snapshot_index();
  }

  // Values held through ReadHandles, load() or other threads' caches stay alive; other threads
  // release their cached value when they next reuse the index or exit.
  ~Snapshot() { detail::release_snapshot_index(index_); }

  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Replaces the value; read() returns it from now on. Thread-safe; concurrent publishers are
  // serialised. The previous value is released outside the lock, unless a reader still holds it.
  // Throws std::invalid_argument if `next` is null.
  void publish(std::shared_ptr<const T> next) {
    if (!next) throw std::invalid_argument("hotreload::Snapshot: publish() of a null value");
    std::shared_ptr<const T> previous;
    {
      std::lock_guard lock(mu_);
      previous = std::exchange(current_, std::move(next));
      version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      stamp_.store(detail::next_snapshot_stamp(), std::memory_order_release);
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
    const std::uint64_t stamp = stamp_.load(std::memory_order_acquire);
    const detail::SnapshotSlotTable& table = detail::tls_snapshot_slots;
    detail::PinnedSnapshot pinned;
    if (index_ < table.size && table.slots[index_].stamp == stamp) [[likely]] {
      detail::SnapshotSlot& slot = table.slots[index_];
      ++slot.acquired;
      pinned = {slot.object, detail::SnapshotPin{index_} << 1};
    } else {
      pinned = read_slow();
    }
    return ReadHandle<T>(static_cast<const T*>(pinned.object), pinned.pin);
  }

  // The number of values published so far, counting the initial one: 1 after construction.
  // Thread-safe; a relaxed load (it orders nothing; use read() to see the value).
  std::uint64_t version() const noexcept { return version_.load(std::memory_order_relaxed); }

 private:
  detail::PinnedSnapshot read_slow() const {
    std::shared_ptr<const T> current;
    std::uint64_t stamp = 0;
    {
      std::lock_guard lock(mu_);
      current = current_;
      stamp = stamp_.load(std::memory_order_relaxed);
    }
    return detail::pin_snapshot(index_, stamp, std::move(current));
  }

  // The line readers load. stamp_ and version_ are written only by publish().
  alignas(detail::kCacheLineSize) std::atomic<std::uint64_t> stamp_{0};
  std::uint32_t index_ = 0;  // written only by the constructor
  std::atomic<std::uint64_t> version_{1};
  // The writer's line, touched by readers only on the slow path.
  alignas(detail::kCacheLineSize) mutable std::mutex mu_;
  std::shared_ptr<const T> current_;  // guarded by mu_; never null
};

}  // namespace hotreload
