// Property: whatever sequence of replacements two watched files go through, the watcher ends up having
// reported each file's final state (its content, or missing), on both backends. A seeded PRNG makes
// the sequences; a failure prints the seed, and HOTRELOAD_PROPERTY_SEED=N reruns exactly that run.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hotreload/watch.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using State = std::optional<std::string>;  // a file's content, or nullopt when it cannot be read

// Far beyond any real latency: reached only when a final state was never reported.
constexpr auto kFailureBound = 10s;
constexpr int kSequences = 200;
constexpr int kMaxOperations = 8;

State read_state(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file(const std::string& path, const std::string& content, std::ios::openmode mode) {
  std::ofstream out(path, std::ios::binary | mode);
  out << content;
}

std::string describe(const State& state) { return state ? "\"" + *state + "\"" : "<missing>"; }

// What the watcher has told its owner so far: each file's content as read inside the callback that
// reported it (a reloader would load exactly that), starting from the content at start().
class ReportedStates {
 public:
  explicit ReportedStates(std::map<std::string, State> initial) : states_(std::move(initial)) {}

  ChangeCallback callback() {
    return [this](const std::vector<FileChange>& changes) {
      std::lock_guard lock(mu_);
      for (const auto& change : changes) {
        states_[change.path] = change.kind == FileChange::Kind::missing ? std::nullopt : read_state(change.path);
      }
      changed_.notify_all();
    };
  }

  // Waits until every file in `expected` was last reported in its expected state.
  bool await(const std::map<std::string, State>& expected) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kFailureBound, [&] {
      for (const auto& [path, state] : expected) {
        if (states_[path] != state) return false;
      }
      return true;
    });
  }

  std::string dump() {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& [path, state] : states_) out += "  " + fs::path(path).filename().string() + " = " + describe(state) + "\n";
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, State> states_;  // guarded by mu_
};

enum class Operation { in_place_write, truncate_write, temp_rename, remove, recreate, symlink_retarget };
constexpr Operation kOperations[] = {Operation::in_place_write, Operation::truncate_write, Operation::temp_rename,
                                     Operation::remove,         Operation::recreate,       Operation::symlink_retarget};

const char* name_of(Operation operation) {
  switch (operation) {
    case Operation::in_place_write: return "in-place write";
    case Operation::truncate_write: return "truncate+write";
    case Operation::temp_rename: return "temp+rename";
    case Operation::remove: return "delete";
    case Operation::recreate: return "recreate";
    case Operation::symlink_retarget: return "symlink retarget";
  }
  return "?";
}

// Applies one operation to `path` for real, and to the model `state`. Every content written is unique
// (`tag`), so an equal state means the same write, not a coincidence.
void apply(Operation operation, const std::string& path, const std::string& tag, State& state) {
  std::string content = "v: " + tag + "\n";
  switch (operation) {
    case Operation::in_place_write:  // appends to the inode in place (creates the file if missing)
      write_file(path, content, std::ios::app);
      state = state.value_or("") + content;
      return;
    case Operation::truncate_write:
      write_file(path, content, std::ios::trunc);
      state = content;
      return;
    case Operation::temp_rename:
      write_file(path + ".tmp", content, std::ios::trunc);
      fs::rename(path + ".tmp", path);
      state = content;
      return;
    case Operation::remove:
      fs::remove(path);  // a symlink itself, not its target
      state.reset();
      return;
    case Operation::recreate:
      fs::remove(path);
      write_file(path, content, std::ios::trunc);
      state = content;
      return;
    case Operation::symlink_retarget: {
      // A fresh target each time; old targets stay, as a release directory would.
      fs::path file(path);
      std::string target = "targets/" + file.filename().string() + "-" + tag;
      write_file((file.parent_path() / target).string(), content, std::ios::trunc);
      fs::create_symlink(target, path + ".link");
      fs::rename(path + ".link", path);
      state = content;
      return;
    }
  }
}

struct BackendParam {
  const char* name;
  std::optional<std::chrono::milliseconds> poll_interval;
};

class ReplacementProperty : public ::testing::TestWithParam<BackendParam> {};

TEST_P(ReplacementProperty, FinalStateOfEveryFileIsAlwaysReported) {
  std::uint64_t seed = std::random_device{}();
  if (const char* forced = std::getenv("HOTRELOAD_PROPERTY_SEED")) seed = std::strtoull(forced, nullptr, 10);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun with HOTRELOAD_PROPERTY_SEED=" + std::to_string(seed) + ")");
  std::mt19937_64 random(seed);
  hotreload::testing::TempDir dir;

  for (int sequence = 0; sequence < kSequences; ++sequence) {
    fs::path root = dir.path() / ("seq" + std::to_string(sequence));
    fs::create_directories(root / "targets");
    const std::vector<std::string> files = {(root / "a.yaml").string(), (root / "b.yaml").string()};
    const std::string sentinel = (root / "sentinel.yaml").string();

    std::map<std::string, State> model;
    for (const auto& file : files) {
      if (random() % 4 != 0) {
        model[file] = "v: initial " + file + "\n";
        write_file(file, *model[file], std::ios::trunc);
      } else {
        model[file] = std::nullopt;
      }
    }
    write_file(sentinel, "s: 0\n", std::ios::trunc);
    model[sentinel] = "s: 0\n";

    ReportedStates reported(model);
    auto watcher = FileWatcher::start({.files = {files[0], files[1], sentinel}, .debounce = 0ms,
                                       .poll_interval = GetParam().poll_interval},
                                      reported.callback());
    ASSERT_TRUE(watcher) << watcher.error().to_string();

    std::string trace;
    int operations = 1 + static_cast<int>(random() % kMaxOperations);
    for (int step = 0; step < operations; ++step) {
      const std::string& file = files[random() % files.size()];
      Operation operation = kOperations[random() % std::size(kOperations)];
      apply(operation, file, std::to_string(sequence) + "." + std::to_string(step), model[file]);
      trace += "  " + std::string(name_of(operation)) + " " + fs::path(file).filename().string() + " -> " +
               describe(model[file]) + "\n";
    }

    std::map<std::string, State> expected = {{files[0], model[files[0]]}, {files[1], model[files[1]]}};
    ASSERT_TRUE(reported.await(expected)) << "sequence " << sequence << ": the final state was not reported\n"
                                          << "operations:\n" << trace << "reported:\n" << reported.dump();

    // A later scan (forced by the sentinel) must not find anything the watcher had reported wrongly.
    write_file(sentinel, "s: 1\n", std::ios::trunc);
    expected[sentinel] = "s: 1\n";
    ASSERT_TRUE(reported.await(expected)) << "sequence " << sequence << ": state changed after the sentinel\n"
                                          << "operations:\n" << trace << "reported:\n" << reported.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ReplacementProperty,
                         ::testing::Values(BackendParam{"inotify", std::nullopt}, BackendParam{"poll", 5ms}),
                         [](const auto& backend) { return std::string(backend.param.name); });

}  // namespace
}  // namespace hotreload
