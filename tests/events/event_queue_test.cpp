#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "hotreload/events.hpp"

namespace hotreload {
namespace {

Event numbered(std::uint64_t reload_id) {
  Event event;
  event.type = std::string(event_type::started);
  event.reload_id = reload_id;
  return event;
}

TEST(EventQueue, TryRecvOnEmptyQueueReturnsNullopt) {
  EventQueue queue;
  EXPECT_FALSE(queue.try_recv().has_value());
  EXPECT_EQ(queue.size(), 0u);
}

TEST(EventQueue, DeliversEventsInPushOrder) {
  EventQueue queue;
  for (std::uint64_t id = 1; id <= 3; ++id) queue.push(numbered(id));
  EXPECT_EQ(queue.size(), 3u);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    auto event = queue.try_recv();
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(event->reload_id, id);
  }
  EXPECT_FALSE(queue.try_recv().has_value());
}

TEST(EventQueue, FullQueueDropsOldestAndCountsIt) {
  EventQueue queue(2);
  for (std::uint64_t id = 1; id <= 5; ++id) queue.push(numbered(id));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.dropped(), 3u);
  EXPECT_EQ(queue.try_recv()->reload_id, 4u);
  EXPECT_EQ(queue.try_recv()->reload_id, 5u);
}

TEST(EventQueue, ZeroCapacityHoldsOneEvent) {
  EventQueue queue(0);
  EXPECT_EQ(queue.capacity(), 1u);
  queue.push(numbered(1));
  queue.push(numbered(2));
  EXPECT_EQ(queue.dropped(), 1u);
  EXPECT_EQ(queue.try_recv()->reload_id, 2u);
}

TEST(EventQueue, RecvWithTimeoutOnEmptyQueueReturnsNullopt) {
  EventQueue queue;
  EXPECT_FALSE(queue.recv(std::chrono::milliseconds(1)).has_value());
}

TEST(EventQueue, RecvReturnsAQueuedEventAtOnce) {
  EventQueue queue;
  queue.push(numbered(7));
  auto event = queue.recv(std::chrono::hours(1));
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->reload_id, 7u);
}

TEST(EventQueue, CloseDrainsWhatIsLeftThenReturnsNullopt) {
  EventQueue queue;
  queue.push(numbered(1));
  queue.push(numbered(2));
  queue.close();
  EXPECT_TRUE(queue.closed());
  EXPECT_EQ(queue.recv()->reload_id, 1u);
  EXPECT_EQ(queue.recv(std::chrono::hours(1))->reload_id, 2u);
  EXPECT_FALSE(queue.recv().has_value());
  EXPECT_FALSE(queue.recv(std::chrono::hours(1)).has_value());
}

TEST(EventQueue, PushAfterCloseIsIgnoredAndNotCountedAsDropped) {
  EventQueue queue;
  queue.close();
  queue.push(numbered(1));
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(queue.dropped(), 0u);
  EXPECT_FALSE(queue.try_recv().has_value());
}

TEST(EventQueue, EventsKeepTheirContentThroughTheQueue) {
  EventQueue queue;
  Event event = numbered(3);
  event.changes.push_back({"database.max_conns", ChangeOp::modified, Value(100), Value(200)});
  event.errors.push_back({ErrorCode::parse, "bad", {"config.yaml", 2, 3}, ""});
  queue.push(event);
  auto received = queue.try_recv();
  ASSERT_TRUE(received.has_value());
  ASSERT_EQ(received->changes.size(), 1u);
  EXPECT_EQ(received->changes[0].path, "database.max_conns");
  EXPECT_EQ(*received->changes[0].new_value, Value(200));
  EXPECT_EQ(received->errors, event.errors);
}

}  // namespace
}  // namespace hotreload
