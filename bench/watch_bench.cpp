// What watching costs: the latency from a writer's rename() to the new snapshot being live, idle
// CPU, and memory per watched file. Real files in a temporary directory, real inotify.
//
// Latency runs beside its floor in the same process: a bare inotify loop on the same directory
// (RawInotifyFloor) is the earliest any watcher can know. Each iteration renames a new version
// over the file and waits for it to be seen; p50 and p99 over the iterations are reported as
// counters, in milliseconds.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <hotreload/reloader.hpp>
#include <hotreload/watch.hpp>
#include <hotreload/watch_reload.hpp>

#include "rename_latency.hpp"
#include "scratch_dir.hpp"

// Outside the anonymous namespace: there clang reports the to_json that NLOHMANN_DEFINE_TYPE_*
// defines and nothing calls (-Wunused-function).
namespace watch_bench {
struct Config {
  int version = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, version)
}  // namespace watch_bench

namespace {

namespace fs = std::filesystem;
using Clock = bench_support::LatencyClock;
using watch_bench::Config;

using bench_support::ScratchDir;

using bench_support::report_latencies;

std::string yaml_version(int version) { return "version: " + std::to_string(version) + "\n"; }

Clock::time_point replace(const fs::path& file, int version) { return bench_support::replace_file(file, yaml_version(version)); }

// The floor: one inotify watch on the directory, woken by the rename's MOVED_TO.
void RawInotifyFloor(benchmark::State& state) {
  ScratchDir dir;
  bench_support::raw_inotify_floor(state, dir.path() / "config.yaml", yaml_version);
}
BENCHMARK(RawInotifyFloor)->Iterations(200)->Unit(benchmark::kMillisecond)->UseRealTime();

// rename() to the new snapshot live: watch_layer_files + Reloader, waiting for reload.completed
// (published after the snapshot). Arg 0: the debounce in ms; arg 1: the poll interval in ms (0:
// inotify).
void RenameToLiveSnapshot(benchmark::State& state) {
  ScratchDir dir;
  const fs::path file = dir.path() / "config.yaml";
  replace(file, 0);
  hotreload::ReloadOptions options;
  options.layers.files = {{file.string()}};
  options.layers.environment = hotreload::Environment{};
  hotreload::Reloader<Config> reloader(options);
  if (!reloader.start()) {
    state.SkipWithError("start failed");
    return;
  }
  std::mutex mutex;
  std::condition_variable live;
  int live_version = 0;
  auto subscription = reloader.events().subscribe([&](const hotreload::Event& event) {
    if (event.type != hotreload::event_type::completed) return;
    std::lock_guard lock(mutex);
    live_version = reloader.read()->version;
    live.notify_all();
  });
  hotreload::WatchOptions watch;
  watch.debounce = std::chrono::milliseconds(state.range(0));
  if (state.range(1) > 0) watch.poll_interval = std::chrono::milliseconds(state.range(1));
  auto watcher = hotreload::watch_layer_files(reloader, watch);
  if (!watcher) {
    state.SkipWithError("watch failed");
    return;
  }
  std::vector<double> latencies;
  int version = 0;
  for (auto _ : state) {
    const auto written = replace(file, ++version);
    std::unique_lock lock(mutex);
    live.wait(lock, [&] { return live_version == version; });
    latencies.push_back(bench_support::milliseconds_since(written));
  }
  watcher->reset();
  report_latencies(state, latencies);
}
BENCHMARK(RenameToLiveSnapshot)
    ->Args({0, 0})
    ->Args({100, 0})
    ->Args({0, 100})
    ->ArgNames({"debounce_ms", "poll_ms"})
    ->Iterations(100)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

double cpu_ms() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

// Bytes in use on the heap, every arena (mallinfo2 sums them): what a watcher holds while it runs,
// whether its allocations reuse memory an earlier run freed or grow the process. Chunks in malloc's
// per-thread cache count as in use, so scripts/bench turns that cache off for this benchmark.
double heap_kib() {
  const struct mallinfo2 info = ::mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd) / 1024.0;
}

double rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / 1024.0;
}

// CPU used by the process over 10 s with a watcher on N files and nothing changing (the thread
// running this sleeps, so what is counted is the watcher's), and the memory the idle watcher holds
// at the end: memory_kib is its heap, rss_growth_kib what the process's resident set grew by (0
// when it reused pages freed by an earlier repetition, so only the first one says much).
// files:0 is the baseline: the same 10 s with no watcher, i.e. the process's own noise.
void IdleWatcher(benchmark::State& state) {
  ScratchDir dir;
  std::vector<std::string> files;
  for (int i = 0; i < state.range(0); ++i) {
    const fs::path file = dir.path() / ("config" + std::to_string(i) + ".yaml");
    replace(file, i);
    files.push_back(file.string());
  }
  for (auto _ : state) {
    const double heap_before = heap_kib();
    const double rss_before = rss_kib();
    std::unique_ptr<hotreload::FileWatcher> watcher;
    if (!files.empty()) {
      auto started = hotreload::FileWatcher::start({.files = files}, [](const std::vector<hotreload::FileChange>&) {});
      if (!started) {
        state.SkipWithError("watch failed");
        return;
      }
      watcher = std::move(*started);
    }
    const double cpu_before = cpu_ms();
    std::this_thread::sleep_for(std::chrono::seconds(10));
    state.counters["idle_cpu_ms_per_10s"] = cpu_ms() - cpu_before;
    // After the idle period: the watcher's thread has long finished setting up.
    state.counters["memory_kib"] = heap_kib() - heap_before;
    state.counters["rss_growth_kib"] = rss_kib() - rss_before;
    watcher.reset();
  }
}
BENCHMARK(IdleWatcher)
    ->Arg(0)
    ->Arg(1)
    ->Arg(1000)
    ->ArgName("files")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
