// What the latency benchmarks share: a writer that renames a new version over a file as editors
// do, the floor any watcher is measured against (a bare inotify watch seeing that rename), and
// p50/p99 counters over an iteration's samples.
#pragma once

#include <benchmark/benchmark.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace bench_support {

using LatencyClock = std::chrono::steady_clock;

// Writes `text` to a temporary file and renames it over `file`; returns the instant of rename().
inline LatencyClock::time_point replace_file(const std::filesystem::path& file, const std::string& text) {
  const std::filesystem::path temp = file.string() + ".tmp";
  {
    std::ofstream(temp) << text;
  }
  const auto at = LatencyClock::now();
  std::filesystem::rename(temp, file);
  return at;
}

inline double milliseconds_since(LatencyClock::time_point start, LatencyClock::time_point end = LatencyClock::now()) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

inline double percentile_ms(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[std::min(index, samples.size() - 1)];
}

inline void report_latencies(benchmark::State& state, const std::vector<double>& latencies_ms) {
  state.counters["p50_ms"] = percentile_ms(latencies_ms, 0.50);
  state.counters["p99_ms"] = percentile_ms(latencies_ms, 0.99);
}

// The floor: one inotify watch on the file's directory, woken by the rename's MOVED_TO. Each
// iteration renames `version_text(n)` over `file` and waits for that event.
template <typename VersionText>
void raw_inotify_floor(benchmark::State& state, const std::filesystem::path& file, VersionText version_text) {
  replace_file(file, version_text(0));
  const int fd = ::inotify_init1(IN_CLOEXEC);
  ::inotify_add_watch(fd, file.parent_path().c_str(), IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE);
  const std::string name = file.filename().string();
  std::vector<double> latencies;
  char buffer[4096];
  int version = 0;
  for (auto _ : state) {
    const auto written = replace_file(file, version_text(++version));
    bool seen = false;
    while (!seen) {
      pollfd ready{fd, POLLIN, 0};
      ::poll(&ready, 1, -1);
      const ssize_t length = ::read(fd, buffer, sizeof buffer);
      for (ssize_t at = 0; at < length;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        if ((event->mask & IN_MOVED_TO) != 0 && event->len > 0 && name == event->name) seen = true;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    latencies.push_back(milliseconds_since(written));
  }
  ::close(fd);
  report_latencies(state, latencies);
}

}  // namespace bench_support
