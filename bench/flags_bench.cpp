// The cost of one feature-flag check, each beside a baseline in the same binary:
// FlagSet::is_enabled on a simple flag next to a std::unordered_map<std::string, bool> lookup,
// and FlagSet::is_enabled_for_user on a 25% rollout next to the same map lookup plus a
// std::hash of the user id (the cheapest bucketing, which Unleash compatibility rules out).
// Reproduce and compare: see docs/PERFORMANCE.md, "Feature flags".
#include <benchmark/benchmark.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hotreload/flags.hpp"

namespace {

constexpr int kFlags = 32;  // a realistic service's flag count: the lookup is not in a 1-entry map

std::string flag_name(int i) { return "service.feature-" + std::to_string(i); }

std::vector<std::string> users() {
  std::vector<std::string> out;
  for (int i = 0; i < 1024; ++i) out.push_back("user-" + std::to_string(i * 7919));
  return out;
}

hotreload::FlagSet& flag_set() {
  static hotreload::FlagSet flags([](std::string_view) {});
  static const bool filled = [] {
    std::vector<hotreload::FlagConfig> all;
    for (int i = 0; i < kFlags; ++i) {
      all.push_back({.name = flag_name(i), .enabled = true, .percentage = i % 2 == 0 ? 100 : 25});
    }
    return static_cast<bool>(flags.replace(std::move(all)));
  }();
  (void)filled;
  return flags;
}

struct MapFlag {
  bool enabled = false;
  int percentage = 100;
};

const std::unordered_map<std::string, MapFlag>& flag_map() {
  static const auto map = [] {
    std::unordered_map<std::string, MapFlag> out;
    for (int i = 0; i < kFlags; ++i) out[flag_name(i)] = {true, i % 2 == 0 ? 100 : 25};
    return out;
  }();
  return map;
}

const std::string kSimple = flag_name(4);   // 100%
const std::string kRollout = flag_name(5);  // 25%

void BM_IsEnabled_FlagSet(benchmark::State& state) {
  const hotreload::FlagSet& flags = flag_set();
  const std::string_view name = kSimple;
  for (auto _ : state) benchmark::DoNotOptimize(flags.is_enabled(name));
}
BENCHMARK(BM_IsEnabled_FlagSet);

// The same check on the rollout flag: the lookup part of BM_IsEnabledForUser_FlagSet.
void BM_IsEnabledRolloutFlag_FlagSet(benchmark::State& state) {
  const hotreload::FlagSet& flags = flag_set();
  const std::string_view name = kRollout;
  for (auto _ : state) benchmark::DoNotOptimize(flags.is_enabled(name));
}
BENCHMARK(BM_IsEnabledRolloutFlag_FlagSet);

void BM_IsEnabled_UnorderedMapBaseline(benchmark::State& state) {
  const auto& map = flag_map();
  for (auto _ : state) {
    auto it = map.find(kSimple);
    benchmark::DoNotOptimize(it != map.end() && it->second.enabled && it->second.percentage >= 100);
  }
}
BENCHMARK(BM_IsEnabled_UnorderedMapBaseline);

void BM_IsEnabledForUser_FlagSet(benchmark::State& state) {
  const hotreload::FlagSet& flags = flag_set();
  const std::vector<std::string> ids = users();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(flags.is_enabled_for_user(kRollout, ids[i++ & 1023]));
  }
}
BENCHMARK(BM_IsEnabledForUser_FlagSet);

void BM_IsEnabledForUser_UnorderedMapStdHashBaseline(benchmark::State& state) {
  const auto& map = flag_map();
  const std::vector<std::string> ids = users();
  std::size_t i = 0;
  for (auto _ : state) {
    auto it = map.find(kRollout);
    const std::string& id = ids[i++ & 1023];
    benchmark::DoNotOptimize(it != map.end() && it->second.enabled &&
                             static_cast<int>(std::hash<std::string>{}(id) % 100) + 1 <= it->second.percentage);
  }
}
BENCHMARK(BM_IsEnabledForUser_UnorderedMapStdHashBaseline);

// The Unleash bucket alone: join "<group>:<user>" on the stack and MurmurHash3 it.
void BM_Bucket(benchmark::State& state) {
  const std::vector<std::string> ids = users();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(hotreload::FlagSet::bucket(kRollout, ids[i++ & 1023]));
}
BENCHMARK(BM_Bucket);

}  // namespace

BENCHMARK_MAIN();
