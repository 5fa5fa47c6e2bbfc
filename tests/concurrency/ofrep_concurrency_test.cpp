// OFREP under concurrent evaluations, flag swaps, change notices, scrapes and event streams
// (run under ThreadSanitizer).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "hotreload/metrics.hpp"
#include "hotreload/ofrep.hpp"
#include "support/raw_http.hpp"

namespace hotreload {
namespace {

constexpr int kChanges = 20;

std::string flags_with(const char* variant) {
  return std::string(R"({"flags": {
    "a": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": ")") + variant + R"("},
    "b": {"state": "ENABLED", "variants": {"x": "X", "y": "Y"}, "defaultVariant": "x",
          "targeting": {"fractional": [["x", 1], ["y", 1]]}}}})";
}

TEST(OfrepConcurrency, EvaluationsSwapsAndNoticesRunTogether) {
  FlagdStore store;
  ASSERT_TRUE(store.load(flags_with("on"), "flags.json").has_value());
  MetricsRegistry registry;
  OfrepServer server(store, {}, &registry);
  ASSERT_TRUE(server.start().has_value());
  const int port = server.port();

  std::vector<testing::RawConnection> streams;
  for (int i = 0; i < 2; ++i) {
    streams.emplace_back(port);
    ASSERT_TRUE(streams.back().send("GET /ofrep/v1/events HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(streams.back().read_until("\r\n\r\n", std::chrono::seconds(20)).has_value());
  }

  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([port, t] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(20, 0);
      for (int i = 0; i < 15; ++i) {
        const std::string body = R"({"context": {"targetingKey": "user-)" + std::to_string(t * 100 + i) + R"("}})";
        auto one = client.Post(i % 2 == 0 ? "/ofrep/v1/evaluate/flags/a" : "/ofrep/v1/evaluate/flags/b", body,
                               "application/json");
        ASSERT_TRUE(one);
        EXPECT_EQ(one->status, 200) << one->body;
        auto all = client.Post("/ofrep/v1/evaluate/flags", body, "application/json");
        ASSERT_TRUE(all);
        EXPECT_EQ(all->status, 200);
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < kChanges; ++i) {
      ASSERT_TRUE(store.load(flags_with(i % 2 == 0 ? "off" : "on"), "flags.json").has_value());
      server.flags_changed();
    }
  });
  threads.emplace_back([port] {
    httplib::Client client("127.0.0.1", port);
    for (int i = 0; i < 10; ++i) {
      auto metrics = client.Get("/metrics");
      ASSERT_TRUE(metrics);
      EXPECT_EQ(metrics->status, 200);
    }
  });
  for (std::thread& thread : threads) thread.join();

  // Every notice reached every stream, the last one included.
  for (testing::RawConnection& stream : streams) {
    auto received = stream.read_until("-" + std::to_string(kChanges) + "\nevent: message", std::chrono::seconds(20));
    EXPECT_TRUE(received.has_value());
  }
  server.stop();
  for (testing::RawConnection& stream : streams) {
    EXPECT_TRUE(stream.read_until_closed(std::chrono::seconds(20)).has_value());
  }
}

}  // namespace
}  // namespace hotreload
