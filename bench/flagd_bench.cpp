// The cost of evaluating flagd-format flags in-process, each beside a baseline in the same binary:
//  - a boolean flag without targeting, next to a std::unordered_map<std::string, bool> lookup and
//    FlagSet::is_enabled (the simple API);
//  - a targeting rule with 3 conditions (==, >=, in), next to the same three checks hand-written in
//    C++ against the same nlohmann::json context;
//  - a percentage rollout and a 4-way fractional split, next to FlagSet::is_enabled_for_user (the
//    same MurmurHash3 bucketing, Unleash-style).
// Each evaluation opens a FlagdView, as a call site that checks one flag would.
// Reproduce: see docs/FLAGD.md, "Performance".
#include <benchmark/benchmark.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "hotreload/flagd.hpp"
#include "hotreload/flags.hpp"
#include "flagd_fixture.hpp"

namespace {

using bench_fixture::contexts;
using bench_fixture::flags_json;
using bench_fixture::kFillerFlags;
using bench_fixture::users;

hotreload::FlagdStore& store() {
  static hotreload::FlagdStore flags;
  static const bool loaded = static_cast<bool>(flags.load(flags_json(), "bench.json"));
  if (!loaded) std::abort();
  return flags;
}

hotreload::FlagSet& flag_set() {
  static hotreload::FlagSet flags([](std::string_view) {});
  static const bool filled = [] {
    std::vector<hotreload::FlagConfig> all{{.name = "new-checkout", .enabled = true},
                                           {.name = "rollout", .enabled = true, .percentage = 25}};
    for (int i = 0; i < kFillerFlags; ++i) all.push_back({.name = "service.feature-" + std::to_string(i), .enabled = true});
    return static_cast<bool>(flags.replace(std::move(all)));
  }();
  (void)filled;
  return flags;
}

// ---- A boolean flag without targeting ----

void BM_Boolean_Flagd(benchmark::State& state) {
  const hotreload::FlagdStore& flags = store();
  const hotreload::EvaluationContext context{.targeting_key = "user-1"};
  for (auto _ : state) {
    auto resolution = flags.view().evaluate_boolean("new-checkout", false, context);
    benchmark::DoNotOptimize(resolution.value);
  }
}
BENCHMARK(BM_Boolean_Flagd);

void BM_Boolean_UnorderedMap(benchmark::State& state) {
  std::unordered_map<std::string, bool> map{{"new-checkout", true}};
  for (int i = 0; i < kFillerFlags; ++i) map["service.feature-" + std::to_string(i)] = true;
  const std::string key = "new-checkout";
  for (auto _ : state) {
    auto it = map.find(key);
    bool on = it != map.end() && it->second;
    benchmark::DoNotOptimize(on);
  }
}
BENCHMARK(BM_Boolean_UnorderedMap);

void BM_Boolean_FlagSet(benchmark::State& state) {
  const hotreload::FlagSet& flags = flag_set();
  for (auto _ : state) {
    bool on = flags.is_enabled("new-checkout");
    benchmark::DoNotOptimize(on);
  }
}
BENCHMARK(BM_Boolean_FlagSet);

// ---- A targeting rule with three conditions ----

void BM_Targeting_Flagd(benchmark::State& state) {
  const hotreload::FlagdStore& flags = store();
  const auto all = contexts();
  std::size_t i = 0;
  for (auto _ : state) {
    auto resolution = flags.view().evaluate_boolean("eu-pro", false, all[i++ & 63]);
    benchmark::DoNotOptimize(resolution.value);
  }
}
BENCHMARK(BM_Targeting_Flagd);

// The same rule written by hand against the same JSON context: the floor for any rule engine.
void BM_Targeting_HandWritten(benchmark::State& state) {
  const auto all = contexts();
  const std::string country = "country", age = "age", plan = "plan";
  std::size_t i = 0;
  for (auto _ : state) {
    const nlohmann::json& a = all[i++ & 63].attributes;
    auto c = a.find(country);
    auto g = a.find(age);
    auto p = a.find(plan);
    bool on = c != a.end() && c->is_string() && c->get_ref<const std::string&>() == "de" && g != a.end() &&
              g->is_number() && g->get<double>() >= 18 && p != a.end() && p->is_string() &&
              (p->get_ref<const std::string&>() == "pro" || p->get_ref<const std::string&>() == "team" ||
               p->get_ref<const std::string&>() == "enterprise");
    benchmark::DoNotOptimize(on);
  }
}
BENCHMARK(BM_Targeting_HandWritten);

// ---- A percentage rollout and a fractional split ----

void BM_Rollout_Flagd(benchmark::State& state) {
  const hotreload::FlagdStore& flags = store();
  std::vector<hotreload::EvaluationContext> all;
  for (const std::string& user : users()) all.push_back({.targeting_key = user});
  std::size_t i = 0;
  for (auto _ : state) {
    auto resolution = flags.view().evaluate_boolean("rollout", false, all[i++ & 1023]);
    benchmark::DoNotOptimize(resolution.value);
  }
}
BENCHMARK(BM_Rollout_Flagd);

void BM_Fractional_Flagd(benchmark::State& state) {
  const hotreload::FlagdStore& flags = store();
  std::vector<hotreload::EvaluationContext> all;
  for (const std::string& user : users()) all.push_back({.targeting_key = user});
  std::size_t i = 0;
  for (auto _ : state) {
    auto resolution = flags.view().evaluate_string("split", "a", all[i++ & 1023]);
    benchmark::DoNotOptimize(resolution.value.data());
  }
}
BENCHMARK(BM_Fractional_Flagd);

void BM_Rollout_FlagSet(benchmark::State& state) {
  const hotreload::FlagSet& flags = flag_set();
  const auto all = users();
  std::size_t i = 0;
  for (auto _ : state) {
    bool on = flags.is_enabled_for_user("rollout", all[i++ & 1023]);
    benchmark::DoNotOptimize(on);
  }
}
BENCHMARK(BM_Rollout_FlagSet);

}  // namespace

BENCHMARK_MAIN();
