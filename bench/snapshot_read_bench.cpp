// The cost of one read of a published value while a writer publishes every millisecond:
// hotreload::Snapshot::peek() and read() beside a raw atomic pointer load (the floor),
// std::atomic<std::shared_ptr> and a std::shared_mutex-guarded std::shared_ptr copy.
// Reproduce and compare: see docs/PERFORMANCE.md, "Snapshot reads".
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stop_token>
#include <thread>

#include "hotreload/snapshot.hpp"

namespace {

struct Config {
  std::uint64_t generation = 0;
  std::uint64_t limit = 0;
};

std::shared_ptr<const Config> make_config(std::uint64_t generation) {
  return std::make_shared<const Config>(Config{generation, generation * 2});
}

// Each source is shared by the reader threads and its writer; each read returns a field of the
// current value, read while the reader still holds it.

struct HotreloadReadHandle {
  hotreload::Snapshot<Config> snapshot{make_config(0)};
  void publish(std::uint64_t generation) { snapshot.publish(make_config(generation)); }
  std::uint64_t read() const {
    const auto config = snapshot.read();
    return config->limit;
  }
};

// The same Snapshot read through peek(): no handle, no pin; the reference is valid until this
// thread's next read of the Snapshot.
struct HotreloadPeek {
  hotreload::Snapshot<Config> snapshot{make_config(0)};
  void publish(std::uint64_t generation) { snapshot.publish(make_config(generation)); }
  std::uint64_t read() const { return snapshot.peek().limit; }
};

// The floor: what a read costs with no lifetime management at all. The writer cycles through
// objects that live for the whole run, so readers can never see one freed.
struct RawAtomicPointer {
  std::array<Config, 16> pool{};
  alignas(64) std::atomic<const Config*> current{&pool[0]};
  void publish(std::uint64_t generation) {
    current.store(&pool[generation % pool.size()], std::memory_order_release);
  }
  std::uint64_t read() const {
    const Config* config = current.load(std::memory_order_acquire);
    return config->limit;
  }
};

struct AtomicSharedPtr {
  std::atomic<std::shared_ptr<const Config>> current{make_config(0)};
  void publish(std::uint64_t generation) {
    current.store(make_config(generation), std::memory_order_release);
  }
  std::uint64_t read() const {
    const std::shared_ptr<const Config> config = current.load(std::memory_order_acquire);
    return config->limit;
  }
};

struct SharedMutexSharedPtr {
  mutable std::shared_mutex mu;
  std::shared_ptr<const Config> current = make_config(0);  // guarded by mu
  void publish(std::uint64_t generation) {
    std::shared_ptr<const Config> next = make_config(generation);
    std::unique_lock lock(mu);
    current.swap(next);
  }
  std::uint64_t read() const {
    std::shared_ptr<const Config> config;
    {
      std::shared_lock lock(mu);
      config = current;
    }
    return config->limit;
  }
};

template <class Source>
Source& source() {
  static Source instance;
  return instance;
}

// One writer per run, started by Setup() before any reader thread starts and stopped by
// Teardown() after all of them finished, so every measured read races with publishes.
template <class Source>
std::optional<std::jthread>& writer() {
  static std::optional<std::jthread> thread;
  return thread;
}

template <class Source>
void StartWriter(const benchmark::State&) {
  std::promise<void> started;
  std::future<void> running = started.get_future();
  writer<Source>().emplace([started = std::move(started)](std::stop_token stop) mutable {
    std::uint64_t generation = 1;
    source<Source>().publish(generation++);
    started.set_value();
    auto next = std::chrono::steady_clock::now();
    while (!stop.stop_requested()) {
      next += std::chrono::milliseconds(1);
      std::this_thread::sleep_until(next);
      source<Source>().publish(generation++);
    }
  });
  running.wait();
}

template <class Source>
void StopWriter(const benchmark::State&) {
  writer<Source>().reset();  // requests stop and joins
}

template <class Source>
void BM_Read(benchmark::State& state) {
  const Source& shared = source<Source>();
  for (auto _ : state) {
    benchmark::DoNotOptimize(shared.read());
  }
  state.SetItemsProcessed(state.iterations());
}

#define HOTRELOAD_READ_BENCHMARK(Source)                                             \
  BENCHMARK_TEMPLATE(BM_Read, Source)                                                \
      ->Setup(StartWriter<Source>)                                                   \
      ->Teardown(StopWriter<Source>)                                                 \
      ->Threads(1)                                                                   \
      ->Threads(2)

HOTRELOAD_READ_BENCHMARK(HotreloadReadHandle);
HOTRELOAD_READ_BENCHMARK(HotreloadPeek);
HOTRELOAD_READ_BENCHMARK(RawAtomicPointer);
HOTRELOAD_READ_BENCHMARK(AtomicSharedPtr);
HOTRELOAD_READ_BENCHMARK(SharedMutexSharedPtr);

// read() while this thread holds a handle taken before the last publish, which keeps the
// thread's fast slot: every read takes the slow path through the thread's other slot (a function
// call, no mutex). Compare with BM_Read<HotreloadReadHandle>/threads:1.
void BM_ReadWhileAnOldHandleIsHeld(benchmark::State& state) {
  hotreload::Snapshot<Config> snapshot{make_config(0)};
  const auto held = snapshot.read();
  snapshot.publish(make_config(1));
  for (auto _ : state) {
    benchmark::DoNotOptimize(snapshot.read()->limit);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadWhileAnOldHandleIsHeld);

}  // namespace

BENCHMARK_MAIN();
