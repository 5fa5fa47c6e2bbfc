// How long a flag edit takes to reach a flagd provider syncing from hotreload: from the rename()
// of a flag file to a SyncFlags client (a real gRPC stream on loopback) receiving the new flags,
// through the chain `hotreload flags serve --sync` runs: FileWatcher, FlagdDefinitions::parse_file
// (parse, validate, compile), FlagSyncServer::publish.
//
// Beside it in the same process: the floor (a bare inotify watch seeing the rename, the earliest
// anything can know) and the same chain stopping at the published text (no gRPC), so the
// difference between the three says what the watcher and the sync stream each cost. p50 and p99
// over each benchmark's renames, in milliseconds.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <hotreload/flag_sync.hpp>
#include <hotreload/flagd.hpp>
#include <hotreload/watch.hpp>

#include "flagd/sync/v1/sync.grpc.pb.h"
#include "rename_latency.hpp"
#include "scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;
namespace sync_v1 = flagd::sync::v1;
using bench_support::LatencyClock;
using bench_support::ScratchDir;

// A flag file whose "version" flag carries the version: a boolean flag with targeting beside it,
// so that each change is parsed, validated and compiled as a real one would be.
std::string flag_file(int version) {
  return R"({"flags": {
  "new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
                   "targeting": {"if": [{"ends_with": [{"var": "email"}, "@example.com"]}, "on", "off"]}},
  "version": {"state": "ENABLED", "variants": {"current": )" +
         std::to_string(version) + R"(}, "defaultVariant": "current"}
}}
)";
}

// The version a published flag document carries, or -1.
int version_of(const std::string& document) {
  const auto flags = nlohmann::json::parse(document, nullptr, false);
  if (flags.is_discarded()) return -1;
  return flags["flags"]["version"]["variants"].value("current", -1);
}

// The newest version something has seen, and when; waited on by the writer.
class Arrivals {
 public:
  void seen(int version) {
    const auto at = LatencyClock::now();
    std::lock_guard lock(mutex_);
    version_ = version;
    at_ = at;
    changed_.notify_all();
  }
  // When `version` arrived (waits for it); the writer renames one version at a time.
  LatencyClock::time_point await(int version) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return version_ >= version; });
    return at_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int version_ = -1;
  LatencyClock::time_point at_{};
};

// What `flags serve` does on a change: reads and compiles the file, then hands the document on.
std::unique_ptr<hotreload::FileWatcher> watch_flags(const fs::path& file, std::chrono::milliseconds debounce,
                                                    std::function<void(std::string)> publish) {
  hotreload::WatchOptions watch{.files = {file.string()}, .debounce = debounce};
  auto watcher = hotreload::FileWatcher::start(watch, [file, publish](const std::vector<hotreload::FileChange>&) {
    auto definitions = hotreload::FlagdDefinitions::parse_file(file.string());
    if (definitions) publish(definitions->to_json().dump());
  });
  return watcher ? std::move(*watcher) : nullptr;
}

void RawInotifyFloor(benchmark::State& state) {
  ScratchDir dir;
  bench_support::raw_inotify_floor(state, dir.path() / "flags.json", flag_file);
}
BENCHMARK(RawInotifyFloor)->Iterations(200)->Unit(benchmark::kMillisecond)->UseRealTime();

// Every rename through `write`, then waiting until `arrivals` has the version: p50/p99.
void measure_renames(benchmark::State& state, const fs::path& file, Arrivals& arrivals) {
  std::vector<double> latencies;
  int version = 0;
  for (auto _ : state) {
    const auto written = bench_support::replace_file(file, flag_file(++version));
    latencies.push_back(bench_support::milliseconds_since(written, arrivals.await(version)));
  }
  bench_support::report_latencies(state, latencies);
}

// rename() to the compiled flag document being ready to publish: the chain without gRPC.
// Arg: the debounce in ms.
void RenameToFlagsPublished(benchmark::State& state) {
  ScratchDir dir;
  const fs::path file = dir.path() / "flags.json";
  bench_support::replace_file(file, flag_file(0));
  Arrivals published;
  auto watcher = watch_flags(file, std::chrono::milliseconds(state.range(0)),
                             [&](const std::string& document) { published.seen(version_of(document)); });
  if (!watcher) {
    state.SkipWithError("watch failed");
    return;
  }
  measure_renames(state, file, published);
}
BENCHMARK(RenameToFlagsPublished)->Arg(0)->Arg(100)->ArgName("debounce_ms")->Iterations(100)->Unit(benchmark::kMillisecond)->UseRealTime();

// rename() to a SyncFlags client receiving the new flags. Arg: the debounce in ms.
void RenameToSyncClient(benchmark::State& state) {
  ScratchDir dir;
  const fs::path file = dir.path() / "flags.json";
  bench_support::replace_file(file, flag_file(0));
  auto initial = hotreload::FlagdDefinitions::parse_file(file.string());
  auto server = hotreload::FlagSyncServer::start({}, {.merged = initial ? initial->to_json().dump() : ""});
  if (!initial || !server) {
    state.SkipWithError("flag sync server did not start");
    return;
  }
  auto watcher = watch_flags(file, std::chrono::milliseconds(state.range(0)),
                             [&](std::string document) { (*server)->publish({.merged = std::move(document)}); });
  if (!watcher) {
    state.SkipWithError("watch failed");
    return;
  }

  // The client: one stream, read on its own thread as a provider does.
  auto stub = sync_v1::FlagSyncService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  auto stream = stub->SyncFlags(&context, sync_v1::SyncFlagsRequest());
  Arrivals received;
  std::thread reader([&] {
    sync_v1::SyncFlagsResponse response;
    while (stream->Read(&response)) received.seen(version_of(response.flag_configuration()));
  });
  received.await(0);  // connected: the configuration sent on connect has arrived

  measure_renames(state, file, received);
  context.TryCancel();
  reader.join();
  watcher.reset();
}
BENCHMARK(RenameToSyncClient)->Arg(0)->Arg(100)->ArgName("debounce_ms")->Iterations(100)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
