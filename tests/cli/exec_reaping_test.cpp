// `hotreload exec` as an init: the command runs in a process group of its own, orphans it leaves
// become exec's children (exec is the child subreaper, or PID 1 in a PID namespace) and are
// reaped, and whatever the command left running is ended when exec exits.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "support/exec_support.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::cli_path;
using testing::eventually;
using testing::Exec;
using testing::kIdle;
using testing::logged_pid;
using testing::slurp;

constexpr auto kBound = testing::kExecBound;

struct ProcessInfo {
  char state = '?';  // 'Z' for a zombie
  pid_t ppid = -1;
  pid_t pgrp = -1;
  pid_t session = -1;
  int tty = 0;
  pid_t tpgid = -1;  // the foreground process group of its terminal
};

// From /proc/PID/stat; nullopt once the process is gone (reaped).
std::optional<ProcessInfo> process_info(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  std::istringstream rest(line.substr(line.rfind(')') + 1));
  ProcessInfo info;
  rest >> info.state >> info.ppid >> info.pgrp >> info.session >> info.tty >> info.tpgid;
  return info;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto info = process_info(static_cast<pid_t>(std::stol(name)));
    if (info && info->ppid == parent) children.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return children;
}

// A process that is gone, or reaped and its pid reused by something that is not `sleep 1000`.
bool sleeper_gone(pid_t pid) {
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  return text != std::string("sleep\0" "1000\0", 11);
}

// Five orphans that exit at once ("(sleep 0 &)": the subshell ends before its sleep), and one that
// lives on ("orphan PID").
std::string orphaning_script(const std::string& out) {
  return "for i in 1 2 3 4 5; do (sleep 0 &); done; (sleep 1000 & echo orphan $! >> " + out + "); " +
         "echo ready $$ >> " + out + "; " + kIdle;
}

TEST(ExecReaping, CommandRunsInAProcessGroupOfItsOwn) {
  Exec t;
  auto& exec = t.start({}, testing::script(t.out));
  auto command = process_info(logged_pid(slurp(t.out), "ready"));
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(command->pgrp, logged_pid(slurp(t.out), "ready"));
  EXPECT_NE(command->pgrp, process_info(exec.pid())->pgrp);
}

// A pseudo-terminal; `spawn` starts a program in a new session with it as stdin and controlling
// terminal, the way a login shell or `docker run -t` has one.
class Terminal {
 public:
  Terminal() : master_(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) {
    EXPECT_GE(master_, 0);
    EXPECT_EQ(::grantpt(master_), 0);
    EXPECT_EQ(::unlockpt(master_), 0);
    name_ = ::ptsname(master_);
  }
  ~Terminal() { ::close(master_); }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  int master() const { return master_; }
  pid_t spawn(std::vector<std::string> argv, const std::string& stderr_path) const {
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // Opened after setsid() by a session leader without O_NOCTTY: it becomes the controlling terminal.
    posix_spawn_file_actions_addopen(&actions, 0, name_.c_str(), O_RDWR, 0);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    EXPECT_EQ(::posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return pid;
  }

 private:
  int master_;
  std::string name_;
};

// The exit status of `pid`, a child of the test that is known to be ending.
int exit_status_of(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The command's group must get the terminal's foreground, or reading the terminal would stop the
// command with SIGTTIN.
TEST(ExecReaping, CommandInATerminalGetsItsForeground) {
  Terminal terminal;
  Exec t;
  const pid_t exec = terminal.spawn({cli_path(), "exec", "--config", t.config, "--", "/bin/sh", "-c",
                                     testing::script(t.out)}, t.err);
  ASSERT_GT(exec, 0);
  EXPECT_TRUE(eventually([&] { return slurp(t.out).find("ready") != std::string::npos; })) << slurp(t.err);
  const pid_t command = logged_pid(slurp(t.out), "ready");
  auto info = process_info(command);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->session, exec);
  EXPECT_EQ(info->pgrp, command);
  EXPECT_EQ(info->tpgid, command) << "the terminal's foreground group is " << info->tpgid;
  EXPECT_EQ(::tcgetpgrp(terminal.master()), command);
  ::kill(exec, SIGTERM);
  EXPECT_EQ(exit_status_of(exec), 128 + SIGTERM) << slurp(t.err);
}

// A shell that ran exec in the foreground finds the foreground its own again afterwards.
TEST(ExecReaping, ExecGivesTheTerminalBackWhenItEnds) {
  Terminal terminal;
  Exec t;
  const std::string shell = cli_path() + " exec --config " + t.config + " -- /bin/sh -c 'echo ready $$ >> " + t.out +
                            "; exit 3'; echo after $? >> " + t.out + "; read -r line < /proc/$$/stat; echo \"stat $line\" >> " +
                            t.out;
  const pid_t leader = terminal.spawn({"/bin/sh", "-c", shell}, t.err);
  ASSERT_GT(leader, 0);
  EXPECT_TRUE(eventually([&] { return slurp(t.out).find("stat ") != std::string::npos; })) << slurp(t.err);
  EXPECT_NE(slurp(t.out).find("after 3"), std::string::npos) << slurp(t.out);
  std::string stat = slurp(t.out).substr(slurp(t.out).find("stat ") + 5);
  std::istringstream fields(stat.substr(stat.rfind(')') + 1));
  ProcessInfo info;
  fields >> info.state >> info.ppid >> info.pgrp >> info.session >> info.tty >> info.tpgid;
  EXPECT_EQ(info.tpgid, leader) << stat;
  EXPECT_EQ(exit_status_of(leader), 0);
}

TEST(ExecReaping, OrphansOfTheCommandAreAdoptedAndReaped) {
  Exec t;
  auto& exec = t.start({}, orphaning_script(t.out));
  const pid_t command = logged_pid(slurp(t.out), "ready");
  const pid_t orphan = logged_pid(slurp(t.out), "orphan");
  ASSERT_GT(orphan, 0);
  EXPECT_EQ(process_info(orphan)->ppid, exec.pid());  // the subreaper adopted it
  // The five short-lived orphans were adopted too; once reaped, exec's children are the command
  // and the orphan that still runs, and none is a zombie.
  EXPECT_TRUE(eventually([&] {
    auto children = children_of(exec.pid());
    std::sort(children.begin(), children.end());
    std::vector<pid_t> expected{command, orphan};
    std::sort(expected.begin(), expected.end());
    return children == expected;
  })) << "exec's children: " << ::testing::PrintToString(children_of(exec.pid()));
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(kBound), 128 + SIGTERM);
  EXPECT_TRUE(eventually([&] { return sleeper_gone(orphan); }));  // ended on exit
}

// In a PID namespace exec is PID 1 and every orphan in it is its child, subreaper or not.
TEST(ExecReaping, AsPid1InAPidNamespaceLeavesNoZombies) {
  const std::string unshare = "/usr/bin/unshare";
  if (!std::filesystem::exists(unshare)) GTEST_SKIP() << unshare << " is missing (util-linux)";
  auto probe = testing::run_command({unshare, "--pid", "--fork", "--kill-child", "/bin/true"});
  if (probe.exit_code != 0) GTEST_SKIP() << "cannot create a PID namespace here (needs root or user namespaces): " << probe.err;

  Exec t;
  auto& unshared = t.start({}, orphaning_script(t.out), {unshare, "--pid", "--fork", "--kill-child"});
  // unshare's only child is exec, PID 1 inside; the pids the script logs are the namespace's.
  std::vector<pid_t> forked = children_of(unshared.pid());
  ASSERT_EQ(forked.size(), 1u);
  const pid_t exec = forked[0];
  EXPECT_GT(logged_pid(slurp(t.out), "orphan"), 0);
  // Left unreaped, the five short-lived orphans would stay zombies under exec for good.
  EXPECT_TRUE(eventually([&] {
    auto children = children_of(exec);
    return children.size() == 2 && std::none_of(children.begin(), children.end(), [](pid_t pid) {
             auto info = process_info(pid);
             return info && info->state == 'Z';
           });
  })) << "exec's children: " << ::testing::PrintToString(children_of(exec));
  ::kill(exec, SIGTERM);
  EXPECT_EQ(unshared.wait(kBound), 128 + SIGTERM) << slurp(t.err);
}

// "group PID": a sleep in the command's process group; "session PID": one that left it (setsid).
std::string leaving_script(const std::string& out, const std::string& then) {
  return "sleep 1000 & echo group $! >> " + out + "; setsid sleep 1000 & echo session $! >> " + out + "; " +
         "echo ready $$ >> " + out + "; " + then;
}

TEST(ExecReaping, ProcessesTheCommandLeftAreEndedWhenExecIsTerminated) {
  Exec t;
  auto& exec = t.start({}, leaving_script(t.out, kIdle));
  const pid_t group = logged_pid(slurp(t.out), "group");
  const pid_t session = logged_pid(slurp(t.out), "session");
  ASSERT_GT(group, 0);
  ASSERT_GT(session, 0);
  ASSERT_TRUE(eventually([&] { return !sleeper_gone(group) && !sleeper_gone(session); }));
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(kBound), 128 + SIGTERM) << slurp(t.err);
  // exec reaped them before it exited: they are gone, not zombies waiting for another reaper.
  EXPECT_TRUE(sleeper_gone(group)) << slurp(t.err);
  EXPECT_TRUE(sleeper_gone(session)) << slurp(t.err);
}

TEST(ExecReaping, ProcessesLeftByACommandThatExitedAreEnded) {
  Exec t;
  auto& exec = t.start({}, leaving_script(t.out, "exit 3"));
  EXPECT_EQ(exec.wait(kBound), 3) << slurp(t.err);
  EXPECT_TRUE(sleeper_gone(logged_pid(slurp(t.out), "group"))) << slurp(t.err);
  EXPECT_TRUE(sleeper_gone(logged_pid(slurp(t.out), "session"))) << slurp(t.err);
  EXPECT_NE(slurp(t.err).find("CMD left processes running: sending them SIGTERM, SIGKILL after 5 s"), std::string::npos)
      << slurp(t.err);
}

// A leftover that ignores SIGTERM (sleep inherits the ignored disposition) gets SIGKILL. The
// command exits once it has said "armed", i.e. ignores SIGTERM.
std::string stubborn_script(const std::string& out) {
  return "setsid sh -c \"trap '' TERM; echo armed >> " + out + "; exec sleep 1000\" & echo session $! >> " + out +
         "; while ! grep -q armed " + out + "; do sleep 0.01; done; echo ready $$ >> " + out + "; exit 3";
}

TEST(ExecReaping, LeftoverIgnoringSigtermIsKilledAfterTheGrace) {
  Exec t;
  const auto started = std::chrono::steady_clock::now();
  auto& exec = t.start({}, stubborn_script(t.out));
  EXPECT_EQ(exec.wait(kBound), 3) << slurp(t.err);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 5s);  // the grace
  EXPECT_TRUE(sleeper_gone(logged_pid(slurp(t.out), "session"))) << slurp(t.err);
  EXPECT_NE(slurp(t.err).find("processes still running 5 s after CMD: sending SIGKILL"), std::string::npos)
      << slurp(t.err);
}

TEST(ExecReaping, TerminationSignalDuringTheGraceKillsLeftoversAtOnce) {
  Exec t;
  auto& exec = t.start({}, stubborn_script(t.out));
  ASSERT_TRUE(eventually([&] { return slurp(t.err).find("CMD left processes running") != std::string::npos; }))
      << slurp(t.err);
  const auto sent = std::chrono::steady_clock::now();
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(kBound), 3) << slurp(t.err);  // still the command's status
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 2s);
  EXPECT_TRUE(sleeper_gone(logged_pid(slurp(t.out), "session"))) << slurp(t.err);
}

}  // namespace
}  // namespace hotreload
