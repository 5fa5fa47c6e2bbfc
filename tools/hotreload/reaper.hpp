// What an init process owes the processes under it, done by `hotreload exec` whether it runs as a
// container's PID 1 or not: it is the child subreaper, so the command's orphans become its
// children (as they would a PID 1's); it reaps every child that exits, so none stays a zombie; and
// when the command has exited, it ends what the command left behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace hotreload::cli {

// Makes this process the child subreaper (prctl PR_SET_CHILD_SUBREAPER, Linux 3.4). False, with
// errno set, if the kernel refused.
bool become_subreaper();

// Reaps every child that has exited, without blocking; `reaped(pid, wait_status)` for each.
void reap_exited(const std::function<void(pid_t pid, int wait_status)>& reaped);

// The processes whose parent is this one, read from /proc/*/stat; none when /proc belongs to
// another PID namespace.
std::vector<pid_t> own_children();

struct Leftovers {
  pid_t group = -1;  // the command's process group (its pid)
  // False when a termination signal was already forwarded to the group: its members are not sent
  // SIGTERM again (a second SIGTERM means "hurry" to some programs), only SIGKILL after the grace.
  bool signal_group = true;
  // SIGTERM first; SIGKILL to what is left after this long.
  std::chrono::seconds grace{5};
  // Readable signals (a signalfd for SIGCHLD, SIGINT, SIGTERM, SIGQUIT, SIGHUP): SIGCHLD wakes the
  // wait, a termination signal cuts the grace short; SIGHUP is dropped.
  int signal_fd = -1;
  std::function<void(const std::string& line)> report;
};

// Ends what the command left once it has exited: SIGTERM to its process group and to every child
// of this process (orphans it adopted), and to every child adopted meanwhile (a process whose parent
// ended); SIGKILL to the group and every child once the grace is over. Reaps them all and returns
// when none is left, or one second after the SIGKILL at most. A process that left the group and
// whose parent still runs is reached once that parent has ended. Returns the termination signal
// received meanwhile, 0 if none.
int end_leftovers(const Leftovers& leftovers);

}  // namespace hotreload::cli
