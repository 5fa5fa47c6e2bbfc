#include "reaper.hpp"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <sstream>

namespace hotreload::cli {

bool become_subreaper() { return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

void reap_exited(const std::function<void(pid_t pid, int wait_status)>& reaped) {
  while (true) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;  // 0: children left, none exited; ECHILD: no child at all
    reaped(pid, status);
  }
}

std::vector<pid_t> own_children() {
  const pid_t self = ::getpid();
  std::vector<pid_t> children;
  // A /proc mounted for another PID namespace (exec as PID 1 of `unshare --pid` without
  // --mount-proc) shows other processes under the same numbers: reading it, PID 1 would take the
  // host's services for its children.
  char link[32] = {};
  if (::readlink("/proc/self", link, sizeof link - 1) < 0 || std::to_string(self) != link) return children;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return children;
  while (const dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;  // it ended meanwhile
    // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so read from the last ')'.
    std::size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    char state = 0;
    long ppid = 0;
    if (rest >> state >> ppid && ppid == self) children.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return children;
}

int end_leftovers(const Leftovers& leftovers) {
  using Clock = std::chrono::steady_clock;
  const pid_t group = leftovers.group;
  // The group's id cannot name another group while any member lives (the kernel does not reuse
  // a pid that is still some group's id), and once none does, kill() fails with ESRCH.
  auto group_alive = [&] { return group > 0 && ::kill(-group, 0) == 0; };
  auto kill_at = Clock::now() + leftovers.grace;
  std::optional<Clock::time_point> give_up;  // set once SIGKILL was sent
  std::set<pid_t> terminated;                // children already sent SIGTERM
  int termination = 0;
  bool announced = false;
  if (leftovers.signal_group && group_alive()) ::kill(-group, SIGTERM);

  while (true) {
    reap_exited([](pid_t, int) {});
    const std::vector<pid_t> children = own_children();
    const bool group_left = group_alive();
    if (children.empty() && !group_left) return termination;
    const std::string grace = std::to_string(leftovers.grace.count()) + " s";
    if (!announced) {
      announced = true;
      leftovers.report("CMD left processes running: sending them SIGTERM, SIGKILL after " + grace);
    }
    if (!give_up && Clock::now() >= kill_at) {
      give_up = Clock::now() + std::chrono::seconds(1);
      leftovers.report("processes still running " + grace + " after CMD: sending SIGKILL");
    }
    if (give_up) {
      if (group_left) ::kill(-group, SIGKILL);
      // Our own children, zombies included, so their pids cannot be reused before this kill.
      for (pid_t child : children) ::kill(child, SIGKILL);
      if (Clock::now() >= *give_up) {
        leftovers.report(std::to_string(children.size()) + " processes did not end after SIGKILL");
        return termination;
      }
    } else {
      for (pid_t child : children) {
        if (!leftovers.signal_group && ::getpgid(child) == group) continue;  // it had its signal
        if (terminated.insert(child).second) ::kill(child, SIGTERM);
      }
    }

    // SIGCHLD says an adopted child ended; a group member whose parent still runs tells nobody,
    // so the wait is also paced to re-check the group.
    auto until = std::min(give_up.value_or(kill_at), Clock::now() + std::chrono::milliseconds(50));
    auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
    pollfd ready{leftovers.signal_fd, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(std::max<long>(0, left.count()))) > 0) {
      signalfd_siginfo info{};
      if (::read(leftovers.signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        const int number = static_cast<int>(info.ssi_signo);
        if (number == SIGINT || number == SIGTERM || number == SIGQUIT) {
          termination = number;
          kill_at = Clock::now();  // asked to stop: do not wait for the grace
        }
      }
    }
  }
}

}  // namespace hotreload::cli
