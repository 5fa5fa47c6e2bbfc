// What JSON Schema validation costs per key: Schema::validate and Schema::is_valid on a valid
// 10,000-key config (service_config_fixture.hpp), beside two baselines on the same parsed tree:
// walking it (the floor of any validator: every node visited, nothing checked) and the same rules
// written by hand in C++ (types, ranges, the enum, required and unknown keys, both patterns with
// std::regex). Only the public Schema API is used. Reproduce: docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>

#include "service_config_fixture.hpp"

namespace {

constexpr int kKeys = 10'000;

const hotreload::Document& config() {
  static const hotreload::Document document =
      bench_fixture::parse_or_die(bench_fixture::service_config_json(kKeys), "config.json");
  return document;
}

void BM_SchemaValidate(benchmark::State& state) {
  const hotreload::Schema& schema = bench_fixture::service_config_schema();
  const hotreload::Document& document = config();
  if (!schema.validate(document).empty()) state.SkipWithError("the fixture does not match its schema");
  for (auto _ : state) benchmark::DoNotOptimize(schema.validate(document));
  state.counters["keys"] = kKeys;
}
BENCHMARK(BM_SchemaValidate)->Unit(benchmark::kMicrosecond);

void BM_SchemaIsValid(benchmark::State& state) {
  const hotreload::Schema& schema = bench_fixture::service_config_schema();
  const hotreload::Document& document = config();
  for (auto _ : state) benchmark::DoNotOptimize(schema.is_valid(document.root));
  state.counters["keys"] = kKeys;
}
BENCHMARK(BM_SchemaIsValid)->Unit(benchmark::kMicrosecond);

void BM_WalkBaseline(benchmark::State& state) {
  const hotreload::Document& document = config();
  for (auto _ : state) benchmark::DoNotOptimize(bench_fixture::count_leaves(document.root));
  state.counters["keys"] = kKeys;
}
BENCHMARK(BM_WalkBaseline)->Unit(benchmark::kMicrosecond);

// The schema's rules for one service, by hand.
bool valid_service(const hotreload::Value& service, const std::regex& path_pattern) {
  if (!service.is_object()) return false;
  const hotreload::Object& settings = service.as_object();
  for (std::string_view required : {"host", "port", "enabled", "timeout_ms"}) {
    if (!settings.contains(required)) return false;
  }
  auto integer_in = [](const hotreload::Value& v, std::int64_t low, std::int64_t high) {
    return v.is_int() && v.as_int() >= low && v.as_int() <= high;
  };
  for (const auto& [key, value] : settings) {
    bool ok = false;
    if (key == "host") {
      ok = value.is_string() && !value.as_string().empty() && value.as_string().size() <= 253;
    } else if (key == "port") {
      ok = integer_in(value, 1, 65535);
    } else if (key == "enabled") {
      ok = value.is_bool();
    } else if (key == "timeout_ms") {
      ok = integer_in(value, 1, 60000);
    } else if (key == "retries") {
      ok = integer_in(value, 0, 10);
    } else if (key == "weight") {
      ok = value.is_number() && value.as_double() >= 0 && value.as_double() <= 1;
    } else if (key == "mode") {
      ok = value.is_string() &&
           (value.as_string() == "active" || value.as_string() == "standby" || value.as_string() == "drain");
    } else if (key == "path") {
      ok = value.is_string() && std::regex_search(value.as_string(), path_pattern);
    } else if (key == "max_conns") {
      ok = integer_in(value, 1, INT64_MAX);
    } else if (key == "owner") {
      ok = value.is_string();
    }
    if (!ok) return false;
  }
  return true;
}

bool valid_config(const hotreload::Value& root, const std::regex& name_pattern, const std::regex& path_pattern) {
  if (!root.is_object() || root.as_object().size() != 1) return false;
  const hotreload::Value* services = root.as_object().find("services");
  if (services == nullptr || !services->is_object()) return false;
  for (const auto& [name, service] : services->as_object()) {
    if (!std::regex_search(name, name_pattern) || !valid_service(service, path_pattern)) return false;
  }
  return true;
}

void BM_HandWrittenBaseline(benchmark::State& state) {
  const hotreload::Document& document = config();
  const std::regex name_pattern("^svc-[0-9]+$");
  const std::regex path_pattern("^/");
  if (!valid_config(document.root, name_pattern, path_pattern)) state.SkipWithError("the hand-written check is wrong");
  for (auto _ : state) benchmark::DoNotOptimize(valid_config(document.root, name_pattern, path_pattern));
  state.counters["keys"] = kKeys;
}
BENCHMARK(BM_HandWrittenBaseline)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
