// What the watcher tests share: a log that awaits callback batches, file writes of both kinds
// (in place, or atomically by rename), and the backend each contract test runs against.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hotreload::testing {

// Far beyond any real latency: reached only when a change was missed.
inline constexpr std::chrono::seconds kWatchFailureBound{10};

// Collects the batches a watcher reports; next() waits for the following one.
template <class Batch>
class BatchLog {
 public:
  void push(Batch batch) {
    std::lock_guard lock(mu_);
    batches_.push_back(std::move(batch));
    arrived_.notify_all();
  }
  std::optional<Batch> next() {
    std::unique_lock lock(mu_);
    if (!arrived_.wait_for(lock, kWatchFailureBound, [&] { return batches_.size() > taken_; })) return std::nullopt;
    return batches_[taken_++];
  }

 private:
  std::mutex mu_;
  std::condition_variable arrived_;
  std::vector<Batch> batches_;  // guarded by mu_
  std::size_t taken_ = 0;       // guarded by mu_
};

// Truncates and writes in place, as `cp` and most programs do.
inline void write_file(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// An atomic replacement (temp file, then rename). Tests whose subject is not an in-place write use
// it: an in-place write has a moment where the file is truncated, and a watcher that scans in that
// moment rightly reports it, which on a loaded machine would split one change into two callbacks.
inline void replace_file(const std::string& path, std::string_view content) {
  const std::string temp = path + ".replacing";
  write_file(temp, content);
  std::filesystem::rename(temp, path);
}

// Rewrites a file in place with new content every couple of milliseconds until destroyed, so the
// watcher never sees it quiet. The pause only paces the writes (it synchronises nothing): a writer
// that never paused would starve the watcher on a two-core machine.
class ContinuousWriter {
 public:
  explicit ContinuousWriter(std::string path)
      : thread_([path = std::move(path)](std::stop_token stop) {
          for (unsigned long n = 0; !stop.stop_requested(); ++n) {
            write_file(path, "n: " + std::to_string(n) + "\n");
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
        }) {}

 private:
  std::jthread thread_;  // stopped and joined by its destructor
};

inline std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// The backend a contract test runs against: inotify, or polling at a short interval.
struct BackendParam {
  const char* name;
  std::optional<std::chrono::milliseconds> poll_interval;
};

// gtest prints test parameters in test names and failures; without this it dumps the bytes.
inline void PrintTo(const BackendParam& backend, std::ostream* out) { *out << backend.name; }

}  // namespace hotreload::testing
