// Counts the heap allocations the calling thread makes, for tests that prove a path allocates
// nothing. allocation_counter.cpp replaces the global operator new for the whole test binary (it
// forwards to malloc and counts only on a thread that asked), so exactly one file may do that.
//
//   if (!testing::allocation_counting_linked()) GTEST_SKIP() << "...";
//   EXPECT_EQ(testing::allocations_during([&] { (void)flags.is_enabled("x"); }), 0u);
#pragma once

#include <cstddef>

namespace hotreload::testing {

bool allocation_counting_available() noexcept;
void start_counting_allocations() noexcept;
std::size_t stop_counting_allocations() noexcept;

// True when counting works: false under ThreadSanitizer, whose runtime defines operator new itself.
inline bool allocation_counting_linked() noexcept { return allocation_counting_available(); }

// The number of allocations the calling thread made while running fn.
template <class F>
std::size_t allocations_during(const F& fn) {
  start_counting_allocations();
  fn();
  return stop_counting_allocations();
}

}  // namespace hotreload::testing
