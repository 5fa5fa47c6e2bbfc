// The watch contract, run against both backends: every way tools replace a file is reported once as a
// content change, and nothing is reported for changes that leave the content as it was. Tests await
// callbacks with a generous bound that only matters when something is broken; they never sleep.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cerrno>

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

#include "hotreload/watch.hpp"
#include "support/temp_dir.hpp"
#include "support/watch_support.hpp"
#include "watch/backend.hpp"

namespace hotreload {

// gtest prints a FileChange in failure messages as "path: kind".
inline void PrintTo(const FileChange& change, std::ostream* out) {
  *out << change.path << ": " << to_string(change.kind);
}

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using Kind = FileChange::Kind;

using testing::BackendParam;
using testing::replace_file;
using testing::write_file;

// Collects the batches the watcher reports; next() waits for the following one.
class ChangeLog : public testing::BatchLog<std::vector<FileChange>> {
 public:
  ChangeCallback callback() {
    return [this](const std::vector<FileChange>& changes) { push(changes); };
  }
};

class WatchContract : public ::testing::TestWithParam<BackendParam> {
 protected:
  std::unique_ptr<FileWatcher> watch(std::vector<std::string> files, std::chrono::milliseconds debounce = 100ms,
                                     std::chrono::milliseconds max_wait = 2000ms) {
    auto watcher = FileWatcher::start({.files = std::move(files), .debounce = debounce, .max_wait = max_wait,
                                       .poll_interval = GetParam().poll_interval},
                                      log.callback());
    EXPECT_TRUE(watcher) << watcher.error().to_string();
    EXPECT_STREQ((*watcher)->backend_name(), GetParam().name);
    return std::move(*watcher);
  }

  hotreload::testing::TempDir dir;
  ChangeLog log;
};

TEST_P(WatchContract, InPlaceWriteIsReported) {
  auto file = dir.write("app.yaml", "a: 1\n");
  auto watcher = watch({file});
  std::ofstream(file, std::ios::app) << "b: 2\n";
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

TEST_P(WatchContract, TruncateThenWriteIsReported) {
  auto file = dir.write("app.yaml", "a: 1\n");
  auto watcher = watch({file});
  fs::resize_file(file, 0);
  std::ofstream(file, std::ios::app) << "a: 2\n";
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

// What sed -i, vim and most editors do: a new inode renamed over the old name.
TEST_P(WatchContract, RenameOverFileIsReported) {
  auto file = dir.write("app.yaml", "a: 1\n");
  auto watcher = watch({file});
  auto temp = dir.write("sedAb12Cd", "a: 2\n");
  fs::rename(temp, file);
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

TEST_P(WatchContract, DeleteThenRecreateIsReportedAsAChange) {
  auto file = dir.write("app.yaml", "a: 1\n");
  auto watcher = watch({file});
  fs::remove(file);
  replace_file(file, "a: 2\n");
  auto batch = log.next();
  ASSERT_TRUE(batch);
  // A scan may fall between the two steps; either way the new content is reported.
  if (batch->front().kind == Kind::missing) {
    batch = log.next();
    EXPECT_THAT(batch, ::testing::Optional(ElementsAre(FileChange{file, Kind::restored})));
  } else {
    EXPECT_THAT(*batch, ElementsAre(FileChange{file, Kind::modified}));
  }
}

TEST_P(WatchContract, CopyOverFileIsReported) {
  auto file = dir.write("app.yaml", "a: 1\n");
  auto source = dir.write("new.yaml", "a: 2\nb: 3\n");
  auto watcher = watch({file});
  fs::copy_file(source, file, fs::copy_options::overwrite_existing);
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

TEST_P(WatchContract, RetargetedSymlinkIsReported) {
  dir.write("v1/app.yaml", "a: 1\n");
  dir.write("v2/app.yaml", "a: 2\n");
  auto link = dir.file("app.yaml");
  fs::create_symlink("v1/app.yaml", link);
  auto watcher = watch({link});
  fs::create_symlink("v2/app.yaml", dir.file("app.yaml.tmp"));
  fs::rename(dir.file("app.yaml.tmp"), link);
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{link, Kind::modified})));
}

// A Kubernetes ConfigMap volume update: no event ever names the watched file.
TEST_P(WatchContract, KubernetesDataSwapIsReported) {
  dir.write("..2024_01/app.yaml", "a: 1\n");
  fs::create_directory_symlink("..2024_01", dir.file("..data"));
  auto file = dir.file("app.yaml");
  fs::create_symlink("..data/app.yaml", file);
  auto watcher = watch({file});

  dir.write("..2024_02/app.yaml", "a: 2\n");
  fs::create_directory_symlink("..2024_02", dir.file("..data_tmp"));
  fs::rename(dir.file("..data_tmp"), dir.file("..data"));
  fs::remove_all(dir.file("..2024_01"));
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));

  // The watches followed the new directory: a second update is seen too.
  dir.write("..2024_03/app.yaml", "a: 3\n");
  fs::create_directory_symlink("..2024_03", dir.file("..data_tmp"));
  fs::rename(dir.file("..data_tmp"), dir.file("..data"));
  fs::remove_all(dir.file("..2024_02"));
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

// No sleep proves that nothing was reported: after the no-ops, a real change to another file must be
// the only thing in the next callback (a no-op that slipped through would be reported before or with it).
TEST_P(WatchContract, TouchChmodAndIdenticalRewriteAreNotReported) {
  auto quiet = dir.write("quiet.yaml", "a: 1\n");
  auto other = dir.write("other.yaml", "b: 1\n");
  // The identical rewrite below truncates in place; a long quiet period keeps it one burst.
  auto watcher = watch({quiet, other}, 1000ms);

  fs::last_write_time(quiet, fs::file_time_type::clock::now() + 1h);  // touch
  fs::permissions(quiet, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);  // chmod
  write_file(quiet, "a: 1\n");                                            // identical rewrite
  auto temp = dir.write("quiet.yaml.tmp", "a: 1\n");                      // identical rename-over
  fs::rename(temp, quiet);
  watcher->rescan();  // even an explicit rescan reports nothing for them

  replace_file(other, "b: 2\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{other, Kind::modified})));
}

TEST_P(WatchContract, BurstOfWritesGivesOneCallback) {
  auto file = dir.write("app.yaml", "n: 0\n");
  auto sentinel = dir.write("sentinel.yaml", "s: 0\n");
  // A long quiet period so the burst is one burst even on a loaded machine.
  auto watcher = watch({file, sentinel}, 500ms, 60s);
  for (int i = 1; i <= 20; ++i) write_file(file, "n: " + std::to_string(i) + "\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
  // Had the burst been split, its second half would be reported before or with the sentinel.
  replace_file(sentinel, "s: 1\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{sentinel, Kind::modified})));
}

// The quiet window is far longer than the test may take, so only the max-wait cap can end the
// burst: the callback arrives while the writes go on.
TEST_P(WatchContract, AFileWrittenContinuouslyStillReportsByMaxWait) {
  auto file = dir.write("app.yaml", "n: start\n");
  auto watcher = watch({file}, std::chrono::hours(1), 300ms);
  testing::ContinuousWriter writer(file);
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

TEST_P(WatchContract, MissingFileIsReportedOnceThenRestored) {
  auto file = dir.write("app.yaml", "a: 1\n");
  auto other = dir.write("other.yaml", "b: 1\n");
  auto watcher = watch({file, other});
  fs::remove(file);
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::missing})));
  watcher->rescan();  // still missing: not reported again
  replace_file(other, "b: 2\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{other, Kind::modified})));
  replace_file(file, "a: 1\n");  // the same content as before still counts: the reloader must reload
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::restored})));
}

TEST_P(WatchContract, FileMissingAtStartIsReportedWhenItAppears) {
  auto file = dir.file("later/app.yaml");  // not even its directory exists yet
  auto watcher = watch({file});
  dir.write("later/app.yaml", "a: 1\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::restored})));
}

TEST_P(WatchContract, RemovedAndRecreatedDirectoryIsFoundAgain) {
  auto file = dir.write("conf/app.yaml", "a: 1\n");
  auto watcher = watch({file});
  fs::remove_all(dir.file("conf"));
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::missing})));
  dir.write("conf/app.yaml", "a: 2\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::restored})));
  replace_file(file, "a: 3\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

TEST_P(WatchContract, ChangesAcrossFilesInOneBurstAreOneCallback) {
  auto first = dir.write("a.yaml", "a: 1\n");
  auto second = dir.write("b.yaml", "b: 1\n");
  auto watcher = watch({first, second}, 500ms, 60s);
  replace_file(first, "a: 2\n");
  replace_file(second, "b: 2\n");
  EXPECT_THAT(log.next(), ::testing::Optional(UnorderedElementsAre(FileChange{first, Kind::modified},
                                                                 FileChange{second, Kind::modified})));
}

TEST_P(WatchContract, ZeroDebounceStillReports) {
  auto file = dir.write("app.yaml", "a: 1\n");
  auto watcher = watch({file}, 0ms);
  auto temp = dir.write("app.yaml.tmp", "a: 2\n");
  fs::rename(temp, file);
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

TEST_P(WatchContract, CallbackExceptionDoesNotStopTheWatcher) {
  auto file = dir.write("app.yaml", "a: 1\n");
  int calls = 0;
  ChangeCallback forward = log.callback();
  auto watcher = FileWatcher::start({.files = {file}, .debounce = 10ms, .poll_interval = GetParam().poll_interval},
                                    [&](const std::vector<FileChange>& changes) {
                                      forward(changes);
                                      if (++calls == 1) throw std::runtime_error("subscriber failed");
                                    });
  ASSERT_TRUE(watcher);
  replace_file(file, "a: 2\n");
  ASSERT_TRUE(log.next());
  replace_file(file, "a: 3\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

INSTANTIATE_TEST_SUITE_P(Backends, WatchContract,
                         ::testing::Values(BackendParam{"inotify", std::nullopt}, BackendParam{"poll", 10ms}),
                         [](const auto& backend) { return std::string(backend.param.name); });

TEST(Watch, StartRejectsAnEmptyFileList) {
  auto watcher = FileWatcher::start({}, [](const std::vector<FileChange>&) {});
  ASSERT_FALSE(watcher);
  EXPECT_EQ(watcher.error().code, ErrorCode::usage);
  EXPECT_THAT(watcher.error().message, ::testing::HasSubstr("no files"));
}

TEST(Watch, StartRejectsANegativeDebounce) {
  auto watcher = FileWatcher::start({.files = {"x"}, .debounce = -1ms}, [](const std::vector<FileChange>&) {});
  ASSERT_FALSE(watcher);
  EXPECT_EQ(watcher.error().code, ErrorCode::usage);
}

// Out of inotify instances (max_user_instances): polling takes over, and changes are still reported.
TEST(WatchFallback, NoInotifyInstanceFallsBackToPolling) {
  hotreload::testing::TempDir dir;
  auto file = dir.write("app.yaml", "a: 1\n");
  watch::InotifyCalls calls = watch::real_inotify_calls();
  calls.init1 = [](int) { errno = EMFILE; return -1; };
  ChangeLog log;
  ::testing::internal::CaptureStderr();
  auto watcher = watch::start_watcher({.files = {file}, .debounce = 10ms}, log.callback(), calls);
  std::string warning = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(watcher);
  EXPECT_STREQ((*watcher)->backend_name(), "poll");
  EXPECT_THAT(warning, ::testing::HasSubstr("inotify_init1 failed"));
  EXPECT_THAT(warning, ::testing::HasSubstr("falling back to polling"));
  replace_file(file, "a: 2\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

// With a problem callback, the fallback is reported there (a reloader makes it an event), not on
// stderr.
TEST(WatchFallback, TheProblemCallbackHearsOfTheFallbackInsteadOfStderr) {
  hotreload::testing::TempDir dir;
  auto file = dir.write("app.yaml", "a: 1\n");
  watch::InotifyCalls calls = watch::real_inotify_calls();
  calls.add_watch = [](int, const char*, unsigned) { errno = ENOSPC; return -1; };
  ChangeLog log;
  testing::BatchLog<WatchProblem> problems;
  ::testing::internal::CaptureStderr();
  auto watcher = watch::start_watcher(
      {.files = {file}, .debounce = 10ms, .on_problem = [&](const WatchProblem& p) { problems.push(p); }},
      log.callback(), calls);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_TRUE(watcher);
  auto problem = problems.next();
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->kind, WatchProblem::Kind::polling);
  EXPECT_STREQ(to_string(problem->kind), "polling");
  EXPECT_THAT(problem->message, ::testing::HasSubstr("inotify_add_watch("));
  EXPECT_THAT(problem->message, ::testing::HasSubstr("No space left on device; falling back to polling every 1000 ms"));
}

// A change callback that throws is a "callback" problem; the watcher goes on.
TEST(WatchFallback, AThrowingCallbackIsAProblemAndTheWatcherGoesOn) {
  hotreload::testing::TempDir dir;
  auto file = dir.write("app.yaml", "a: 1\n");
  ChangeLog log;
  testing::BatchLog<WatchProblem> problems;
  bool thrown = false;  // used only on the watcher's thread
  auto watcher = FileWatcher::start(
      {.files = {file}, .debounce = 10ms, .on_problem = [&](const WatchProblem& p) { problems.push(p); }},
      [&, push = log.callback()](const std::vector<FileChange>& changes) {
        push(changes);
        if (!std::exchange(thrown, true)) throw std::runtime_error("boom");
      });
  ASSERT_TRUE(watcher);
  replace_file(file, "a: 2\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
  auto problem = problems.next();
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->kind, WatchProblem::Kind::callback);
  EXPECT_EQ(problem->message, "change callback threw: boom");
  replace_file(file, "a: 3\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

// Out of watches (max_user_watches, ENOSPC from inotify_add_watch): polling takes over.
TEST(WatchFallback, NoInotifyWatchFallsBackToPolling) {
  hotreload::testing::TempDir dir;
  auto file = dir.write("app.yaml", "a: 1\n");
  watch::InotifyCalls calls = watch::real_inotify_calls();
  calls.add_watch = [](int, const char*, unsigned) { errno = ENOSPC; return -1; };
  ChangeLog log;
  ::testing::internal::CaptureStderr();
  auto watcher = watch::start_watcher({.files = {file}, .debounce = 10ms}, log.callback(), calls);
  std::string warning = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(watcher);
  EXPECT_STREQ((*watcher)->backend_name(), "poll");
  EXPECT_THAT(warning, ::testing::HasSubstr("inotify_add_watch"));
  replace_file(file, "a: 2\n");
  EXPECT_THAT(log.next(), ::testing::Optional(ElementsAre(FileChange{file, Kind::modified})));
}

TEST(WatchResolveChain, FollowsKubernetesDataLinkThroughEveryEntry) {
  hotreload::testing::TempDir dir;
  dir.write("..2024_01/app.yaml", "a: 1\n");
  fs::create_directory_symlink("..2024_01", dir.file("..data"));
  fs::create_symlink("..data/app.yaml", dir.file("app.yaml"));
  std::string root = fs::canonical(dir.path()).string();
  EXPECT_THAT(watch::resolve_chain(root + "/app.yaml"),
              ElementsAre(watch::DirEntry{root, "app.yaml"}, watch::DirEntry{root, "..data"},
                          watch::DirEntry{root + "/..2024_01", "app.yaml"}));
}

TEST(WatchResolveChain, MissingPathStopsAtNearestExistingDirectory) {
  hotreload::testing::TempDir dir;
  std::string root = fs::canonical(dir.path()).string();
  EXPECT_THAT(watch::resolve_chain(root + "/conf/app.yaml"), ElementsAre(watch::DirEntry{root, "conf"}));
}

}  // namespace
}  // namespace hotreload
