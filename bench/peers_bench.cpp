// hotreload's side of the peer comparison (docs/PERFORMANCE.md, "Peers, same run"): the work that
// the Node peers in bench/peers/ do, done by hotreload on the same bytes, read from the same files.
//
//   peers_bench --write-inputs=DIR   writes the inputs (service_config_fixture.hpp, flagd_fixture.hpp)
//                                    and hotreload's answers on them (expected.json), then exits
//   peers_bench --inputs=DIR [Google Benchmark flags]
//                                    checks hotreload's answers on the files in DIR, then measures
//
// Each benchmark measures the CPU time of the whole process (MeasureProcessCPUTime), which is what
// the Node side measures too (process.cpuUsage(): V8's helper threads included); the process is
// single-threaded, so here it equals the thread's CPU time. Wall time is reported beside it.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "flagd_fixture.hpp"
#include "hotreload/flagd.hpp"
#include "load/parsers.hpp"
#include "service_config_fixture.hpp"

namespace {

namespace fs = std::filesystem;

constexpr int kKeys = 10'000;

// The files both sides read, in DIR.
constexpr const char* kConfigJson = "config.json";
constexpr const char* kConfigYaml = "config.yaml";
constexpr const char* kInvalidJson = "config-invalid.json";
constexpr const char* kSchema = "schema.json";
constexpr const char* kFlags = "flags.json";
constexpr const char* kContexts = "contexts.json";
constexpr const char* kExpected = "expected.json";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) bench_fixture::fail("cannot read " + path.string() + " (run peers_bench --write-inputs=DIR first)");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) bench_fixture::fail("cannot write " + path.string());
}

hotreload::Document parse_or_die(std::string_view text, const hotreload::Format& format, std::string_view name) {
  auto document = hotreload::parse(text, format, name);
  if (!document) bench_fixture::fail(document.error().to_string());
  return std::move(*document);
}

// The keyword of a validation error: its message ends "(KEYWORD at #/schema/pointer)".
std::string keyword_of(const hotreload::Error& error) {
  const std::size_t at = error.message.rfind(" at ");
  const std::size_t open = error.message.rfind('(', at);
  if (at == std::string::npos || open == std::string::npos) bench_fixture::fail("no keyword in: " + error.message);
  return error.message.substr(open + 1, at - open - 1);
}

nlohmann::json error_list(const hotreload::Errors& errors) {
  nlohmann::json out = nlohmann::json::array();
  for (const hotreload::Error& error : errors) out.push_back({{"path", error.path}, {"keyword", keyword_of(error)}});
  return out;
}

// The contexts file: {"targeting": [{"targetingKey": ..., attributes...}], "fractional": [key...]},
// the shape flagd-core takes; hotreload's EvaluationContext splits the targeting key off.
struct Contexts {
  std::vector<hotreload::EvaluationContext> targeting;
  std::vector<hotreload::EvaluationContext> fractional;
};

nlohmann::json contexts_json() {
  nlohmann::json targeting = nlohmann::json::array();
  for (const hotreload::EvaluationContext& context : bench_fixture::contexts()) {
    nlohmann::json entry = context.attributes;
    entry["targetingKey"] = context.targeting_key;
    targeting.push_back(std::move(entry));
  }
  return {{"targeting", targeting}, {"fractional", bench_fixture::users()}};
}

Contexts contexts_from(const nlohmann::json& json) {
  Contexts out;
  for (nlohmann::json entry : json.at("targeting")) {
    std::string key = entry.at("targetingKey").get<std::string>();
    entry.erase("targetingKey");
    out.targeting.push_back({std::move(key), std::move(entry)});
  }
  for (const nlohmann::json& key : json.at("fractional")) out.fractional.push_back({.targeting_key = key.get<std::string>()});
  return out;
}

// hotreload's answers: the errors of both configs, the targeting flag per context, the split per key.
nlohmann::json answers(const hotreload::Schema& schema, const hotreload::Document& valid, const hotreload::Document& invalid,
                       const hotreload::FlagdStore& flags, const Contexts& contexts) {
  nlohmann::json targeting = nlohmann::json::array(), fractional = nlohmann::json::array();
  for (const auto& context : contexts.targeting) targeting.push_back(flags.view().evaluate_boolean("eu-pro", false, context).value);
  for (const auto& context : contexts.fractional) fractional.push_back(flags.view().evaluate_string("split", "a", context).value);
  return {{"keys", kKeys},
          {"valid_errors", error_list(schema.validate(valid))},
          {"invalid_errors", error_list(schema.validate(invalid))},
          {"targeting", targeting},
          {"fractional", fractional}};
}

hotreload::Schema compile_or_die(std::string_view text) {
  auto schema = hotreload::Schema::compile(parse_or_die(text, hotreload::Format::json, kSchema));
  if (!schema) bench_fixture::fail(hotreload::to_string(schema.error()));
  return std::move(*schema);
}

hotreload::FlagdStore& load_flags(hotreload::FlagdStore& store, const std::string& text) {
  if (auto loaded = store.load(text, kFlags); !loaded) bench_fixture::fail(hotreload::to_string(loaded.error()));
  return store;
}

int write_inputs(const fs::path& dir) {
  using bench_fixture::Edition;
  fs::create_directories(dir);
  const std::string valid = bench_fixture::service_config_json(kKeys, Edition::original);
  const std::string invalid = bench_fixture::service_config_json(kKeys, Edition::invalid);
  write_text(dir / kConfigJson, valid);
  write_text(dir / kConfigYaml, bench_fixture::service_config_yaml(kKeys, Edition::original));
  write_text(dir / kInvalidJson, invalid);
  write_text(dir / kSchema, bench_fixture::kServiceConfigSchema);
  write_text(dir / kFlags, bench_fixture::flags_json());
  write_text(dir / kContexts, contexts_json().dump(1) + "\n");
  hotreload::FlagdStore store;
  const nlohmann::json expected =
      answers(compile_or_die(bench_fixture::kServiceConfigSchema), parse_or_die(valid, hotreload::Format::json, kConfigJson),
              parse_or_die(invalid, hotreload::Format::json, kInvalidJson), load_flags(store, bench_fixture::flags_json()),
              contexts_from(contexts_json()));
  write_text(dir / kExpected, expected.dump(1) + "\n");
  std::printf("peers_bench: inputs and hotreload's answers written to %s\n", dir.c_str());
  return 0;
}

// ---- What is measured: the files of --inputs, as read from disk ----

struct Inputs {
  std::string json_text;
  std::string yaml_text;
  hotreload::Document valid;
  hotreload::Schema schema;
  hotreload::FlagdStore flags;
  Contexts contexts;
};

const Inputs* inputs = nullptr;

// hotreload's answers on the files must be the ones the peers are checked against.
void check(const fs::path& dir, Inputs& in) {
  const hotreload::Document invalid = parse_or_die(read_text(dir / kInvalidJson), hotreload::Format::json, kInvalidJson);
  const nlohmann::json expected = nlohmann::json::parse(read_text(dir / kExpected));
  if (answers(in.schema, in.valid, invalid, in.flags, in.contexts) != expected) {
    bench_fixture::fail("hotreload's answers on " + dir.string() + " differ from expected.json (rerun --write-inputs)");
  }
  for (std::size_t size : {in.contexts.targeting.size(), in.contexts.fractional.size()}) {
    if (size == 0 || (size & (size - 1)) != 0) bench_fixture::fail("the context lists' sizes must be powers of two");
  }
  if (!expected.at("valid_errors").empty() || expected.at("invalid_errors").size() != 5) {
    bench_fixture::fail("the valid config should have no error and the invalid one 5");
  }
  if (!(parse_or_die(in.yaml_text, hotreload::Format::yaml, kConfigYaml).root == in.valid.root)) {
    bench_fixture::fail("config.yaml does not hold the same values as config.json");
  }
}

void BM_ValidateAllErrors(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(inputs->schema.validate(inputs->valid));
  state.counters["keys"] = kKeys;
}

void BM_ValidatePassFail(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(inputs->schema.is_valid(inputs->valid.root));
  state.counters["keys"] = kKeys;
}

void BM_ParseJson(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(hotreload::parse(inputs->json_text, hotreload::Format::json, kConfigJson));
}

void BM_ParseYaml(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(hotreload::parse(inputs->yaml_text, hotreload::Format::yaml, kConfigYaml));
}

// The YAML parser before the fast path (yaml-cpp's events), which now reads only the texts the
// fast path gives up on: what BM_ParseYaml measured until then.
void BM_ParseYamlReference_YamlCpp(benchmark::State& state) {
  const hotreload::ParseLimits limits;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hotreload::detail::parse_yaml_reference(inputs->yaml_text, kConfigYaml, limits));
  }
}

void BM_FlagdTargeting(benchmark::State& state) {
  const auto& all = inputs->contexts.targeting;
  const std::size_t mask = all.size() - 1;  // a power of two (check)
  std::size_t i = 0;
  for (auto _ : state) {
    auto resolution = inputs->flags.view().evaluate_boolean("eu-pro", false, all[i++ & mask]);
    benchmark::DoNotOptimize(resolution.value);
  }
}

void BM_FlagdFractional(benchmark::State& state) {
  const auto& all = inputs->contexts.fractional;
  const std::size_t mask = all.size() - 1;  // a power of two (check)
  std::size_t i = 0;
  for (auto _ : state) {
    auto resolution = inputs->flags.view().evaluate_string("split", "a", all[i++ & mask]);
    benchmark::DoNotOptimize(resolution.value.data());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string write_dir, inputs_dir;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--write-inputs=")) {
      write_dir = arg.substr(15);
    } else if (arg.starts_with("--inputs=")) {
      inputs_dir = arg.substr(9);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (!write_dir.empty()) return write_inputs(write_dir);
  if (inputs_dir.empty()) {
    std::fprintf(stderr, "usage: peers_bench --write-inputs=DIR | --inputs=DIR [benchmark flags]\n");
    return 2;
  }
  const fs::path dir = inputs_dir;
  static Inputs in{read_text(dir / kConfigJson), read_text(dir / kConfigYaml), {}, compile_or_die(read_text(dir / kSchema)),
                   {}, contexts_from(nlohmann::json::parse(read_text(dir / kContexts)))};
  in.valid = parse_or_die(in.json_text, hotreload::Format::json, kConfigJson);
  load_flags(in.flags, read_text(dir / kFlags));
  check(dir, in);
  inputs = &in;

  benchmark::RegisterBenchmark("BM_ValidateAllErrors", BM_ValidateAllErrors)->Unit(benchmark::kMicrosecond)->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("BM_ValidatePassFail", BM_ValidatePassFail)->Unit(benchmark::kMicrosecond)->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("BM_ParseJson", BM_ParseJson)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("BM_ParseYaml", BM_ParseYaml)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("BM_ParseYamlReference_YamlCpp", BM_ParseYamlReference_YamlCpp)
      ->Unit(benchmark::kMillisecond)
      ->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("BM_FlagdTargeting", BM_FlagdTargeting)->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("BM_FlagdFractional", BM_FlagdFractional)->MeasureProcessCPUTime();
  int count = static_cast<int>(rest.size());
  benchmark::Initialize(&count, rest.data());
  if (benchmark::ReportUnrecognizedArguments(count, rest.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
