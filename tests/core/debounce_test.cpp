// The debounce state machine driven by a fake clock: times are offsets from an arbitrary start, so
// the tests say exactly when a burst is due and never wait.
#include <gtest/gtest.h>

#include <chrono>

#include "hotreload/debounce.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using Clock = Debounce::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1h;

TEST(Debounce, NothingIsPendingOrDueBeforeAnEvent) {
  Debounce debounce(100ms, 2000ms);
  EXPECT_FALSE(debounce.pending());
  EXPECT_EQ(debounce.deadline(), std::nullopt);
  EXPECT_FALSE(debounce.due(t0 + 1h));
  EXPECT_FALSE(debounce.take(t0 + 1h));
}

TEST(Debounce, BurstIsDueAfterTheQuietWindow) {
  Debounce debounce(100ms, 2000ms);
  debounce.note(t0);
  EXPECT_TRUE(debounce.pending());
  EXPECT_EQ(debounce.deadline(), t0 + 100ms);
  EXPECT_FALSE(debounce.due(t0 + 99ms));
  EXPECT_FALSE(debounce.take(t0 + 99ms));
  EXPECT_TRUE(debounce.pending());  // a take that is not due changes nothing
  EXPECT_TRUE(debounce.due(t0 + 100ms));
}

TEST(Debounce, EachEventRestartsTheQuietWindow) {
  Debounce debounce(100ms, 2000ms);
  debounce.note(t0);
  debounce.note(t0 + 80ms);
  EXPECT_EQ(debounce.deadline(), t0 + 180ms);
  EXPECT_FALSE(debounce.due(t0 + 179ms));
  EXPECT_TRUE(debounce.due(t0 + 180ms));
}

TEST(Debounce, ContinuousStreamIsDueAtTheMaxWaitCap) {
  Debounce debounce(100ms, 500ms);
  Clock::time_point now = t0;
  for (; now < t0 + 500ms; now += 10ms) {  // never quiet for 100 ms
    debounce.note(now);
    EXPECT_FALSE(debounce.take(now)) << "at +" << (now - t0).count();
  }
  EXPECT_EQ(debounce.deadline(), t0 + 500ms);
  EXPECT_TRUE(debounce.take(now));
}

TEST(Debounce, ZeroQuietIsDueAtOnce) {
  Debounce debounce(0ms, 2000ms);
  debounce.note(t0);
  EXPECT_EQ(debounce.deadline(), t0);
  EXPECT_TRUE(debounce.take(t0));
}

TEST(Debounce, MaxWaitBelowQuietCapsEveryBurst) {
  Debounce debounce(1000ms, 50ms);
  debounce.note(t0);
  EXPECT_EQ(debounce.deadline(), t0 + 50ms);
}

TEST(Debounce, TakeEndsTheBurstAndTheNextEventStartsANewOne) {
  Debounce debounce(100ms, 500ms);
  debounce.note(t0);
  debounce.note(t0 + 450ms);  // would be capped at t0 + 500ms
  ASSERT_TRUE(debounce.take(t0 + 500ms));
  EXPECT_FALSE(debounce.pending());
  EXPECT_EQ(debounce.deadline(), std::nullopt);
  EXPECT_FALSE(debounce.take(t0 + 600ms));  // taken once, not again

  // The new burst measures its cap from its own first event, not the old one's.
  debounce.note(t0 + 700ms);
  EXPECT_EQ(debounce.deadline(), t0 + 800ms);
  debounce.note(t0 + 790ms);
  debounce.note(t0 + 880ms);
  debounce.note(t0 + 970ms);
  debounce.note(t0 + 1060ms);
  debounce.note(t0 + 1150ms);
  EXPECT_EQ(debounce.deadline(), t0 + 1200ms);
}

TEST(Debounce, ResetEndsABurstBeforeItIsDue) {
  Debounce debounce(100ms, 500ms);
  debounce.note(t0);
  debounce.reset();
  EXPECT_FALSE(debounce.pending());
  EXPECT_FALSE(debounce.take(t0 + 1h));
}

}  // namespace
}  // namespace hotreload
