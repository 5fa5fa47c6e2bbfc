#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "hotreload/events.hpp"

namespace hotreload {
namespace {

Event of_type(std::string_view type, std::uint64_t reload_id = 1) {
  Event event;
  event.type = std::string(type);
  event.reload_id = reload_id;
  return event;
}

TEST(EventBus, CallsCallbacksInRegistrationOrder) {
  EventBus bus;
  std::vector<std::string> calls;
  Subscription first = bus.subscribe([&](const Event& e) { calls.push_back("first " + e.type); });
  Subscription second = bus.subscribe([&](const Event& e) { calls.push_back("second " + e.type); });
  bus.publish(of_type(event_type::started));
  bus.publish(of_type(event_type::completed));
  EXPECT_EQ(calls, (std::vector<std::string>{"first reload.started", "second reload.started",
                                             "first reload.completed", "second reload.completed"}));
}

TEST(EventBus, PublishStampsIncreasingSequenceNumbers) {
  EventBus bus;
  std::vector<std::uint64_t> seen;
  Subscription sub = bus.subscribe([&](const Event& e) { seen.push_back(e.sequence); });
  EXPECT_EQ(bus.publish(of_type(event_type::started)), 1u);
  EXPECT_EQ(bus.publish(of_type(event_type::validated)), 2u);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2}));
}

TEST(EventBus, PublishWithoutSubscribersOrQueuesDoesNothing) {
  EventBus bus;
  EXPECT_EQ(bus.publish(of_type(event_type::started)), 1u);
  EXPECT_EQ(bus.callback_errors(), 0u);
}

TEST(EventBus, ThrowingCallbackIsCountedAndLaterCallbacksStillRun) {
  EventBus bus;
  int later_calls = 0;
  Subscription thrower = bus.subscribe([](const Event&) { throw std::runtime_error("boom"); });
  Subscription stranger = bus.subscribe([](const Event&) { throw 42; });
  Subscription later = bus.subscribe([&](const Event&) { ++later_calls; });
  EXPECT_NO_THROW(bus.publish(of_type(event_type::started)));
  EXPECT_EQ(later_calls, 1);
  EXPECT_EQ(bus.callback_errors(), 2u);
}

TEST(EventBus, QueueReceivesEveryEventPublishedAfterItOpened) {
  EventBus bus;
  bus.publish(of_type(event_type::started, 1));
  auto queue = bus.open_queue();
  bus.publish(of_type(event_type::validated, 1));
  bus.publish(of_type(event_type::completed, 1));
  auto first = queue->try_recv();
  auto second = queue->try_recv();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->type, event_type::validated);
  EXPECT_EQ(first->sequence, 2u);
  EXPECT_EQ(second->type, event_type::completed);
  EXPECT_FALSE(queue->try_recv().has_value());
}

TEST(EventBus, EveryQueueGetsItsOwnCopy) {
  EventBus bus;
  auto a = bus.open_queue();
  auto b = bus.open_queue(1);
  bus.publish(of_type(event_type::started));
  bus.publish(of_type(event_type::completed));
  EXPECT_EQ(a->size(), 2u);
  EXPECT_EQ(b->size(), 1u);
  EXPECT_EQ(b->dropped(), 1u);
  EXPECT_EQ(b->try_recv()->type, event_type::completed);
}

TEST(EventBus, DroppedQueueStopsReceiving) {
  EventBus bus;
  auto queue = bus.open_queue();
  std::weak_ptr<EventQueue> weak = queue;
  queue.reset();
  bus.publish(of_type(event_type::started));
  EXPECT_TRUE(weak.expired());
}

TEST(EventBus, DestroyingTheBusClosesItsQueues) {
  std::shared_ptr<EventQueue> queue;
  {
    EventBus bus;
    queue = bus.open_queue();
    bus.publish(of_type(event_type::started));
  }
  EXPECT_TRUE(queue->closed());
  EXPECT_EQ(queue->recv()->type, event_type::started);
  EXPECT_FALSE(queue->recv().has_value());
}

TEST(EventBus, CallbackSubscribingDuringPublishSeesOnlyLaterEvents) {
  EventBus bus;
  std::vector<std::uint64_t> inner_seen;
  Subscription inner;
  Subscription outer = bus.subscribe([&](const Event&) {
    if (!inner.active()) inner = bus.subscribe([&](const Event& e) { inner_seen.push_back(e.sequence); });
  });
  bus.publish(of_type(event_type::started));
  bus.publish(of_type(event_type::completed));
  EXPECT_EQ(inner_seen, (std::vector<std::uint64_t>{2}));
}

TEST(EventBus, CallbackMayPublishANestedEvent) {
  EventBus bus;
  std::vector<std::string> seen;
  Subscription sub = bus.subscribe([&](const Event& e) {
    seen.push_back(e.type);
    if (e.type == event_type::module_started) bus.publish(of_type(event_type::module_completed));
  });
  auto queue = bus.open_queue();
  bus.publish(of_type(event_type::module_started));
  EXPECT_EQ(seen, (std::vector<std::string>{"reload.module.started", "reload.module.completed"}));
  EXPECT_EQ(queue->size(), 2u);
}

TEST(Subscription, CancelStopsDelivery) {
  EventBus bus;
  int calls = 0;
  Subscription sub = bus.subscribe([&](const Event&) { ++calls; });
  EXPECT_TRUE(sub.active());
  bus.publish(of_type(event_type::started));
  sub.cancel();
  EXPECT_FALSE(sub.active());
  bus.publish(of_type(event_type::completed));
  EXPECT_EQ(calls, 1);
  sub.cancel();  // a second cancel is harmless
}

TEST(Subscription, DroppingTheHandleUnsubscribes) {
  EventBus bus;
  int calls = 0;
  { Subscription sub = bus.subscribe([&](const Event&) { ++calls; }); }
  bus.publish(of_type(event_type::started));
  EXPECT_EQ(calls, 0);
}

TEST(Subscription, DefaultConstructedHandleIsInactive) {
  Subscription sub;
  EXPECT_FALSE(sub.active());
  sub.cancel();
}

TEST(Subscription, MoveTransfersTheRegistration) {
  EventBus bus;
  int calls = 0;
  Subscription original = bus.subscribe([&](const Event&) { ++calls; });
  Subscription moved = std::move(original);
  EXPECT_FALSE(original.active());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(moved.active());
  bus.publish(of_type(event_type::started));
  EXPECT_EQ(calls, 1);
}

TEST(Subscription, MoveAssignmentCancelsTheRegistrationItHeld) {
  EventBus bus;
  int a_calls = 0;
  int b_calls = 0;
  Subscription sub = bus.subscribe([&](const Event&) { ++a_calls; });
  sub = bus.subscribe([&](const Event&) { ++b_calls; });
  bus.publish(of_type(event_type::started));
  EXPECT_EQ(a_calls, 0);
  EXPECT_EQ(b_calls, 1);
}

TEST(Subscription, CallbackCancellingItselfFinishesAndIsNeverCalledAgain) {
  EventBus bus;
  int calls = 0;
  bool finished_after_cancel = false;
  Subscription sub;
  sub = bus.subscribe([&](const Event&) {
    ++calls;
    sub.cancel();  // must not wait for this very call
    finished_after_cancel = true;
  });
  bus.publish(of_type(event_type::started));
  bus.publish(of_type(event_type::completed));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(finished_after_cancel);
  EXPECT_FALSE(sub.active());
}

TEST(Subscription, CallbackCancellingALaterCallbackPreventsItsCallInTheSamePublish) {
  EventBus bus;
  int later_calls = 0;
  Subscription later;
  Subscription first = bus.subscribe([&](const Event&) { later.cancel(); });
  later = bus.subscribe([&](const Event&) { ++later_calls; });
  bus.publish(of_type(event_type::started));
  EXPECT_EQ(later_calls, 0);
}

TEST(Subscription, CancelReleasesWhatTheCallbackCaptured) {
  EventBus bus;
  auto resource = std::make_shared<int>(1);
  std::weak_ptr<int> weak = resource;
  Subscription sub = bus.subscribe([resource = std::move(resource)](const Event&) {});
  EXPECT_FALSE(weak.expired());
  sub.cancel();
  EXPECT_TRUE(weak.expired());
}

TEST(Subscription, HandleMayOutliveTheBus) {
  auto bus = std::make_unique<EventBus>();
  Subscription sub = bus->subscribe([](const Event&) {});
  EXPECT_TRUE(sub.active());
  bus.reset();
  EXPECT_FALSE(sub.active());
  sub.cancel();
}

TEST(EventTrigger, NamesRoundTrip) {
  for (Trigger trigger : {Trigger::initial, Trigger::file, Trigger::signal, Trigger::api,
                          Trigger::http, Trigger::etcd}) {
    EXPECT_EQ(parse_trigger(to_string(trigger)), trigger);
  }
  EXPECT_STREQ(to_string(Trigger::etcd), "etcd");
  EXPECT_FALSE(parse_trigger("cron").has_value());
  EXPECT_FALSE(parse_trigger("").has_value());
}

}  // namespace
}  // namespace hotreload
