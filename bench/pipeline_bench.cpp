// What one reload costs, stage by stage, for configs of 100, 10,000 and 100,000 keys
// (service_config_fixture.hpp), each stage beside a baseline on the same input:
//   parse     text -> Document (hotreload::parse, JSON)   beside nlohmann::json::parse of the same text,
//             and the reference parser that reads only texts with errors since the fast path
//   validate  Schema::validate of the document            beside a walk that visits every node
//   diff      hotreload::diff, old vs new, 5 changes      beside nlohmann::json::diff (a JSON Patch)
//   publish   Snapshot<T>::publish of a built config      beside std::atomic<std::shared_ptr>::store
//   bind      the document to T = nlohmann::json          (not a stage of the summary; explains totals),
//             and its first half alone (to_nlohmann_json)
//   total     Reloader::request_reload() of the file on disk with ReloadOptions::schema set, the file
//             alternating between two editions so every reload applies 5 changes
//             beside reading the file and nlohmann::json::parse of it (what any reload must do);
//             again with the replaced config freed on the reloader's reclaimer thread, in that
//             thread's CPU time and in the whole process's
// Reproduce: docs/PERFORMANCE.md, "One benchmark suite: scripts/bench".
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "hotreload/diff.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/snapshot.hpp"
#include "load/parsers.hpp"
#include "scratch_dir.hpp"
#include "service_config_fixture.hpp"

namespace {

namespace fs = std::filesystem;

// Both editions of one size, parsed both ways, built once and kept for the whole run.
struct Editions {
  std::string old_text;
  std::string new_text;
  hotreload::Document old_document;
  hotreload::Document new_document;
  std::shared_ptr<const nlohmann::json> old_json;
  std::shared_ptr<const nlohmann::json> new_json;
};

const Editions& editions(int keys) {
  static std::map<int, std::unique_ptr<const Editions>> cache;
  auto& slot = cache[keys];
  if (!slot) {
    auto built = std::make_unique<Editions>();
    built->old_text = bench_fixture::service_config_json(keys, bench_fixture::Edition::original);
    built->new_text = bench_fixture::service_config_json(keys, bench_fixture::Edition::edited);
    built->old_document = bench_fixture::parse_or_die(built->old_text, "config.json");
    built->new_document = bench_fixture::parse_or_die(built->new_text, "config.json");
    built->old_json = std::make_shared<const nlohmann::json>(nlohmann::json::parse(built->old_text));
    built->new_json = std::make_shared<const nlohmann::json>(nlohmann::json::parse(built->new_text));
    slot = std::move(built);
  }
  return *slot;
}

void count_keys(benchmark::State& state) { state.counters["keys"] = static_cast<double>(state.range(0)); }

// ---- parse ----

void BM_Parse(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(hotreload::parse(input.old_text, hotreload::Format::json, "config.json"));
  count_keys(state);
}

// The parser before the fast path (nlohmann's SAX parser with a cursor for positions), which now
// reads only the texts the fast path gives up on, to report their errors.
void BM_ParseReference_NlohmannSax(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  const hotreload::ParseLimits limits;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hotreload::detail::parse_json_reference(input.old_text, "config.json", limits));
  }
  count_keys(state);
}

void BM_ParseBaseline_NlohmannJson(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(input.old_text));
  count_keys(state);
}

// ---- validate ----

void BM_Validate(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  const hotreload::Schema& schema = bench_fixture::service_config_schema();
  if (!schema.validate(input.old_document).empty()) state.SkipWithError("the fixture does not match its schema");
  for (auto _ : state) benchmark::DoNotOptimize(schema.validate(input.old_document));
  count_keys(state);
}

void BM_ValidateBaseline_Walk(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(bench_fixture::count_leaves(input.old_document.root));
  count_keys(state);
}

// ---- diff ----

void BM_Diff(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  if (hotreload::diff(input.old_document.root, input.new_document.root).size() != 5) {
    state.SkipWithError("the editions should differ in 5 keys");
  }
  for (auto _ : state) benchmark::DoNotOptimize(hotreload::diff(input.old_document.root, input.new_document.root));
  count_keys(state);
}

void BM_DiffBaseline_NlohmannJsonPatch(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::diff(*input.old_json, *input.new_json));
  count_keys(state);
}

// ---- publish ----

// Alternates between the two built editions, which the benchmark keeps alive: what is timed is
// the publish itself, not freeing the replaced config (that cost is in the total).
void BM_Publish(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  hotreload::Snapshot<nlohmann::json> snapshot{input.old_json};
  bool newer = true;
  for (auto _ : state) {
    snapshot.publish(newer ? input.new_json : input.old_json);
    newer = !newer;
  }
  count_keys(state);
}

void BM_PublishBaseline_AtomicSharedPtr(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  std::atomic<std::shared_ptr<const nlohmann::json>> current{input.old_json};
  bool newer = true;
  for (auto _ : state) {
    current.store(newer ? input.new_json : input.old_json, std::memory_order_release);
    newer = !newer;
  }
  count_keys(state);
}

// ---- bind (part of the total, not a stage of the summary) ----

void BM_Bind(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(hotreload::bind<nlohmann::json>(input.old_document));
  count_keys(state);
}

// Bind's first half: the document converted to nlohmann::json; the rest of BM_Bind is get<T>().
void BM_BindPart_ToNlohmannJson(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(hotreload::to_nlohmann_json(input.old_document.root));
  count_keys(state);
}

// ---- total ----

using bench_support::ScratchDir;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// free_replaced_in_background: see ReloadOptions; BM_TotalReload is the default (false).
void total_reload(benchmark::State& state, bool free_replaced_in_background) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  ScratchDir dir("hotreload-pipeline-bench");
  const fs::path file = dir.path() / "config.json";
  write_file(file, input.old_text);
  hotreload::ReloadOptions options;
  options.layers.files = {{file.string()}};
  options.layers.environment = hotreload::Environment{};
  options.schema = hotreload::ConfigSchema{bench_fixture::service_config_schema()};
  options.free_replaced_in_background = free_replaced_in_background;
  hotreload::Reloader<nlohmann::json> reloader(options);
  if (auto started = reloader.start(); !started) {
    state.SkipWithError(hotreload::to_string(started.error()).c_str());
    return;
  }
  bool newer = true;
  for (auto _ : state) {
    state.PauseTiming();
    write_file(file, newer ? input.new_text : input.old_text);
    newer = !newer;
    state.ResumeTiming();
    const hotreload::ReloadOutcome outcome = reloader.request_reload();
    if (outcome.status != hotreload::ReloadStatus::applied || outcome.changes.size() != 5) {
      state.SkipWithError(("reload did not apply 5 changes: " + hotreload::to_string(outcome.errors)).c_str());
      break;
    }
  }
  count_keys(state);
}

void BM_TotalReload(benchmark::State& state) { total_reload(state, false); }
// The replaced config and document freed on the reloader's reclaimer thread.
void BM_TotalReload_FreeInBackground(benchmark::State& state) { total_reload(state, true); }

void BM_TotalBaseline_ReadAndParseNlohmannJson(benchmark::State& state) {
  const Editions& input = editions(static_cast<int>(state.range(0)));
  ScratchDir dir("hotreload-pipeline-bench");
  const fs::path file = dir.path() / "config.json";
  write_file(file, input.old_text);
  for (auto _ : state) {
    std::ifstream in(file, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    benchmark::DoNotOptimize(nlohmann::json::parse(text));
  }
  count_keys(state);
}

#define HOTRELOAD_PIPELINE_BENCHMARK(name, unit) \
  BENCHMARK(name)->Arg(100)->Arg(10'000)->Arg(100'000)->ArgName("keys")->Unit(benchmark::unit)

HOTRELOAD_PIPELINE_BENCHMARK(BM_Parse, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_ParseReference_NlohmannSax, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_ParseBaseline_NlohmannJson, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_Validate, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_ValidateBaseline_Walk, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_Diff, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_DiffBaseline_NlohmannJsonPatch, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_Publish, kNanosecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_PublishBaseline_AtomicSharedPtr, kNanosecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_Bind, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_BindPart_ToNlohmannJson, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_TotalReload, kMillisecond);
HOTRELOAD_PIPELINE_BENCHMARK(BM_TotalReload_FreeInBackground, kMillisecond);
// The same with the CPU time of the whole process: the reclaimer thread's frees count too.
HOTRELOAD_PIPELINE_BENCHMARK(BM_TotalReload_FreeInBackground, kMillisecond)->MeasureProcessCPUTime();
HOTRELOAD_PIPELINE_BENCHMARK(BM_TotalBaseline_ReadAndParseNlohmannJson, kMillisecond);

}  // namespace

BENCHMARK_MAIN();
