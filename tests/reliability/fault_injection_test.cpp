// Fault injection: for each fault, the old config stays live, the error is reported, and the next
// valid state is applied. Faults are real where a test can cause them (chmod 000 as an unprivileged
// user, /dev/full, a file-size or descriptor limit in a forked child, a module that throws or hangs,
// an injected clock that jumps); EIO and a file removed between stat and open go through the
// loader's read seam (load/parsers.hpp). docs/RELIABILITY.md lists them all, with the faults that
// other tests already cover.
#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <future>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hotreload/audit.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/watch.hpp"
#include "load/parsers.hpp"
#include "support/temp_dir.hpp"
#include "support/watch_support.hpp"

namespace hotreload::fault_injection {

// The config every fault test reloads: `name` always spells `version`, so a mixed-up snapshot shows.
struct FaultConfig {
  int version = 0;
  std::string name;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FaultConfig, version, name)

namespace {

using ::testing::HasSubstr;
using std::chrono::milliseconds;

std::string config_text(int version) {
  return "version: " + std::to_string(version) + "\nname: v" + std::to_string(version) + "\n";
}

// The first reload.failed event left in `queue`, if any.
std::optional<Event> failed_event(EventQueue& queue) {
  while (auto event = queue.try_recv()) {
    if (event->type == event_type::failed) return event;
  }
  return std::nullopt;
}

std::string all_messages(const Errors& errors) {
  std::string out;
  for (const Error& error : errors) out += error.message + "\n";
  return out;
}

class FaultTest : public ::testing::Test {
 protected:
  ReloadOptions options() const {
    ReloadOptions opts;
    opts.layers.files = {{path_}};
    opts.layers.environment = Environment{};
    return opts;
  }

  // The three promises after a reload that met a fault: it failed naming `cause` (in the outcome
  // and the reload.failed event), the snapshot is the very one that was live before, and once the
  // fault is gone the next valid file is applied.
  void expect_fault_handled(Reloader<FaultConfig>& reloader, EventQueue& queue, const ReloadOutcome& outcome,
                            const std::shared_ptr<const FaultConfig>& before, const std::string& cause) {
    EXPECT_EQ(outcome.status, ReloadStatus::failed);
    EXPECT_THAT(all_messages(outcome.errors), HasSubstr(cause));
    std::optional<Event> failed = failed_event(queue);
    ASSERT_TRUE(failed.has_value()) << "no reload.failed event";
    EXPECT_THAT(all_messages(failed->errors), HasSubstr(cause));
    EXPECT_EQ(reloader.load(), before) << "the old snapshot must stay live";
    EXPECT_EQ(reloader.generation(), 1u);

    dir_.write("config.yaml", config_text(before->version + 10));
    ReloadOutcome next = reloader.reload();
    EXPECT_EQ(next.status, ReloadStatus::applied) << all_messages(next.errors);
    EXPECT_EQ(reloader.read()->version, before->version + 10);
    EXPECT_EQ(reloader.read()->name, "v" + std::to_string(before->version + 10));
  }

  testing::TempDir dir_;
  std::string path_ = dir_.write("config.yaml", config_text(1));
};

// Installs a read fault for one test and always removes it.
class ReadFault {
 public:
  explicit ReadFault(detail::ReadFaultHook hook) { detail::set_read_fault_hook_for_testing(std::move(hook)); }
  ~ReadFault() { detail::set_read_fault_hook_for_testing({}); }
  ReadFault(const ReadFault&) = delete;
  ReadFault& operator=(const ReadFault&) = delete;
};

// ---- Reads that fail ----

TEST_F(FaultTest, ReadFailingWithEioAfterDataArrivedKeepsTheOldConfig) {
  Reloader<FaultConfig> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  auto before = reloader.load();
  dir_.write("config.yaml", config_text(2));
  ReloadOutcome outcome;
  {
    // The first read(2) returns the bytes; the disk fails on the next one.
    int reads = 0;
    ReadFault eio([&reads](const std::string&, detail::ReadStep step) {
      return step == detail::ReadStep::read && ++reads == 2 ? EIO : 0;
    });
    outcome = reloader.reload();
    EXPECT_EQ(reads, 2);
  }
  ASSERT_FALSE(outcome.errors.empty());
  EXPECT_EQ(outcome.errors[0].code, ErrorCode::io);
  EXPECT_EQ(outcome.errors[0].location.file, path_);
  expect_fault_handled(reloader, *queue, outcome, before, "cannot read: Input/output error");
}

TEST_F(FaultTest, ReadFailingWithARealEioKeepsTheOldConfig) {
  // /proc/self/mem is a regular file whose offset 0 is unmapped memory: read(2) fails with EIO.
  if (::access("/proc/self/mem", R_OK) != 0) GTEST_SKIP() << "no readable /proc/self/mem";
  Reloader<FaultConfig> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  auto before = reloader.load();
  std::filesystem::remove(path_);
  std::filesystem::create_symlink("/proc/self/mem", path_);
  ReloadOutcome outcome = reloader.reload();
  std::filesystem::remove(path_);
  expect_fault_handled(reloader, *queue, outcome, before, "cannot read: Input/output error");
}

TEST_F(FaultTest, FileRemovedBetweenStatAndOpenKeepsTheOldConfig) {
  Reloader<FaultConfig> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  auto before = reloader.load();
  dir_.write("config.yaml", config_text(2));
  ReloadOutcome outcome;
  {
    // The permission check has stat'ed the file; it disappears before the open: a real ENOENT.
    ReadFault vanish([](const std::string& path, detail::ReadStep step) {
      if (step == detail::ReadStep::open) std::filesystem::remove(path);
      return 0;
    });
    outcome = reloader.reload();
  }
  expect_fault_handled(reloader, *queue, outcome, before, "cannot read: No such file or directory");
}

TEST_F(FaultTest, OptionalFileRemovedBetweenStatAndOpenCountsAsAbsent) {
  const std::string local = dir_.write("local.yaml", "name: v1\n");
  ReloadOptions opts = options();
  opts.layers.files.push_back({.path = local, .optional = true});
  Reloader<FaultConfig> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text(2));
  ReadFault vanish([&local](const std::string& path, detail::ReadStep step) {
    if (step == detail::ReadStep::open && path == local) std::filesystem::remove(path);
    return 0;
  });
  ReloadOutcome outcome = reloader.reload();
  EXPECT_EQ(outcome.status, ReloadStatus::applied) << all_messages(outcome.errors);
  EXPECT_EQ(reloader.read()->name, "v2");
}

// Runs `body` in a forked child and returns its report: empty when every check passed, else what
// failed. Process-wide faults (dropped privileges, a lowered rlimit) stay in the child. The child
// ends with _exit: it must not run the parent's atexit handlers or gtest's.
std::string run_in_child(const std::function<std::string()>& body) {
  int report_pipe[2];
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) return "pipe2 failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(report_pipe[0]);
    std::string report;
    try {
      report = body();
    } catch (const std::exception& failure) {
      report = std::string("the child threw: ") + failure.what();
    }
    if (report.empty()) report = "ok";
    (void)!::write(report_pipe[1], report.data(), report.size());
    ::_exit(0);
  }
  ::close(report_pipe[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t n; (n = ::read(report_pipe[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    report.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(report_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "the child died (status " + std::to_string(status) + ")";
  return report == "ok" ? "" : report;
}

// What a child checks, collected as text for the parent to report.
struct ChildChecks {
  std::string failures;
  void expect(bool ok, const std::string& what) {
    if (!ok) failures += what + "\n";
  }
};

// Sends this process's stderr to `path` (a child's, so the parent can read its warnings).
bool redirect_stderr(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::dup2(fd, STDERR_FILENO) >= 0;
  ::close(fd);
  return ok;
}

constexpr uid_t kNobody = 65534;

TEST_F(FaultTest, UnreadableFileKeepsTheOldConfig) {
  // Root reads any file, so as root the check runs in a child that drops to nobody.
  std::string report = run_in_child([&]() -> std::string {
    ChildChecks checks;
    Reloader<FaultConfig> reloader(options());
    if (!reloader.start()) return "the first load failed";
    if (::geteuid() == 0) {
      if (::chown(dir_.path().c_str(), kNobody, kNobody) != 0 || ::chown(path_.c_str(), kNobody, kNobody) != 0 ||
          ::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
        return "skip: cannot drop privileges to uid 65534";
      }
    }
    auto queue = reloader.events().open_queue();
    auto before = reloader.load();
    dir_.write("config.yaml", config_text(2));
    checks.expect(::chmod(path_.c_str(), 0) == 0, "chmod 000");
    ReloadOutcome outcome = reloader.reload();
    checks.expect(outcome.status == ReloadStatus::failed, "the reload of an unreadable file failed");
    checks.expect(all_messages(outcome.errors).find("cannot read: Permission denied") != std::string::npos,
                  "the outcome says: " + all_messages(outcome.errors));
    std::optional<Event> failed = failed_event(*queue);
    checks.expect(failed && all_messages(failed->errors).find("Permission denied") != std::string::npos,
                  "a reload.failed event names the cause");
    checks.expect(reloader.load() == before, "the old snapshot stayed live");

    checks.expect(::chmod(path_.c_str(), 0644) == 0, "chmod 644");
    dir_.write("config.yaml", config_text(3));
    ReloadOutcome next = reloader.reload();
    checks.expect(next.status == ReloadStatus::applied, "the next valid file was applied: " + all_messages(next.errors));
    checks.expect(reloader.read()->version == 3, "version 3 is live");
    return checks.failures;
  });
  if (report.rfind("skip:", 0) == 0) GTEST_SKIP() << report;
  EXPECT_EQ(report, "");
}

// ---- A disk that fills while the audit log writes ----

TEST_F(FaultTest, FullDiskLosesAuditRecordsButNotReloads) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no writable /dev/full";
  auto audit = AuditLog::open_file("/dev/full");
  ASSERT_TRUE(audit.has_value());
  Reloader<FaultConfig> reloader(options());
  auto recording = (*audit)->attach(reloader.events());
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", "version: [broken\n");
  ReloadOutcome broken = reloader.reload();
  dir_.write("config.yaml", config_text(2));
  ReloadOutcome next = reloader.reload();
  std::string warnings = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(broken.status, ReloadStatus::failed);
  EXPECT_EQ(next.status, ReloadStatus::applied) << "an audit log that cannot be written must not stop reloads";
  EXPECT_EQ(reloader.read()->version, 2);
  EXPECT_EQ((*audit)->lost_records(), 3u);
  EXPECT_EQ(warnings, "hotreload: cannot write the audit log /dev/full: No space left on device; records are lost "
                      "until a write succeeds\n")
      << "reported once per run of failures";
}

TEST_F(FaultTest, AuditRecordCutShortByAFullDiskLeavesLaterLinesWhole) {
  // RLIMIT_FSIZE is a disk that fills at a chosen byte: the write that crosses it is cut short,
  // later ones fail with EFBIG, until the limit is raised (space freed).
  const std::string log_path = dir_.file("audit.jsonl");
  const std::string stderr_path = dir_.file("stderr.txt");
  std::string report = run_in_child([&]() -> std::string {
    ChildChecks checks;
    if (!redirect_stderr(stderr_path)) return "cannot redirect stderr";
    std::signal(SIGXFSZ, SIG_IGN);  // the write then fails with EFBIG instead of killing the process
    auto audit = AuditLog::open_file(log_path);
    if (!audit) return "cannot open the audit log";
    (*audit)->record_unauthorized("first:1", "POST", "/reload", "missing bearer token");
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    const rlimit full{static_cast<rlim_t>(std::filesystem::file_size(log_path) + 40), limit.rlim_max};
    if (::setrlimit(RLIMIT_FSIZE, &full) != 0) return "cannot set RLIMIT_FSIZE";
    (*audit)->record_unauthorized("cut:2", "POST", "/reload", "missing bearer token");
    (*audit)->record_unauthorized("lost:3", "POST", "/reload", "missing bearer token");
    checks.expect((*audit)->lost_records() == 2, "two records lost");
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return "cannot restore RLIMIT_FSIZE";
    (*audit)->record_unauthorized("after:4", "POST", "/reload", "missing bearer token");
    checks.expect((*audit)->lost_records() == 2, "the write after the space came back succeeded");
    return checks.failures;
  });
  ASSERT_EQ(report, "");

  std::vector<std::string> lines;
  std::istringstream text(testing::read_file(log_path).value_or(""));
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u) << "the record, the cut record ended by a newline, the record after";
  EXPECT_EQ(nlohmann::json::parse(lines[0]).at("who"), "first:1");
  EXPECT_FALSE(nlohmann::json::accept(lines[1]));
  EXPECT_EQ(lines[1].size(), 40u);
  EXPECT_EQ(nlohmann::json::parse(lines[2]).at("who"), "after:4");
  std::string warnings = testing::read_file(stderr_path).value_or("");
  EXPECT_THAT(warnings, HasSubstr("cannot write the audit log " + log_path + ": File too large"));
  EXPECT_THAT(warnings, HasSubstr("the audit log " + log_path + " is written again; 2 records were lost"));
}

// ---- inotify unavailable ----
// Out of watches (ENOSPC from inotify_add_watch) needs max_user_watches lowered system-wide, which
// would break every other watcher on the machine: WatchFallback.NoInotifyWatchFallsBackToPolling
// (tests/watch) injects it through the inotify syscall seam instead.

TEST_F(FaultTest, InotifyInitFailingForLackOfDescriptorsFallsBackToPolling) {
  const std::string stderr_path = dir_.file("stderr.txt");
  std::string report = run_in_child([&]() -> std::string {
    ChildChecks checks;
    if (!redirect_stderr(stderr_path)) return "cannot redirect stderr";
    ReloadOptions opts = options();
    opts.backoff.enabled = false;
    Reloader<FaultConfig> reloader(opts);
    if (!reloader.start()) return "the first load failed";
    // UBSan checks a virtual call's vptr through a pipe(2) unless that (vptr, type) pair is in
    // its cache, and with no descriptor left the check fails and reports a false "invalid vptr".
    // Both backends started once beforehand, and a number written to std::cerr as the fallback
    // warning writes one, fill the cache for the calls made while starved.
    std::cerr << "warming up the sanitizer's type cache: " << milliseconds(1).count() << '\n';
    for (auto poll : {std::optional<milliseconds>{}, std::optional<milliseconds>{milliseconds(1000)}}) {
      auto warm = FileWatcher::start({.files = {path_}, .poll_interval = poll}, [](const std::vector<FileChange>&) {});
      if (!warm) return "a watcher did not start: " + warm.error().message;
    }

    std::promise<void> reloaded;
    std::future<void> reload_seen = reloaded.get_future();
    bool reported = false;

    // Every descriptor but one in use: the watcher's wake fd takes it, inotify_init1 gets EMFILE.
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    rlimit low = limit;
    low.rlim_cur = std::min<rlim_t>(limit.rlim_cur, 256);
    if (::setrlimit(RLIMIT_NOFILE, &low) != 0) return "cannot lower RLIMIT_NOFILE";
    std::vector<int> fillers;
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers.push_back(fd);
    if (fillers.empty()) return "no descriptor to fill";
    ::close(fillers.back());
    fillers.pop_back();

    auto watcher = FileWatcher::start({.files = {path_}, .debounce = milliseconds(0)},
                                      [&](const std::vector<FileChange>&) {
                                        if (reloader.reload(Trigger::file).status == ReloadStatus::applied &&
                                            !std::exchange(reported, true)) {
                                          reloaded.set_value();
                                        }
                                      });
    for (int fd : fillers) ::close(fd);  // room for the poller's reads again
    if (!watcher) return "the watcher did not start: " + watcher.error().message;
    checks.expect(std::string((*watcher)->backend_name()) == "poll", "the watcher fell back to polling");
    testing::replace_file(path_, config_text(2));
    (*watcher)->rescan();  // no need to wait for the next poll
    if (reload_seen.wait_for(testing::kWatchFailureBound) != std::future_status::ready) {
      return checks.failures + "the change was not seen by polling";
    }
    (*watcher).reset();
    checks.expect(reloader.read()->version == 2, "version 2 is live");
    return checks.failures;
  });
  std::string warnings = testing::read_file(stderr_path).value_or("");
  EXPECT_EQ(report, "") << "the child's stderr:\n" << warnings;
  EXPECT_THAT(warnings, HasSubstr("inotify_init1 failed: Too many open files"));
  EXPECT_THAT(warnings, HasSubstr("falling back to polling"));
}

// ---- Modules that fail their commit ----

class ModuleFaultTest : public FaultTest {
 protected:
  // A second module that commits first, so a failing commit must roll it back.
  Module<FaultConfig> bystander() {
    return {.name = "bystander",
            .commit = [this](const ModuleUpdate<FaultConfig>&) -> ModuleResult {
              ++bystander_commits_;
              return {};
            },
            .rollback = [this](const ModuleUpdate<FaultConfig>&) { ++bystander_rollbacks_; }};
  }
  int bystander_commits_ = 0;
  int bystander_rollbacks_ = 0;
};

TEST_F(ModuleFaultTest, CommitThrowingAStandardExceptionRollsBack) {
  Reloader<FaultConfig> reloader(options());
  reloader.add_module(bystander());
  // Version 2 breaks the module; any other version it takes.
  reloader.add_module({.name = "pool", .commit = [](const ModuleUpdate<FaultConfig>& update) -> ModuleResult {
                         if (update.next.version == 2) throw std::runtime_error("socket closed");
                         return {};
                       }});
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  auto before = reloader.load();
  dir_.write("config.yaml", config_text(2));
  ReloadOutcome outcome = reloader.reload();
  EXPECT_TRUE(outcome.rolled_back);
  EXPECT_EQ(outcome.failed_module, "pool");
  EXPECT_EQ(bystander_rollbacks_, 1);
  expect_fault_handled(reloader, *queue, outcome, before, "module pool threw during commit: socket closed");
  EXPECT_EQ(bystander_commits_, 2);
}

TEST_F(ModuleFaultTest, CommitThrowingANonStandardTypeRollsBack) {
  Reloader<FaultConfig> reloader(options());
  reloader.add_module(bystander());
  reloader.add_module({.name = "legacy", .commit = [](const ModuleUpdate<FaultConfig>& update) -> ModuleResult {
                         if (update.next.version == 2) throw 42;
                         return {};
                       }});
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  auto before = reloader.load();
  dir_.write("config.yaml", config_text(2));
  ReloadOutcome outcome = reloader.reload();
  EXPECT_TRUE(outcome.rolled_back);
  EXPECT_EQ(bystander_rollbacks_, 1);
  expect_fault_handled(reloader, *queue, outcome, before, "module legacy threw during commit: non-standard exception");
}

TEST_F(ModuleFaultTest, CommitHangingPastItsTimeoutRollsBackAndTheModuleRecovers) {
  Reloader<FaultConfig> reloader(options());
  reloader.add_module(bystander());
  std::promise<void> unblock;
  std::shared_future<void> responsive = unblock.get_future().share();
  std::promise<void> late_rollback;
  reloader.add_module({.name = "stuck",
                       .timeout = milliseconds(20),
                       .commit = [responsive](const ModuleUpdate<FaultConfig>& update) -> ModuleResult {
                         // Ignores its stop_token, as a hung call does.
                         if (update.next.version == 2) responsive.wait();
                         return {};
                       },
                       .rollback = [&late_rollback](const ModuleUpdate<FaultConfig>& update) {
                         if (update.next.version == 2) late_rollback.set_value();
                       }});
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  auto before = reloader.load();
  dir_.write("config.yaml", config_text(2));
  ReloadOutcome outcome = reloader.reload();
  EXPECT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_TRUE(outcome.rolled_back);
  EXPECT_EQ(outcome.failed_module, "stuck");
  EXPECT_EQ(bystander_rollbacks_, 1);
  ASSERT_FALSE(outcome.errors.empty());
  EXPECT_EQ(outcome.errors[0].code, ErrorCode::timeout);

  // The module answers again; its late commit is undone before it sees the next reload.
  unblock.set_value();
  late_rollback.get_future().wait();
  expect_fault_handled(reloader, *queue, outcome, before, "module stuck did not commit within 20 ms");
}

// ---- A clock that jumps ----

struct JumpingClock {
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::time_point{} +
                                                              std::chrono::hours(24));
  std::function<std::chrono::steady_clock::time_point()> function() const {
    return [now = now] { return *now; };
  }
  void jump(std::chrono::nanoseconds by) const { *now += by; }
};

class ClockJumpTest : public FaultTest {
 protected:
  ReloadOptions options_with_clock() const {
    ReloadOptions opts = options();
    opts.backoff = {.base = std::chrono::seconds(1), .cap = std::chrono::seconds(4), .jitter = 0.0};
    opts.clock = clock_.function();
    return opts;
  }
  JumpingClock clock_;
};

TEST_F(ClockJumpTest, ForwardJumpEndsTheBackoffWithoutANegativeWait) {
  Reloader<FaultConfig> reloader(options_with_clock());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", "version: [broken\n");
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);
  clock_.jump(std::chrono::hours(5));
  dir_.write("config.yaml", config_text(2));
  ReloadOutcome next = reloader.reload(Trigger::file);
  EXPECT_EQ(next.status, ReloadStatus::applied) << next.skip_reason;
  EXPECT_EQ(reloader.read()->version, 2);
  EXPECT_EQ(reloader.backoff().consecutive_failures, 0u);
}

TEST_F(ClockJumpTest, BackwardJumpDoesNotStretchTheBackoffByTheJump) {
  Reloader<FaultConfig> reloader(options_with_clock());
  ASSERT_TRUE(reloader.start().has_value());
  auto before = reloader.load();
  dir_.write("config.yaml", "version: [broken\n");
  ASSERT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::failed);
  clock_.jump(milliseconds(400));
  ReloadOutcome waiting = reloader.reload(Trigger::file);
  EXPECT_EQ(waiting.status, ReloadStatus::skipped);
  EXPECT_EQ(waiting.skip_reason, "backing off after 1 consecutive failed reloads; next attempt in 600 ms");

  // Set back an hour: waiting until the clock catches up would stall reloads for an hour.
  clock_.jump(-std::chrono::hours(1));
  ReloadOutcome retried = reloader.reload(Trigger::file);
  EXPECT_EQ(retried.status, ReloadStatus::failed) << "retried, not skipped: " << retried.skip_reason;
  EXPECT_EQ(reloader.load(), before);
  EXPECT_EQ(reloader.backoff().delay, std::chrono::seconds(2)) << "the next wait counts from the new time";
  EXPECT_EQ(reloader.backoff().next_attempt, clock_.function()() + std::chrono::seconds(2));

  clock_.jump(std::chrono::seconds(2));
  dir_.write("config.yaml", config_text(2));
  EXPECT_EQ(reloader.reload(Trigger::file).status, ReloadStatus::applied);
  EXPECT_EQ(reloader.read()->version, 2);
}

TEST_F(ClockJumpTest, BackwardJumpDoesNotPostponeTheDeferralDeadlineByTheJump) {
  ReloadOptions opts = options_with_clock();
  opts.max_defer = std::chrono::seconds(5);
  Reloader<FaultConfig> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  auto hold = reloader.defer("quality gate");
  dir_.write("config.yaml", config_text(2));
  ASSERT_EQ(reloader.reload().status, ReloadStatus::deferred);
  clock_.jump(-std::chrono::hours(1));
  ASSERT_EQ(reloader.reload().status, ReloadStatus::deferred);
  // Five seconds after the jump, not an hour and five seconds: overdue. The background thread
  // checks deadlines whenever it wakes; an asynchronous request wakes it now.
  clock_.jump(std::chrono::seconds(5));
  (void)reloader.request_reload_async();
  std::optional<Event> overdue;
  while (auto event = queue->recv(testing::kWatchFailureBound)) {
    if (event->type == event_type::deferral_overdue) {
      overdue = event;
      break;
    }
  }
  ASSERT_TRUE(overdue.has_value()) << "no reload.deferral_overdue within the failure bound";
  EXPECT_THAT(overdue->reason, HasSubstr("quality gate"));
  EXPECT_EQ(reloader.read()->version, 1) << "still held";
}

}  // namespace
}  // namespace hotreload::fault_injection
