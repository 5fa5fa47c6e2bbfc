// The global operator new replacement behind allocation_counter.hpp (moved here from
// tests/flags/flag_set_test.cpp so that every test in the binary can count).
#include "support/allocation_counter.hpp"

#include <cstdlib>
#include <new>

// ThreadSanitizer's runtime defines operator new itself (statically, with clang), so the counting
// replacement below cannot be linked there; that build runs only the concurrency tests anyway.
#if defined(__SANITIZE_THREAD__)
#define HOTRELOAD_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HOTRELOAD_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef HOTRELOAD_COUNT_ALLOCATIONS
#define HOTRELOAD_COUNT_ALLOCATIONS 1
#endif

namespace {
constinit thread_local bool g_count_allocations = false;
constinit thread_local std::size_t g_allocations = 0;
}  // namespace

namespace hotreload::testing {

bool allocation_counting_available() noexcept { return HOTRELOAD_COUNT_ALLOCATIONS != 0; }

void start_counting_allocations() noexcept {
  g_allocations = 0;
  g_count_allocations = true;
}

std::size_t stop_counting_allocations() noexcept {
  g_count_allocations = false;
  return g_allocations;
}

}  // namespace hotreload::testing

// Every non-aligned form is replaced, so that no allocation made through one family (say the
// nothrow new of std::stable_sort's buffer) is freed through the other: AddressSanitizer reports
// such a mismatch. The aligned forms stay the library's own, and pair with each other.
#if HOTRELOAD_COUNT_ALLOCATIONS
void* operator new(std::size_t size) {
  if (g_count_allocations) ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_count_allocations) ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return ::operator new(size, tag); }
// Not inlined: g++ 12 would otherwise see free() on memory from operator new in every caller and
// warn (-Wmismatched-new-delete), though this operator new does allocate with malloc.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#endif  // HOTRELOAD_COUNT_ALLOCATIONS
