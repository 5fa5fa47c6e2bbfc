// How long stop() takes on an idle reloader (issue 4 asks for under 10 ms), beside the floor: a
// std::jthread that blocks in poll() on an eventfd being woken and joined. Also the cost of an
// asynchronous request round trip on an unchanged config. Reproduce: docs/PERFORMANCE.md,
// "Reloader lifecycle".
#include <benchmark/benchmark.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "hotreload/reloader.hpp"

// Outside the anonymous namespace: there clang reports the to_json that NLOHMANN_DEFINE_TYPE_*
// defines and nothing calls (-Wunused-function).
namespace reloader_lifecycle_bench {
struct Config {
  int limit = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, limit)
}  // namespace reloader_lifecycle_bench

namespace {

using reloader_lifecycle_bench::Config;

// A config file that lives as long as the benchmark process.
struct ScratchConfig {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("hotreload-bench-" + std::to_string(::getpid()) + ".yaml");
  ScratchConfig() { std::ofstream(path) << "limit: 1\n"; }
  ~ScratchConfig() { std::filesystem::remove(path); }
};

std::string config_file() {
  static const ScratchConfig scratch;
  return scratch.path.string();
}

hotreload::ReloadOptions options() {
  hotreload::ReloadOptions opts;
  opts.layers.files = {{config_file()}};
  opts.layers.environment = hotreload::Environment{};
  return opts;
}

void BM_StopIdleReloader(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    hotreload::Reloader<Config> reloader(options());
    if (!reloader.start()) state.SkipWithError("start failed");
    state.ResumeTiming();
    reloader.stop();
  }
}
BENCHMARK(BM_StopIdleReloader)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_Baseline_WakeAndJoinPollingThread(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    const int fd = ::eventfd(0, EFD_CLOEXEC);
    std::jthread thread([fd] {
      pollfd pfd{fd, POLLIN, 0};
      (void)::poll(&pfd, 1, -1);
    });
    state.ResumeTiming();
    const std::uint64_t one = 1;
    (void)!::write(fd, &one, sizeof one);
    thread.join();
    state.PauseTiming();
    ::close(fd);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Baseline_WakeAndJoinPollingThread)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_AsyncRequestUnchanged(benchmark::State& state) {
  hotreload::Reloader<Config> reloader(options());
  if (!reloader.start()) state.SkipWithError("start failed");
  for (auto _ : state) benchmark::DoNotOptimize(reloader.request_reload_async().get());
}
BENCHMARK(BM_AsyncRequestUnchanged)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_SyncRequestUnchanged(benchmark::State& state) {
  hotreload::Reloader<Config> reloader(options());
  if (!reloader.start()) state.SkipWithError("start failed");
  for (auto _ : state) benchmark::DoNotOptimize(reloader.request_reload());
}
BENCHMARK(BM_SyncRequestUnchanged)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
