#include "hotreload/snapshot.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hotreload {
namespace {

struct Config {
  int port = 0;
  std::string name;
};

std::shared_ptr<const Config> make(int port, std::string name = "") {
  return std::make_shared<const Config>(Config{port, std::move(name)});
}

TEST(Snapshot, ReadReturnsTheInitialValue) {
  Snapshot<Config> snapshot{make(8080, "initial")};
  EXPECT_EQ(snapshot.version(), 1u);
  const auto config = snapshot.read();
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ((*config).name, "initial");
  EXPECT_EQ(snapshot.load()->port, 8080);
}

TEST(Snapshot, PublishBumpsVersionAndReadSeesTheNewValue) {
  Snapshot<Config> snapshot{make(1)};
  EXPECT_EQ(snapshot.read()->port, 1);
  snapshot.publish(make(2));
  EXPECT_EQ(snapshot.version(), 2u);
  EXPECT_EQ(snapshot.read()->port, 2);
  EXPECT_EQ(snapshot.load()->port, 2);
  snapshot.publish(make(3));
  snapshot.publish(make(4));
  EXPECT_EQ(snapshot.version(), 4u);
  EXPECT_EQ(snapshot.read()->port, 4);
}

TEST(Snapshot, RepeatedReadsReturnTheSameObject) {
  Snapshot<Config> snapshot{make(1)};
  const Config* first = snapshot.read().get();
  EXPECT_EQ(snapshot.read().get(), first);
  EXPECT_EQ(snapshot.load().get(), first);
}

TEST(Snapshot, HandleKeepsItsValueAfterPublishAndReadOnTheSameThread) {
  std::shared_ptr<const Config> first = make(1, "first");
  const std::weak_ptr<const Config> first_alive = first;
  Snapshot<Config> snapshot{std::move(first)};

  const auto old = snapshot.read();
  snapshot.publish(make(2, "second"));
  const auto fresh = snapshot.read();  // refreshes this thread's cache while `old` is held

  EXPECT_EQ(fresh->port, 2);
  EXPECT_EQ(old->port, 1);
  EXPECT_EQ(old->name, "first");
  EXPECT_FALSE(first_alive.expired());
}

TEST(Snapshot, AValueItsLastHandleLeftGoesAtTheThreadsNextRead) {
  std::shared_ptr<const Config> first = make(1);
  const std::weak_ptr<const Config> first_alive = first;
  Snapshot<Config> snapshot{std::move(first)};
  {
    auto old = snapshot.read();
    const auto also_old = snapshot.read();
    snapshot.publish(make(2));
    EXPECT_EQ(snapshot.read()->port, 2);
    EXPECT_FALSE(first_alive.expired());
    {
      const auto dropped = std::move(old);
    }
    EXPECT_EQ(snapshot.read()->port, 2);
    EXPECT_FALSE(first_alive.expired()) << "also_old still pins the value";
    EXPECT_EQ(also_old->port, 1);
  }
  // The handles' release only counts (it is the cheap path); the thread's next read, which finds
  // the value unpinned and out of date, lets it go.
  EXPECT_EQ(snapshot.read()->port, 2);
  EXPECT_TRUE(first_alive.expired());
}

TEST(Snapshot, AValueReadWhileAnOlderHandleWasHeldGoesWithItsLastHandle) {
  Snapshot<Config> snapshot{make(0)};
  auto oldest = snapshot.read();
  std::shared_ptr<const Config> second = make(1);
  const std::weak_ptr<const Config> second_alive = second;
  snapshot.publish(std::move(second));
  auto newer = snapshot.read();  // read while `oldest` pins the thread's cached value
  EXPECT_EQ(newer->port, 1);
  snapshot.publish(make(2));
  {
    const auto released = std::move(oldest);
  }
  EXPECT_EQ(snapshot.read()->port, 2);
  EXPECT_FALSE(second_alive.expired());
  {
    const auto released = std::move(newer);
  }
  EXPECT_TRUE(second_alive.expired());
  EXPECT_EQ(snapshot.read()->port, 2);
}

TEST(Snapshot, ReadsGoOnSeeingNewValuesWhileAnOldHandleIsHeld) {
  // With the thread's cached value pinned by `held`, reads and peeks after each publish are served
  // from the thread's other slot; once `held` is gone they go back to the first.
  Snapshot<Config> snapshot{make(0)};
  std::optional<ReadHandle<Config>> held{snapshot.read()};
  for (int i = 1; i <= 5; ++i) {
    snapshot.publish(make(i));
    const auto handle = snapshot.read();
    EXPECT_EQ(handle->port, i);
    EXPECT_EQ(snapshot.peek().port, i);
    EXPECT_EQ(&snapshot.peek(), handle.get());
    EXPECT_EQ(snapshot.read().get(), handle.get());
  }
  EXPECT_EQ((*held)->port, 0);
  held.reset();
  std::shared_ptr<const Config> latest = snapshot.load();
  const std::weak_ptr<const Config> latest_alive = latest;
  latest.reset();
  EXPECT_EQ(snapshot.read()->port, 5);
  const Config& peeked = snapshot.peek();
  EXPECT_EQ(peeked.port, 5);
  snapshot.publish(make(6));
  EXPECT_FALSE(latest_alive.expired()) << "a peeked value lives until the thread reads again";
  EXPECT_EQ(snapshot.read()->port, 6);
  EXPECT_TRUE(latest_alive.expired());
}

TEST(Snapshot, AHeldHandleKeepsOnlyItsOwnValueAlive) {
  Snapshot<Config> snapshot{make(0)};
  const auto held = snapshot.read();
  std::vector<std::weak_ptr<const Config>> published;
  for (int i = 1; i <= 100; ++i) {
    auto next = make(i);
    published.push_back(next);
    snapshot.publish(std::move(next));
    EXPECT_EQ(snapshot.read()->port, i);
  }
  EXPECT_EQ(held->port, 0);
  for (int i = 0; i < 99; ++i) {
    EXPECT_TRUE(published[static_cast<std::size_t>(i)].expired()) << "value " << i + 1;
  }
  EXPECT_FALSE(published.back().expired());
}

TEST(Snapshot, RepublishingAHeldValueKeepsEveryHandleValid) {
  const std::shared_ptr<const Config> a = make(1, "a");
  const std::shared_ptr<const Config> b = make(2, "b");
  Snapshot<Config> snapshot{a};
  auto on_a = snapshot.read();
  snapshot.publish(b);
  auto on_b = snapshot.read();  // a is retired, pinned by on_a
  snapshot.publish(a);
  auto on_a_again = snapshot.read();  // a comes back from retirement; b is retired
  snapshot.publish(b);
  auto on_b_again = snapshot.read();
  EXPECT_EQ(on_a->name, "a");
  EXPECT_EQ(on_a_again->name, "a");
  EXPECT_EQ(on_b->name, "b");
  EXPECT_EQ(on_b_again->name, "b");

  const std::weak_ptr<const Config> a_alive = a;
  const std::weak_ptr<const Config> b_alive = b;
  snapshot.publish(make(3, "c"));
  {
    const auto released_a = std::move(on_a);
  }
  EXPECT_EQ(on_a_again->name, "a");
  {
    const auto released_a = std::move(on_a_again);
    const auto released_b = std::move(on_b);
  }
  EXPECT_EQ(on_b_again->name, "b");
  EXPECT_EQ(snapshot.read()->name, "c");
  {
    const auto released_b = std::move(on_b_again);
  }
  // The test's own shared_ptrs are the only owners left.
  EXPECT_EQ(a.use_count(), 1);
  EXPECT_EQ(b.use_count(), 1);
}

TEST(Snapshot, MovedHandlesTransferTheirPin) {
  Snapshot<Config> snapshot{make(1)};
  auto first = snapshot.read();
  ReadHandle<Config> second = std::move(first);
  EXPECT_EQ(first.get(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(second->port, 1);

  snapshot.publish(make(2));
  auto third = snapshot.read();
  EXPECT_EQ(third->port, 2);
  third = std::move(second);  // releases the pin on 2, takes over the pin on 1
  EXPECT_EQ(third->port, 1);
  snapshot.publish(make(3));
  EXPECT_EQ(snapshot.read()->port, 3);
  EXPECT_EQ(third->port, 1);
}

TEST(Snapshot, LoadedValueOutlivesTheSnapshot) {
  std::shared_ptr<const Config> kept;
  {
    Snapshot<Config> snapshot{make(7, "kept")};
    kept = snapshot.load();
  }
  EXPECT_EQ(kept->name, "kept");
}

TEST(Snapshot, HandleOutlivesTheSnapshot) {
  std::optional<ReadHandle<Config>> handle;
  {
    Snapshot<Config> snapshot{make(7, "kept")};
    handle.emplace(snapshot.read());
  }
  Snapshot<Config> reuses_the_index{make(8, "other")};
  EXPECT_EQ(reuses_the_index.read()->name, "other");
  EXPECT_EQ((*handle)->name, "kept");
}

TEST(Snapshot, DestroyingASnapshotReleasesThisThreadsCachedValue) {
  std::shared_ptr<const Config> value = make(1);
  const std::weak_ptr<const Config> alive = value;
  {
    Snapshot<Config> snapshot{std::move(value)};
    EXPECT_EQ(snapshot.read()->port, 1);
  }
  EXPECT_TRUE(alive.expired());
}

TEST(Snapshot, ARecycledIndexNeverReturnsTheOldSnapshotsValue) {
  for (int round = 0; round < 50; ++round) {
    auto first = std::make_unique<Snapshot<Config>>(make(round, "first"));
    EXPECT_EQ(first->read()->name, "first");
    first.reset();
    Snapshot<Config> second{make(round, "second")};
    EXPECT_EQ(second.read()->name, "second");
    // A different type on the same index.
    Snapshot<std::string> third{std::make_shared<const std::string>("third")};
    EXPECT_EQ(*third.read(), "third");
  }
}

TEST(Snapshot, ManySnapshotsInOneThreadKeepTheirOwnValues) {
  constexpr int kCount = 1000;
  std::vector<std::unique_ptr<Snapshot<Config>>> snapshots;
  std::vector<ReadHandle<Config>> held;  // handles across table growth
  for (int i = 0; i < kCount; ++i) {
    snapshots.push_back(std::make_unique<Snapshot<Config>>(make(i)));
    held.push_back(snapshots.back()->read());
  }
  for (int i = 0; i < kCount; i += 2) snapshots[static_cast<std::size_t>(i)]->publish(make(-i));
  for (int i = 0; i < kCount; ++i) {
    const auto index = static_cast<std::size_t>(i);
    EXPECT_EQ(snapshots[index]->read()->port, i % 2 == 0 ? -i : i);
    EXPECT_EQ(held[index]->port, i);
  }
  held.clear();
  snapshots.clear();
}

TEST(Snapshot, NullValuesAreRejectedAndTheOldValueStaysLive) {
  EXPECT_THROW(Snapshot<Config>{nullptr}, std::invalid_argument);
  Snapshot<Config> snapshot{make(1)};
  EXPECT_THROW(snapshot.publish(nullptr), std::invalid_argument);
  EXPECT_EQ(snapshot.version(), 1u);
  EXPECT_EQ(snapshot.read()->port, 1);
}

TEST(Snapshot, PeekReturnsTheCurrentValue) {
  Snapshot<Config> snapshot{make(1, "one")};
  EXPECT_EQ(snapshot.peek().name, "one");
  EXPECT_EQ(&snapshot.peek(), snapshot.read().get());  // the same cached object
  snapshot.publish(make(2, "two"));
  EXPECT_EQ(snapshot.peek().port, 2);
  EXPECT_EQ(&snapshot.peek(), snapshot.load().get());
}

TEST(Snapshot, APeekedValueLivesUntilThisThreadReadsAgain) {
  std::shared_ptr<const Config> first = make(1, "first");
  const std::weak_ptr<const Config> first_alive = first;
  Snapshot<Config> snapshot{std::move(first)};
  const Config& peeked = snapshot.peek();
  snapshot.publish(make(2));
  // Publishing does not touch this thread's cache: the reference is still good.
  EXPECT_FALSE(first_alive.expired());
  EXPECT_EQ(peeked.name, "first");
  // The next read here refreshes the cache and, with no handle pinning it, lets the value go.
  EXPECT_EQ(snapshot.peek().port, 2);
  EXPECT_TRUE(first_alive.expired());
}

TEST(Snapshot, PeekDoesNotReleaseAValueAHandlePins) {
  std::shared_ptr<const Config> first = make(1, "first");
  const std::weak_ptr<const Config> first_alive = first;
  Snapshot<Config> snapshot{std::move(first)};
  const auto held = snapshot.read();
  snapshot.publish(make(2, "second"));
  EXPECT_EQ(snapshot.peek().name, "second");
  EXPECT_EQ(held->name, "first");
  EXPECT_FALSE(first_alive.expired());
  // A handle taken after the peek pins the peeked value.
  const auto second = snapshot.read();
  snapshot.publish(make(3));
  EXPECT_EQ(snapshot.peek().port, 3);
  EXPECT_EQ(second->name, "second");
}

TEST(Snapshot, PeekWorksPastTheInlineSlots) {
  // More Snapshots than a thread has inline slots for: the later ones use the overflow slots.
  constexpr int kCount = 100;
  std::vector<std::unique_ptr<Snapshot<Config>>> snapshots;
  for (int i = 0; i < kCount; ++i) {
    snapshots.push_back(std::make_unique<Snapshot<Config>>(make(i)));
    EXPECT_EQ(snapshots.back()->peek().port, i);
  }
  for (int round = 1; round <= 3; ++round) {
    for (int i = 0; i < kCount; ++i) {
      const auto index = static_cast<std::size_t>(i);
      EXPECT_EQ(snapshots[index]->peek().port, i + (round - 1) * 1000) << "snapshot " << i;
      const Config* before = &snapshots[index]->peek();
      EXPECT_EQ(&snapshots[index]->peek(), before) << "cached, snapshot " << i;
      snapshots[index]->publish(make(i + round * 1000));
    }
  }
}

TEST(Snapshot, ARecycledIndexNeverPeeksTheOldSnapshotsValue) {
  for (int round = 0; round < 50; ++round) {
    auto first = std::make_unique<Snapshot<Config>>(make(round, "first"));
    EXPECT_EQ(first->peek().name, "first");
    first.reset();
    Snapshot<std::string> second{std::make_shared<const std::string>("second")};
    EXPECT_EQ(second.peek(), "second");
  }
}

TEST(Snapshot, SnapshotsSharingAValueEachReadIt) {
  // Two Snapshots may publish the same object; an index recycled from one to the other may find
  // it already cached, and that is still the right value.
  const std::shared_ptr<const Config> shared = make(7, "shared");
  auto first = std::make_unique<Snapshot<Config>>(shared);
  const auto held = first->read();
  first.reset();
  Snapshot<Config> second{shared};
  EXPECT_EQ(second.peek().name, "shared");
  EXPECT_EQ(second.read()->name, "shared");
  second.publish(make(8, "own"));
  EXPECT_EQ(second.peek().name, "own");
  EXPECT_EQ(held->name, "shared");
}

// A value whose destructor runs arbitrary code, as user types may.
struct Reentrant {
  Reentrant(int v, std::function<void()> f) : value(v), on_destroy(std::move(f)) {}
  Reentrant(const Reentrant&) = delete;
  Reentrant& operator=(const Reentrant&) = delete;
  ~Reentrant() {
    if (on_destroy) on_destroy();
  }
  int value;
  std::function<void()> on_destroy;
};

TEST(Snapshot, AValueDestructorMayReadSnapshots) {
  Snapshot<Config> other{make(5)};
  std::vector<std::unique_ptr<Snapshot<Config>>> created_late;
  int seen = 0;
  Snapshot<Reentrant> snapshot{std::make_shared<const Reentrant>(1, [&] {
    // Grows this thread's slot table while the slow path that dropped this value is running.
    for (int i = 0; i < 64; ++i) {
      created_late.push_back(std::make_unique<Snapshot<Config>>(make(i)));
      seen += created_late.back()->read()->port;
    }
    seen += other.read()->port;
  })};
  EXPECT_EQ(snapshot.read()->value, 1);
  snapshot.publish(std::make_shared<const Reentrant>(2, nullptr));
  EXPECT_EQ(snapshot.read()->value, 2);  // drops value 1, whose destructor reads
  EXPECT_EQ(seen, 63 * 64 / 2 + 5);
  EXPECT_EQ(snapshot.read()->value, 2);
}

}  // namespace
}  // namespace hotreload
