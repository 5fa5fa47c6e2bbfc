// Snapshot under concurrent readers and writers; CI runs this binary under ThreadSanitizer.
// Threads start together on a latch and stop on values they observe, never on sleeps or timing.
#include "hotreload/snapshot.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hotreload {
namespace {

// Every field is derived from `sequence`, so a torn or half-built value shows as a mismatch.
struct Value {
  explicit Value(std::uint64_t s) : sequence(s), doubled(2 * s), text(std::to_string(s)) {}
  bool consistent() const { return doubled == 2 * sequence && text == std::to_string(sequence); }
  std::uint64_t sequence;
  std::uint64_t doubled;
  std::string text;
};

std::shared_ptr<const Value> make(std::uint64_t sequence) {
  return std::make_shared<const Value>(sequence);
}

constexpr std::uint64_t kPublishes = 2000;
constexpr int kReaders = 3;

// kReaders threads read `snapshot` through read() or peek() while this thread publishes
// kPublishes values. Every value read must be whole and never older than the one before, and a
// handle each reader takes now and then and holds across later reads must keep its value. With
// peek(), a reference is used while publishes keep coming (it must stay whole), and peek() and
// read() share the thread's cache. Returns the number of failed checks.
int race_readers_with_publishes(Snapshot<Value>& snapshot, bool peek) {
  std::latch start{kReaders + 1};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      start.arrive_and_wait();
      std::uint64_t last = 0;
      std::uint64_t reads = 0;
      std::optional<ReadHandle<Value>> held;
      std::uint64_t held_sequence = 0;
      const auto check = [&](const Value& value) {
        if (!value.consistent() || value.sequence < last) failures.fetch_add(1);
        last = value.sequence;
      };
      while (last < kPublishes) {
        if (peek) {
          check(snapshot.peek());
        } else {
          check(*snapshot.read());
        }
        if (++reads % 64 == 0) {
          held.emplace(snapshot.read());
          held_sequence = (*held)->sequence;
        }
        if (held && ((*held)->sequence != held_sequence || !(*held)->consistent())) {
          failures.fetch_add(1);
        }
      }
    });
  }
  start.arrive_and_wait();
  for (std::uint64_t s = 1; s <= kPublishes; ++s) snapshot.publish(make(s));
  for (auto& reader : readers) reader.join();
  return failures.load();
}

TEST(SnapshotConcurrency, ReadersSeeConsistentValuesThatNeverGoBack) {
  Snapshot<Value> snapshot{make(0)};
  EXPECT_EQ(race_readers_with_publishes(snapshot, /*peek=*/false), 0);
  EXPECT_EQ(snapshot.version(), kPublishes + 1);
}

TEST(SnapshotConcurrency, PeekingReadersSeeConsistentValuesThatNeverGoBack) {
  Snapshot<Value> snapshot{make(0)};
  EXPECT_EQ(race_readers_with_publishes(snapshot, /*peek=*/true), 0);
}

TEST(SnapshotConcurrency, LoadedValuesAreConsistentAndMayCrossThreads) {
  Snapshot<Value> snapshot{make(0)};
  std::latch start{3};
  std::atomic<int> failures{0};
  std::atomic<std::shared_ptr<const Value>*> handoff{nullptr};
  std::thread loader([&] {
    start.arrive_and_wait();
    std::uint64_t last = 0;
    while (last < kPublishes) {
      auto value = snapshot.load();
      if (!value->consistent() || value->sequence < last) failures.fetch_add(1);
      last = value->sequence;
      if (last >= kPublishes / 2 && handoff.load() == nullptr) {
        handoff.store(new std::shared_ptr<const Value>(std::move(value)));
      }
    }
  });
  std::thread receiver([&] {
    start.arrive_and_wait();
    std::shared_ptr<const Value>* received = nullptr;
    // The loader hands a value over once it sees the second half of the publishes.
    while ((received = handoff.load()) == nullptr) {
      if (!snapshot.read()->consistent()) failures.fetch_add(1);
      std::this_thread::yield();
    }
    if (!(*received)->consistent() || (*received)->sequence < kPublishes / 2) failures.fetch_add(1);
  });
  start.arrive_and_wait();
  for (std::uint64_t s = 1; s <= kPublishes; ++s) snapshot.publish(make(s));
  loader.join();
  receiver.join();
  delete handoff.load();
  EXPECT_EQ(failures.load(), 0);
}

TEST(SnapshotConcurrency, ConcurrentPublishersAreSerialised) {
  Snapshot<Value> snapshot{make(0)};
  std::latch start{2};
  auto publisher = [&] {
    start.arrive_and_wait();
    for (std::uint64_t s = 1; s <= kPublishes; ++s) {
      snapshot.publish(make(s));
      if (!snapshot.read()->consistent()) ADD_FAILURE();
    }
  };
  std::thread first(publisher);
  std::thread second(publisher);
  first.join();
  second.join();
  EXPECT_EQ(snapshot.version(), 2 * kPublishes + 1);
  EXPECT_EQ(snapshot.read()->sequence, kPublishes);
}

TEST(SnapshotConcurrency, ThreadExitReleasesTheThreadsCachedValues) {
  std::shared_ptr<const Value> first = make(1);
  const std::weak_ptr<const Value> first_alive = first;
  Snapshot<Value> snapshot{std::move(first)};
  std::thread reader([&] { EXPECT_EQ(snapshot.read()->sequence, 1u); });
  reader.join();
  snapshot.publish(make(2));
  // Neither the Snapshot nor the exited reader's cache holds the first value any more. This thread
  // never read it.
  EXPECT_TRUE(first_alive.expired());
}

TEST(SnapshotConcurrency, SnapshotsComeAndGoWhileOthersRead) {
  Snapshot<Value> shared{make(0)};
  std::latch start{kReaders + 1};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kReaders; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      std::uint64_t last = 0;
      for (int round = 0; round < 300; ++round) {
        // Each thread's own Snapshot takes an index another thread may just have released, and
        // that index's slot in this thread may still cache another Snapshot's value.
        const auto mine = static_cast<std::uint64_t>(1000000 * (t + 1) + round);
        Snapshot<Value> own{make(mine)};
        if (own.read()->sequence != mine) failures.fetch_add(1);
        own.publish(make(mine + 1));
        if (own.read()->sequence != mine + 1) failures.fetch_add(1);
        const auto value = shared.read();
        if (!value->consistent() || value->sequence < last) failures.fetch_add(1);
        last = value->sequence;
      }
    });
  }
  start.arrive_and_wait();
  for (std::uint64_t s = 1; s <= kPublishes; ++s) shared.publish(make(s));
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// A thread_local whose destructor reads a Snapshot after the thread's slot table is gone.
struct ReadsAtThreadExit {
  const Snapshot<Value>* snapshot = nullptr;
  std::atomic<std::uint64_t>* seen = nullptr;
  ~ReadsAtThreadExit() {
    if (snapshot == nullptr) return;
    const auto value = snapshot->read();
    seen->store(value->consistent() ? value->sequence : UINT64_MAX);
  }
};

TEST(SnapshotConcurrency, ReadInAThreadLocalDestructorAfterTheCacheIsGone) {
  Snapshot<Value> snapshot{make(42)};
  std::atomic<std::uint64_t> seen{0};
  std::thread thread([&] {
    // Constructed before the thread's slot table, so destroyed after it.
    thread_local ReadsAtThreadExit at_exit;
    at_exit.snapshot = &snapshot;
    at_exit.seen = &seen;
    EXPECT_EQ(snapshot.read()->sequence, 42u);
  });
  thread.join();
  EXPECT_EQ(seen.load(), 42u);
}

// As above, through peek(): no thread-owned cache is left to hold the value, so the Snapshot
// keeps it; LeakSanitizer checks that it is freed with the Snapshot.
struct PeeksAtThreadExit {
  const Snapshot<Value>* snapshot = nullptr;
  std::atomic<std::uint64_t>* seen = nullptr;
  ~PeeksAtThreadExit() {
    if (snapshot == nullptr) return;
    const Value& first = snapshot->peek();
    const Value& again = snapshot->peek();  // the same value: kept only once
    seen->store(first.consistent() && &first == &again ? first.sequence : UINT64_MAX);
  }
};

TEST(SnapshotConcurrency, PeekInAThreadLocalDestructorAfterTheCacheIsGone) {
  std::shared_ptr<const Value> value = make(7);
  const std::weak_ptr<const Value> alive = value;
  std::atomic<std::uint64_t> seen{0};
  {
    Snapshot<Value> snapshot{std::move(value)};
    std::thread thread([&] {
      thread_local PeeksAtThreadExit at_exit;
      at_exit.snapshot = &snapshot;
      at_exit.seen = &seen;
      EXPECT_EQ(snapshot.peek().sequence, 7u);
    });
    thread.join();
    EXPECT_EQ(seen.load(), 7u);
    snapshot.publish(make(8));
    EXPECT_FALSE(alive.expired()) << "kept for the exiting thread's reference";
  }
  EXPECT_TRUE(alive.expired());
}

}  // namespace
}  // namespace hotreload
