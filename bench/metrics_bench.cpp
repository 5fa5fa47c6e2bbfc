// The cost of a metric update on the hot path, beside its baseline in the same binary: a raw
// std::atomic<uint64_t> fetch_add (what Counter::inc is), with one thread and with several
// hammering the same cell. Also the lookup path (Family::with), a histogram observation, a flag
// evaluation count, and a whole scrape of ReloadMetrics. Results: docs/OPERATIONS.md.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "hotreload/events.hpp"
#include "hotreload/metrics.hpp"
#include "hotreload/reload_metrics.hpp"

namespace {

// Shared by every thread of a benchmark: the contended case is the realistic one for a counter.
std::atomic<std::uint64_t> raw_cell{0};

void BM_RawAtomicFetchAdd(benchmark::State& state) {
  for (auto _ : state) raw_cell.fetch_add(1, std::memory_order_relaxed);
}
BENCHMARK(BM_RawAtomicFetchAdd)->Threads(1)->Threads(2);

hotreload::MetricsRegistry& registry() {
  static hotreload::MetricsRegistry instance;
  return instance;
}

void BM_CounterInc(benchmark::State& state) {
  static hotreload::Counter& counter = registry().counter("bench_counter_total", "Bench.", {"k"}).with({"v"});
  for (auto _ : state) counter.inc();
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2);

void BM_CounterWithLookup(benchmark::State& state) {
  static hotreload::CounterFamily& family = []() -> hotreload::CounterFamily& {
    auto& f = registry().counter("bench_lookup_total", "Bench.", {"route", "code"});
    for (int i = 0; i < 16; ++i) (void)f.with({"/route/" + std::to_string(i), "200"});
    return f;
  }();
  for (auto _ : state) family.with({"/route/7", "200"}).inc();
}
BENCHMARK(BM_CounterWithLookup)->Threads(1)->Threads(2);

void BM_GaugeSet(benchmark::State& state) {
  static hotreload::Gauge& gauge = registry().gauge("bench_gauge", "Bench.").with();
  double value = 0;
  for (auto _ : state) gauge.set(value += 1);
}
BENCHMARK(BM_GaugeSet)->Threads(1)->Threads(2);

void BM_GaugeAdd(benchmark::State& state) {
  static hotreload::Gauge& gauge = registry().gauge("bench_gauge_add", "Bench.").with();
  for (auto _ : state) gauge.add(1);
}
BENCHMARK(BM_GaugeAdd)->Threads(1)->Threads(2);

void BM_HistogramObserve(benchmark::State& state) {
  static hotreload::Histogram& histogram =
      registry().histogram("bench_seconds", "Bench.", hotreload::exponential_buckets(0.0005, 2, 15)).with();
  double value = 0.0001;
  for (auto _ : state) {
    histogram.observe(value);
    value = value > 10 ? 0.0001 : value * 1.7;
  }
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2);

struct Reload {
  hotreload::EventBus bus;
  hotreload::MetricsRegistry registry;
  hotreload::ReloadMetrics metrics{bus, registry};
  Reload() {
    for (int i = 0; i < 20; ++i) metrics.count_flag_evaluation("flag-" + std::to_string(i), "TARGETING_MATCH");
    hotreload::Event completed;
    completed.type = std::string(hotreload::event_type::completed);
    bus.publish(completed);
  }
};
Reload& reload() {
  static Reload instance;
  return instance;
}

void BM_CountFlagEvaluation(benchmark::State& state) {
  Reload& r = reload();
  for (auto _ : state) r.metrics.count_flag_evaluation("flag-7", "TARGETING_MATCH");
}
BENCHMARK(BM_CountFlagEvaluation)->Threads(1)->Threads(2);

void BM_ScrapeReloadMetrics(benchmark::State& state) {
  Reload& r = reload();
  std::size_t bytes = 0;
  for (auto _ : state) bytes = r.registry.expose().size();
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ScrapeReloadMetrics);

}  // namespace

BENCHMARK_MAIN();
