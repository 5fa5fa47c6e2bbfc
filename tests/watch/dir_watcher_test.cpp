// The directory watch contract, run against both backends: matching files added, modified and removed
// are reported per file; touch and files not matching the glob report nothing (proved by a following
// change being reported alone); escaping symlinks are refused. Tests await callbacks; they never sleep.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hotreload/dir_watch.hpp"
#include "support/temp_dir.hpp"
#include "support/watch_support.hpp"
#include "watch/backend.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Kind = DirChange::Kind;


// One line per change, "path kind", so failures read well without a printer for DirChange.
std::vector<std::string> lines(const std::vector<DirChange>& changes) {
  std::vector<std::string> out;
  for (const auto& change : changes) out.push_back(change.path + " " + to_string(change.kind));
  return out;
}

class DirChangeLog : public testing::BatchLog<std::vector<DirChange>> {
 public:
  DirChangeCallback callback() {
    return [this](const std::vector<DirChange>& changes) { push(changes); };
  }
  std::vector<std::string> next_lines() {
    auto batch = next();
    return batch ? lines(*batch) : std::vector<std::string>{"<no callback>"};
  }
};

using testing::BackendParam;
using testing::ContinuousWriter;
using testing::replace_file;
using testing::write_file;

class DirWatchContract : public ::testing::TestWithParam<BackendParam> {
 protected:
  std::unique_ptr<DirWatcher> watch(std::string pattern = "*.yaml", bool recursive = false,
                                    std::chrono::milliseconds debounce = 200ms,
                                    std::chrono::milliseconds max_wait = 2000ms) {
    auto watcher = DirWatcher::start({.directory = conf.path().string(), .pattern = std::move(pattern),
                                      .recursive = recursive, .debounce = debounce, .max_wait = max_wait,
                                      .poll_interval = GetParam().poll_interval},
                                     log.callback());
    EXPECT_TRUE(watcher) << watcher.error().to_string();
    EXPECT_STREQ((*watcher)->backend_name(), GetParam().name);
    return std::move(*watcher);
  }

  hotreload::testing::TempDir conf;
  DirChangeLog log;
};

TEST_P(DirWatchContract, AddedModifiedAndRemovedAreReportedPerFile) {
  conf.write("10-base.yaml", "a: 1\n");
  auto watcher = watch();
  conf.write("20-extra.yaml", "b: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("20-extra.yaml added"));
  auto temp = conf.write("10-base.yaml.tmp", "a: 2\n");  // does not match *.yaml: ignored
  fs::rename(temp, conf.file("10-base.yaml"));
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("10-base.yaml modified"));
  fs::remove(conf.file("20-extra.yaml"));
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("20-extra.yaml removed"));
}

TEST_P(DirWatchContract, TouchAndNonMatchingFilesAreNotReported) {
  auto base = conf.write("base.yaml", "a: 1\n");
  auto watcher = watch();
  fs::last_write_time(base, fs::file_time_type::clock::now() + 1h);  // touch
  write_file(base, "a: 1\n");                                         // identical rewrite
  conf.write("notes.txt", "ignored\n");
  conf.write("base.yaml.swp", "ignored\n");
  conf.write("sentinel.yaml", "s: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("sentinel.yaml added"));
}

TEST_P(DirWatchContract, BurstAcrossFilesIsOneCallbackSortedByPath) {
  auto watcher = watch();
  conf.write("b.yaml", "b: 1\n");
  conf.write("a.yaml", "a: 1\n");
  auto batch = log.next_lines();
  if (batch.size() == 1) {  // a scan fell between the two writes on a loaded machine
    auto rest = log.next_lines();
    batch.insert(batch.end(), rest.begin(), rest.end());
    std::sort(batch.begin(), batch.end());
  }
  EXPECT_THAT(batch, ::testing::ElementsAre("a.yaml added", "b.yaml added"));
}

TEST_P(DirWatchContract, NonRecursiveIgnoresSubdirectories) {
  auto watcher = watch();
  conf.write("sub/inner.yaml", "x: 1\n");
  conf.write("outer.yaml", "y: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("outer.yaml added"));
}

TEST_P(DirWatchContract, RecursiveSeesFilesInNewSubdirectories) {
  auto watcher = watch("*.yaml", /*recursive=*/true);
  conf.write("team/a/app.yaml", "x: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("team/a/app.yaml added"));
  replace_file(conf.file("team/a/app.yaml"), "x: 2\n");  // the new directory is watched too
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("team/a/app.yaml modified"));
  fs::remove_all(conf.file("team"));
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("team/a/app.yaml removed"));
}

TEST_P(DirWatchContract, SymlinkInsideTheDirectoryIsFollowed) {
  conf.write("shared/base.yaml", "a: 1\n");
  auto watcher = watch();
  fs::create_symlink("shared/base.yaml", conf.file("base.yaml"));
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("base.yaml added"));
  replace_file(conf.file("shared/base.yaml"), "a: 2\n");  // the target's directory is watched
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("base.yaml modified"));
}

TEST_P(DirWatchContract, SymlinkEscapingTheDirectoryIsRefused) {
  hotreload::testing::TempDir outside;
  auto secret = outside.write("secret.yaml", "password: x\n");
  auto watcher = watch();
  fs::create_symlink(secret, conf.file("evil.yaml"));
  fs::create_symlink("../" + outside.path().filename().string() + "/secret.yaml", conf.file("relative.yaml"));
  auto batch = log.next();
  ASSERT_TRUE(batch);
  if (batch->size() == 1) {  // a scan fell between the two links
    auto rest = log.next();
    ASSERT_TRUE(rest);
    batch->insert(batch->end(), rest->begin(), rest->end());
  }
  EXPECT_THAT(lines(*batch), ::testing::ElementsAre("evil.yaml refused", "relative.yaml refused"));
  EXPECT_THAT(batch->front().message, ::testing::HasSubstr("escapes the directory"));
  // Refused once, not again on every rescan: the next change is reported alone.
  conf.write("ok.yaml", "a: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("ok.yaml added"));
}

TEST_P(DirWatchContract, EscapingSymlinkPresentAtStartIsRefused) {
  hotreload::testing::TempDir outside;
  fs::create_symlink(outside.write("secret.yaml", "p: 1\n"), conf.file("evil.yaml"));
  auto watcher = watch();
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("evil.yaml refused"));
}

// A directory that is missing at start, appears (made in place, or prepared elsewhere and renamed
// in, as deploy tools do), goes and comes back: watched for from its parent throughout.
TEST_P(DirWatchContract, AMissingDirectoryIsWatchedForWhenAllowed) {
  const std::string directory = conf.file("conf.d");
  auto watcher = DirWatcher::start({.directory = directory, .pattern = "*.yaml", .debounce = 200ms,
                                    .poll_interval = GetParam().poll_interval, .allow_missing = true},
                                   log.callback());
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  EXPECT_STREQ((*watcher)->backend_name(), GetParam().name);

  conf.write("staging/10-base.yaml", "a: 1\n");
  fs::rename(conf.file("staging"), directory);
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("10-base.yaml added"));
  conf.write("conf.d/20-extra.yaml", "b: 1\n");  // the directory itself is watched now
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("20-extra.yaml added"));

  fs::remove_all(directory);
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("10-base.yaml removed", "20-extra.yaml removed"));

  fs::create_directory(directory);
  conf.write("conf.d/30-again.yaml", "c: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("30-again.yaml added"));
  replace_file(conf.file("conf.d/30-again.yaml"), "c: 2\n");  // the new directory is watched too
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("30-again.yaml modified"));
}

// conf.d as a symlink swapped to another directory (ln -sfn, atomic by rename): the watcher
// resolves the link again and reports the difference between the two directories.
TEST_P(DirWatchContract, ASymlinkedDirectorySwappedElsewhereIsFollowed) {
  conf.write("v1/a.yaml", "a: 1\n");
  conf.write("v1/b.yaml", "b: 1\n");
  conf.write("v2/a.yaml", "a: 2\n");
  conf.write("v2/b.yaml", "b: 1\n");
  conf.write("v2/c.yaml", "c: 1\n");
  const std::string link = conf.file("conf.d");
  fs::create_directory_symlink(conf.file("v1"), link);
  auto watcher = DirWatcher::start({.directory = link, .pattern = "*.yaml", .debounce = 200ms,
                                    .poll_interval = GetParam().poll_interval, .allow_missing = true},
                                   log.callback());
  ASSERT_TRUE(watcher) << watcher.error().to_string();

  fs::create_directory_symlink(conf.file("v2"), conf.file("conf.d.next"));
  fs::rename(conf.file("conf.d.next"), link);
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("a.yaml modified", "c.yaml added"));
  replace_file(conf.file("v2/c.yaml"), "c: 2\n");  // the new target is watched
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("c.yaml modified"));
}

// The quiet window is far longer than the test may take, so only the max-wait cap can end the
// burst: the callback arrives while the writes go on.
TEST_P(DirWatchContract, ADirectoryWrittenToContinuouslyStillReportsByMaxWait) {
  auto busy = conf.write("busy.yaml", "n: start\n");
  auto watcher = watch("*.yaml", /*recursive=*/false, /*debounce=*/std::chrono::hours(1), /*max_wait=*/300ms);
  ContinuousWriter writer(busy);
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("busy.yaml modified"));
}

// The callback logs each batch, then throws the first time: the next change is still reported.
TEST_P(DirWatchContract, CallbackExceptionDoesNotStopTheWatcher) {
  bool thrown = false;  // used only on the watcher's thread
  auto watcher = DirWatcher::start({.directory = conf.path().string(), .pattern = "*.yaml", .debounce = 10ms,
                                    .poll_interval = GetParam().poll_interval},
                                   [&, push = log.callback()](const std::vector<DirChange>& changes) {
                                     push(changes);
                                     if (!std::exchange(thrown, true)) throw std::runtime_error("boom");
                                   });
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  ::testing::internal::CaptureStderr();
  conf.write("a.yaml", "a: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("a.yaml added"));
  conf.write("b.yaml", "b: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("b.yaml added"));
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), ::testing::HasSubstr("change callback threw: boom"));
}

// With a problem callback the exception is reported there, as a "callback" problem.
TEST_P(DirWatchContract, CallbackExceptionIsAProblemForTheProblemCallback) {
  bool thrown = false;  // used only on the watcher's thread
  testing::BatchLog<WatchProblem> problems;
  auto watcher = DirWatcher::start({.directory = conf.path().string(), .pattern = "*.yaml", .debounce = 10ms,
                                    .poll_interval = GetParam().poll_interval,
                                    .on_problem = [&](const WatchProblem& p) { problems.push(p); }},
                                   [&, push = log.callback()](const std::vector<DirChange>& changes) {
                                     push(changes);
                                     if (!std::exchange(thrown, true)) throw std::runtime_error("boom");
                                   });
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  conf.write("a.yaml", "a: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("a.yaml added"));
  auto problem = problems.next();
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->kind, WatchProblem::Kind::callback);
  EXPECT_EQ(problem->message, "change callback threw: boom");
  conf.write("b.yaml", "b: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("b.yaml added"));
}

INSTANTIATE_TEST_SUITE_P(Backends, DirWatchContract,
                         ::testing::Values(BackendParam{"inotify", std::nullopt}, BackendParam{"poll", 10ms}),
                         [](const auto& backend) { return std::string(backend.param.name); });

TEST(DirWatch, StartRejectsAMissingDirectory) {
  auto watcher = DirWatcher::start({.directory = "/nonexistent/conf.d"}, [](const std::vector<DirChange>&) {});
  ASSERT_FALSE(watcher);
  EXPECT_EQ(watcher.error().code, ErrorCode::usage);
  EXPECT_THAT(watcher.error().message, ::testing::HasSubstr("not a directory"));
}

TEST(DirWatch, AllowingAMissingDirectoryStillRejectsAFile) {
  hotreload::testing::TempDir dir;
  const std::string file = dir.write("conf.d", "not a directory\n");
  auto watcher = DirWatcher::start({.directory = file, .allow_missing = true}, [](const std::vector<DirChange>&) {});
  ASSERT_FALSE(watcher);
  EXPECT_EQ(watcher.error().code, ErrorCode::usage);
  EXPECT_THAT(watcher.error().message, ::testing::HasSubstr("not a directory: " + file));
}

TEST(DirWatch, StartRejectsANegativeDebounceOrMaxWait) {
  hotreload::testing::TempDir dir;
  for (auto [debounce, max_wait] : {std::pair{-1ms, 2000ms}, std::pair{100ms, -1ms}}) {
    auto watcher = DirWatcher::start({.directory = dir.path().string(), .debounce = debounce, .max_wait = max_wait},
                                     [](const std::vector<DirChange>&) {});
    ASSERT_FALSE(watcher);
    EXPECT_EQ(watcher.error().code, ErrorCode::usage);
    EXPECT_THAT(watcher.error().message, ::testing::HasSubstr("must not be negative"));
  }
}

// Out of inotify instances (max_user_instances): polling takes over, and changes are still reported.
TEST(DirWatchFallback, NoInotifyInstanceFallsBackToPolling) {
  hotreload::testing::TempDir dir;
  watch::InotifyCalls calls = watch::real_inotify_calls();
  calls.init1 = [](int) { errno = EMFILE; return -1; };
  DirChangeLog log;
  ::testing::internal::CaptureStderr();
  auto watcher = watch::start_dir_watcher({.directory = dir.path().string(), .pattern = "*.yaml", .debounce = 10ms},
                                          log.callback(), calls);
  std::string warning = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  EXPECT_STREQ((*watcher)->backend_name(), "poll");
  EXPECT_THAT(warning, ::testing::HasSubstr("inotify_init1 failed"));
  EXPECT_THAT(warning, ::testing::HasSubstr("falling back to polling"));
  dir.write("a.yaml", "a: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("a.yaml added"));
}

// Out of watches (max_user_watches, ENOSPC from inotify_add_watch): polling takes over.
TEST(DirWatchFallback, NoInotifyWatchFallsBackToPolling) {
  hotreload::testing::TempDir dir;
  watch::InotifyCalls calls = watch::real_inotify_calls();
  calls.add_watch = [](int, const char*, unsigned) { errno = ENOSPC; return -1; };
  DirChangeLog log;
  ::testing::internal::CaptureStderr();
  auto watcher = watch::start_dir_watcher({.directory = dir.path().string(), .pattern = "*.yaml", .debounce = 10ms},
                                          log.callback(), calls);
  std::string warning = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  EXPECT_STREQ((*watcher)->backend_name(), "poll");
  EXPECT_THAT(warning, ::testing::HasSubstr("inotify_add_watch"));
  EXPECT_THAT(warning, ::testing::HasSubstr("No space left on device"));
  dir.write("a.yaml", "a: 1\n");
  EXPECT_THAT(log.next_lines(), ::testing::ElementsAre("a.yaml added"));
}

// inotify cannot watch for a directory whose parent does not exist either: polling can.
TEST(DirWatch, AMissingParentFallsBackToPolling) {
  hotreload::testing::TempDir dir;
  auto watcher = DirWatcher::start({.directory = dir.file("deploy/conf.d"), .pattern = "*.yaml", .allow_missing = true},
                                   [](const std::vector<DirChange>&) {});
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  EXPECT_STREQ((*watcher)->backend_name(), "poll");
}

}  // namespace
}  // namespace hotreload
