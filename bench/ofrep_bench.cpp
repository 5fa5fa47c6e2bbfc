// OFREP single-flag evaluations over real HTTP on 127.0.0.1, beside the floor of the same HTTP
// stack: an in-process OfrepServer serves a small flagd flag set, and each client thread sends
// POST /ofrep/v1/evaluate/flags/eu-pro (a 3-condition targeting rule) in a loop; the floor is
// GET /healthz of the same server, a static body that skips parsing and evaluation.
// Clients are httplib::Client (HTTP/1.1, keep-alive asked for), one per thread. The serving layer
// answers every request with Connection: close, so each request is a new TCP connection: that
// cost is in both figures, and the ratio is what evaluation adds.
// Counters: requests_per_s (all threads together, wall time) and p50_us/p99_us per request.
// Reproduce: see docs/PERFORMANCE.md, "OFREP over HTTP and flagd sync".
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "hotreload/flagd.hpp"
#include "hotreload/ofrep.hpp"

namespace {

constexpr const char* kFlags = R"({"flags": {
  "new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
  "eu-pro": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
    "targeting": {"if": [{"and": [{"==": [{"var": "country"}, "de"]},
                                  {">=": [{"var": "age"}, 18]},
                                  {"in": [{"var": "plan"}, ["pro", "team", "enterprise"]]}]}, "on", "off"]}},
  "banner-color": {"state": "ENABLED", "variants": {"red": "red", "blue": "blue"}, "defaultVariant": "red"}}})";

constexpr const char* kContext =
    R"({"context": {"targetingKey": "user-1", "country": "de", "age": 30, "plan": "pro"}})";

// One server for the whole binary: starting one per benchmark would only add noise.
hotreload::OfrepServer& server() {
  static hotreload::FlagdStore flags;
  static hotreload::OfrepServer ofrep = [] {
    if (!flags.load(kFlags, "bench.json")) std::abort();
    return hotreload::OfrepServer(flags, {});
  }();
  static const bool started = static_cast<bool>(ofrep.start());
  if (!started) std::abort();
  return ofrep;
}

enum class Route { evaluate, healthz };

// Latencies of each thread, in its own slot, written only inside the timed loop; thread 0 reads
// them all after the loop, when Google Benchmark's end barrier has been passed by every thread.
std::vector<std::vector<double>> latencies_us;
std::chrono::steady_clock::time_point run_started;

double percentile(std::vector<double>& sorted_values, double fraction) {
  if (sorted_values.empty()) return 0;
  return sorted_values[static_cast<std::size_t>(fraction * static_cast<double>(sorted_values.size() - 1))];
}

template <Route route>
void BM_Http(benchmark::State& state) {
  const int port = server().port();
  if (state.thread_index() == 0) {
    latencies_us.assign(static_cast<std::size_t>(state.threads()), {});
    run_started = std::chrono::steady_clock::now();
  }
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  std::vector<double>* mine = nullptr;
  for (auto _ : state) {
    if (mine == nullptr) mine = &latencies_us[static_cast<std::size_t>(state.thread_index())];
    const auto sent = std::chrono::steady_clock::now();
    auto response = route == Route::evaluate
                        ? client.Post("/ofrep/v1/evaluate/flags/eu-pro", kContext, "application/json")
                        : client.Get("/healthz");
    const auto answered = std::chrono::steady_clock::now();
    if (!response || response->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
    mine->push_back(std::chrono::duration<double, std::micro>(answered - sent).count());
  }
  if (state.thread_index() != 0) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started).count();
  std::vector<double> all;
  for (const auto& slot : latencies_us) all.insert(all.end(), slot.begin(), slot.end());
  std::sort(all.begin(), all.end());
  state.counters["requests_per_s"] = static_cast<double>(all.size()) / seconds;
  state.counters["p50_us"] = percentile(all, 0.50);
  state.counters["p99_us"] = percentile(all, 0.99);
}

BENCHMARK(BM_Http<Route::evaluate>)->Name("BM_OfrepEvaluate")->Threads(1)->Threads(16)->UseRealTime();
BENCHMARK(BM_Http<Route::healthz>)->Name("BM_StaticHealthzFloor")->Threads(1)->Threads(16)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
