// Real tools replacing a watched file, run against both backends: `sed -i` and vim rename a new inode
// over the file, `cp` rewrites it in place, `mv` renames another file over it. Each must give exactly
// one callback, and the content read in that callback must be the tool's final result. Tools that are
// not installed skip their test with a message. Tests await callbacks; they never sleep.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "hotreload/watch.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"
#include "support/watch_support.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Kind = FileChange::Kind;

using testing::read_file;

// One change as the callback saw it: what was reported, and the file's content read right then.
struct SeenChange {
  FileChange change;
  std::optional<std::string> content;
};

// Collects the batches the watcher reports, reading each changed file inside the callback so a test
// checks the content the watcher's owner would have loaded, not what the file holds later.
class ChangeLog : public testing::BatchLog<std::vector<SeenChange>> {
 public:
  ChangeCallback callback() {
    return [this](const std::vector<FileChange>& changes) {
      std::vector<SeenChange> batch;
      for (const auto& change : changes) batch.push_back({change, read_file(change.path)});
      push(std::move(batch));
    };
  }
};

// The program's full path from $PATH (posix_spawn does not search it), or nullopt if not installed.
std::optional<std::string> find_program(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    std::size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

ino_t inode_of(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

using testing::BackendParam;

class EditorContract : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    file = dir.write("app.yaml", "a: 1\n");
    sentinel = dir.write("sentinel.yaml", "s: 0\n");
    // A quiet period long enough that a tool's several steps (vim: rename away, write, delete the
    // backup) are one burst even on a loaded machine.
    auto started = FileWatcher::start({.files = {file, sentinel}, .debounce = 500ms, .max_wait = 60s,
                                       .poll_interval = GetParam().poll_interval},
                                      log.callback());
    ASSERT_TRUE(started) << started.error().to_string();
    watcher = std::move(*started);
    ASSERT_STREQ(watcher->backend_name(), GetParam().name);
  }

  std::string require(std::string_view program) {
    auto found = find_program(program);
    return found ? *found : std::string();
  }

  void run(const std::vector<std::string>& argv) {
    auto result = hotreload::testing::run_command(argv);
    ASSERT_EQ(result.exit_code, 0) << argv[0] << " failed: " << result.err;
  }

  // Exactly one callback, for the file, with `expected` content; the sentinel proves nothing followed:
  // a second callback for the file would arrive before or with the sentinel's.
  void expect_one_change_with(const std::string& expected) {
    auto batch = log.next();
    ASSERT_TRUE(batch) << "no callback within " << testing::kWatchFailureBound.count() << " s";
    ASSERT_EQ(batch->size(), 1u);
    EXPECT_EQ(batch->front().change.path, file);
    EXPECT_STREQ(to_string(batch->front().change.kind), to_string(Kind::modified));
    EXPECT_EQ(batch->front().content, expected);

    std::ofstream(sentinel, std::ios::binary | std::ios::trunc) << "s: 1\n";
    auto after = log.next();
    ASSERT_TRUE(after) << "the sentinel change was not reported";
    ASSERT_EQ(after->size(), 1u) << "an extra change was reported with the sentinel";
    EXPECT_EQ(after->front().change.path, sentinel);
  }

  hotreload::testing::TempDir dir;
  std::string file;
  std::string sentinel;
  ChangeLog log;
  std::unique_ptr<FileWatcher> watcher;
};

TEST_P(EditorContract, SedInPlaceGivesOneChange) {
  std::string sed = require("sed");
  if (sed.empty()) GTEST_SKIP() << "sed is not installed (apt-get install sed)";
  ino_t before = inode_of(file);
  run({sed, "-i", "s/a: 1/a: 2/", file});
  EXPECT_NE(inode_of(file), before) << "sed -i was expected to rename a new file over the old one";
  expect_one_change_with("a: 2\n");
}

// vim skips its backup (and so writes in place) for files matching 'backupskip', which includes /tmp/*
// by default: clearing it and 'backupcopy=no' force the rename path editors use interactively.
TEST_P(EditorContract, VimRenameWriteGivesOneChange) {
  std::string vim = require("vim");
  if (vim.empty()) GTEST_SKIP() << "vim is not installed (apt-get install vim-nox or vim-tiny)";
  ino_t before = inode_of(file);
  run({vim, "-Es", "-u", "NONE", "-i", "NONE", "-n", "--cmd", "set backupskip=", "--cmd", "set backupcopy=no",
       "--cmd", "set writebackup", "-c", "%s/a: 1/a: 2/", "-c", "wq", file});
  EXPECT_NE(inode_of(file), before) << "vim was expected to write a new file and rename the old one away";
  EXPECT_FALSE(fs::exists(file + "~")) << "vim left its backup behind";
  expect_one_change_with("a: 2\n");
}

TEST_P(EditorContract, CpOverFileGivesOneChange) {
  std::string cp = require("cp");
  if (cp.empty()) GTEST_SKIP() << "cp is not installed (apt-get install coreutils)";
  auto other = dir.write("other.yaml", "a: 2\nb: 3\n");
  ino_t before = inode_of(file);
  run({cp, other, file});
  EXPECT_EQ(inode_of(file), before) << "cp was expected to rewrite the file in place";
  expect_one_change_with("a: 2\nb: 3\n");
}

TEST_P(EditorContract, MvOverFileGivesOneChange) {
  std::string mv = require("mv");
  if (mv.empty()) GTEST_SKIP() << "mv is not installed (apt-get install coreutils)";
  auto other = dir.write("other.yaml", "a: 3\n");
  run({mv, other, file});
  EXPECT_FALSE(fs::exists(other));
  expect_one_change_with("a: 3\n");
}

INSTANTIATE_TEST_SUITE_P(Backends, EditorContract,
                         ::testing::Values(BackendParam{"inotify", std::nullopt}, BackendParam{"poll", 10ms}),
                         [](const auto& backend) { return std::string(backend.param.name); });

}  // namespace
}  // namespace hotreload
