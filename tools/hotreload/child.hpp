// The command `hotreload exec` runs: spawned with posix_spawnp in a process group of its own,
// watched through a pidfd (readable once the child exits, so a poll() loop waits for it without
// SIGCHLD races), signalled through the same pidfd (never a recycled pid), and reaped exactly once.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "hotreload/result.hpp"

namespace hotreload::cli {

class Child {
 public:
  // Starts argv[0], searched in PATH, with the caller's stdio and environment, an empty signal
  // mask and the default action for `default_signals` (the caller has them blocked or ignored),
  // as the leader of a new process group. With `take_terminal`, that group becomes the foreground
  // of the terminal on stdin, so the command can read it and gets the terminal's Ctrl-C.
  // The error is the reason in words ("sh: No such file or directory").
  static Result<Child, std::string> spawn(const std::vector<std::string>& argv, const sigset_t& default_signals,
                                          bool take_terminal = false);

  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();  // closes the pidfd; does not kill or reap (the caller decides what an exit means)

  pid_t pid() const { return pid_; }
  // Readable (POLLIN) once the child has exited.
  int pidfd() const { return pidfd_; }
  // False once the child was reaped, or when the kernel refused (errno set).
  bool send_signal(int signal_number) const;
  // The same to the child's whole process group (and to the child, should it have left it).
  bool signal_group(int signal_number) const;
  // For a caller that reaped the child itself (waitpid(-1)): records its raw wait status.
  void record_exit(int wait_status);
  // The exit status (128 + signal number when a signal killed it) if the child has exited;
  // nullopt while it runs. Reaps it: later calls return the same status.
  std::optional<int> try_reap();

 private:
  Child(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<int> status_;
};

// "HUP", "SIGHUP", "hup" or "1" -> SIGHUP; nullopt for anything else.
std::optional<int> parse_signal(const std::string& text);
// "SIGHUP"; "signal N" when the number has no name.
std::string signal_name(int signal_number);

}  // namespace hotreload::cli
