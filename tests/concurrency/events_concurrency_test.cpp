// Events under contention; CI runs this binary under ThreadSanitizer. Threads synchronise through
// latches and atomics only: a wrong wake-up hangs the test (and the ctest timeout reports it)
// rather than being papered over by a sleep.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "hotreload/events.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;

// reload_id names the producer, generation counts that producer's events 1, 2, 3 ...
Event from(std::uint64_t producer, std::uint64_t count) {
  Event event;
  event.type = std::string(event_type::file_changed);
  event.reload_id = producer;
  event.generation = count;
  return event;
}

TEST(EventQueueConcurrency, ProducersAndConsumersDeliverEveryEventExactlyOnce) {
  constexpr std::uint64_t kProducers = 4;
  constexpr std::uint64_t kPerProducer = 2000;
  EventQueue queue(kProducers * kPerProducer);  // large enough that nothing is dropped

  std::vector<std::vector<Event>> received(3);
  std::vector<std::jthread> consumers;
  for (auto& mine : received) {
    consumers.emplace_back([&queue, &mine] {
      while (auto event = queue.recv(1h)) mine.push_back(std::move(*event));
    });
  }
  {
    std::vector<std::jthread> producers;
    for (std::uint64_t p = 0; p < kProducers; ++p) {
      producers.emplace_back([&queue, p] {
        for (std::uint64_t i = 1; i <= kPerProducer; ++i) queue.push(from(p, i));
      });
    }
  }
  queue.close();
  consumers.clear();

  std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
  for (const auto& mine : received) {
    std::vector<std::uint64_t> last(kProducers, 0);
    for (const Event& event : mine) {
      EXPECT_TRUE(seen.emplace(event.reload_id, event.generation).second) << "delivered twice";
      // The queue is FIFO, so one consumer sees each producer's events in push order.
      EXPECT_GT(event.generation, last[event.reload_id]);
      last[event.reload_id] = event.generation;
    }
  }
  EXPECT_EQ(seen.size(), kProducers * kPerProducer);
  EXPECT_EQ(queue.dropped(), 0u);
}

TEST(EventQueueConcurrency, FullQueueUnderPressureAccountsForEveryEvent) {
  constexpr std::uint64_t kProducers = 4;
  constexpr std::uint64_t kPerProducer = 2000;
  EventQueue queue(8);

  std::atomic<std::uint64_t> received{0};
  std::vector<std::jthread> consumers;
  for (int c = 0; c < 2; ++c) {
    consumers.emplace_back([&queue, &received, c] {
      for (;;) {
        // One consumer polls, the other blocks, so both paths race against the producers.
        auto event = c == 0 ? queue.try_recv() : queue.recv(1h);
        if (event) {
          received.fetch_add(1, std::memory_order_relaxed);
        } else if (queue.closed()) {
          return;
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  {
    std::vector<std::jthread> producers;
    for (std::uint64_t p = 0; p < kProducers; ++p) {
      producers.emplace_back([&queue, p] {
        for (std::uint64_t i = 1; i <= kPerProducer; ++i) queue.push(from(p, i));
      });
    }
  }
  queue.close();
  consumers.clear();
  // try_recv() may have seen "closed" while events were left; drain them here.
  while (queue.try_recv()) received.fetch_add(1, std::memory_order_relaxed);
  EXPECT_EQ(received.load() + queue.dropped(), kProducers * kPerProducer);
}

TEST(EventQueueConcurrency, BlockedRecvWakesOnPush) {
  EventQueue queue;
  std::latch waiting(1);
  std::optional<Event> got;
  std::jthread consumer([&] {
    waiting.count_down();
    got = queue.recv(1h);
  });
  waiting.wait();
  queue.push(from(1, 1));
  consumer.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->generation, 1u);
}

TEST(EventQueueConcurrency, CloseWakesEveryBlockedRecv) {
  EventQueue queue;
  constexpr int kWaiters = 4;
  std::latch waiting(kWaiters);
  std::atomic<int> woke_empty{0};
  {
    std::vector<std::jthread> consumers;
    for (int i = 0; i < kWaiters; ++i) {
      consumers.emplace_back([&, i] {
        waiting.count_down();
        auto event = i % 2 == 0 ? queue.recv(1h) : queue.recv();
        if (!event) woke_empty.fetch_add(1);
      });
    }
    waiting.wait();
    queue.close();
  }
  EXPECT_EQ(woke_empty.load(), kWaiters);
}

TEST(EventQueueConcurrency, RecvWithShortTimeoutOnEmptyQueueReturnsNullopt) {
  EventQueue queue;
  std::jthread other([&] { EXPECT_FALSE(queue.recv(1ms).has_value()); });
  EXPECT_FALSE(queue.recv(1ms).has_value());
}

// The CallbackHandle guarantee: once cancel() has returned, no call of that callback starts,
// even while other threads keep publishing.
TEST(SubscriptionConcurrency, NoCallStartsAfterCancelReturns) {
  for (int round = 0; round < 20; ++round) {
    EventBus bus;
    std::atomic<bool> cancel_returned{false};
    std::atomic<int> late_calls{0};
    std::atomic<bool> called{false};
    std::latch first_call(1);
    Subscription sub = bus.subscribe([&](const Event&) {
      if (cancel_returned.load()) late_calls.fetch_add(1);
      if (!called.exchange(true)) first_call.count_down();
    });

    std::atomic<int> published_after_cancel{0};
    std::vector<std::jthread> publishers;
    for (int p = 0; p < 3; ++p) {
      publishers.emplace_back([&](std::stop_token stop) {
        // Keep going until each publisher has published a while after cancel() returned.
        while (!stop.stop_requested()) {
          const bool after = cancel_returned.load();
          bus.publish(from(1, 1));
          if (after && published_after_cancel.fetch_add(1) > 300) return;
        }
      });
    }
    first_call.wait();
    sub.cancel();
    cancel_returned.store(true);
    publishers.clear();
    EXPECT_EQ(late_calls.load(), 0) << "round " << round;
  }
}

TEST(SubscriptionConcurrency, CancelWaitsForACallRunningOnAnotherThread) {
  EventBus bus;
  std::latch entered(1);
  std::latch release(1);
  std::atomic<bool> finished{false};
  Subscription sub = bus.subscribe([&](const Event&) {
    entered.count_down();
    release.wait();
    finished.store(true);
  });
  std::jthread publisher([&] { bus.publish(from(1, 1)); });
  entered.wait();
  std::jthread canceller([&] {
    sub.cancel();
    // cancel() may only return once the running call has finished.
    EXPECT_TRUE(finished.load());
  });
  release.count_down();
}

TEST(SubscriptionConcurrency, CallbackCancellingItselfWhileOthersPublish) {
  EventBus bus;
  std::atomic<bool> cancelling{false};
  std::atomic<bool> self_cancel_returned{false};
  std::atomic<int> late_calls{0};
  std::latch cancelled(1);
  Subscription sub;
  sub = bus.subscribe([&](const Event&) {
    if (self_cancel_returned.load()) late_calls.fetch_add(1);
    // Only one thread may touch the handle; the others keep calling in until the slot closes.
    if (!cancelling.exchange(true)) {
      sub.cancel();
      self_cancel_returned.store(true);
      cancelled.count_down();
    }
  });
  {
    std::vector<std::jthread> publishers;
    for (int p = 0; p < 3; ++p) {
      publishers.emplace_back([&](std::stop_token stop) {
        while (!stop.stop_requested()) bus.publish(from(1, 1));
      });
    }
    cancelled.wait();
    for (int i = 0; i < 200; ++i) bus.publish(from(2, 1));
  }
  EXPECT_EQ(late_calls.load(), 0);
}

// Subscribing, cancelling, opening and dropping queues from callbacks and from other threads
// while several threads publish: nothing deadlocks, nothing throws, TSan sees no race.
TEST(EventBusConcurrency, SubscribeCancelAndOpenQueueWhilePublishing) {
  EventBus bus;
  std::atomic<int> nested_calls{0};
  Subscription churner = bus.subscribe([&](const Event& event) {
    if (event.generation % 16 != 0) return;
    Subscription nested = bus.subscribe([&](const Event&) { nested_calls.fetch_add(1); });
    auto queue = bus.open_queue(4);
  });  // nested and queue are dropped here, on the publishing thread
  {
    std::vector<std::jthread> threads;
    for (std::uint64_t p = 0; p < 3; ++p) {
      threads.emplace_back([&, p] {
        for (std::uint64_t i = 1; i <= 500; ++i) bus.publish(from(p, i));
      });
    }
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        Subscription sub = bus.subscribe([](const Event&) {});
        auto queue = bus.open_queue(2);
        if (i % 2 == 0) sub.cancel();
      }
    });
  }
  EXPECT_EQ(bus.callback_errors(), 0u);
}

// Queues see one order (the sequence order); a callback sees each publishing thread's events in
// the order that thread published them.
TEST(EventBusConcurrency, OrderingAcrossPublishers) {
  constexpr std::uint64_t kPublishers = 4;
  constexpr std::uint64_t kPerPublisher = 1000;
  EventBus bus;
  auto queue = bus.open_queue(kPublishers * kPerPublisher);
  // Each slot is written only by the publishing thread it belongs to.
  std::vector<std::uint64_t> last_seen(kPublishers, 0);
  std::atomic<int> out_of_order{0};
  Subscription sub = bus.subscribe([&](const Event& event) {
    if (event.generation <= last_seen[event.reload_id]) out_of_order.fetch_add(1);
    last_seen[event.reload_id] = event.generation;
  });
  {
    std::vector<std::jthread> publishers;
    for (std::uint64_t p = 0; p < kPublishers; ++p) {
      publishers.emplace_back([&, p] {
        for (std::uint64_t i = 1; i <= kPerPublisher; ++i) bus.publish(from(p, i));
      });
    }
  }
  EXPECT_EQ(out_of_order.load(), 0);
  std::uint64_t expected_sequence = 1;
  std::vector<std::uint64_t> last_in_queue(kPublishers, 0);
  while (auto event = queue->try_recv()) {
    EXPECT_EQ(event->sequence, expected_sequence++);
    EXPECT_GT(event->generation, last_in_queue[event->reload_id]);
    last_in_queue[event->reload_id] = event->generation;
  }
  EXPECT_EQ(expected_sequence, kPublishers * kPerPublisher + 1);
}

}  // namespace
}  // namespace hotreload
