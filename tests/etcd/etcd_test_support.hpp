// Shared by the tests that start a real etcd.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/etcd_server.hpp"

namespace hotreload::testing {

inline constexpr std::chrono::seconds kEtcdBound{30};  // a failure bound, never a pace

// Polls `condition` until it holds or the bound passes (a deadline, not a sleep to synchronise).
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds bound = kEtcdBound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

}  // namespace hotreload::testing

// Skips the test when etcd is not installed; scripts/lib.sh installs etcd-server for CI.
#define HOTRELOAD_REQUIRE_ETCD()                                                                     \
  do {                                                                                              \
    if (!::hotreload::testing::EtcdServer::binary()) {                                              \
      GTEST_SKIP() << "etcd is not installed: apt-get install etcd-server (scripts/lib.sh does)"; \
    }                                                                                               \
  } while (false)
