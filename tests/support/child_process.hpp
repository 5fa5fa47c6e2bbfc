// A child process whose stdout is read line by line as it runs (for long-running commands such as
// `hotreload watch`), with signals and a bounded wait. Timeouts are failure bounds, not pacing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hotreload::testing {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with stdout on a pipe, stderr to `stderr_path` (if not empty).
  explicit ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_path = "");
  ~ChildProcess();  // kills and reaps the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next complete line of stdout (without '\n'), or nullopt after `timeout` or at EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  void send_signal(int signal_number);
  pid_t pid() const { return pid_; }
  // Waits for the exit status (128 + signal when killed); nullopt if it did not exit in time.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::optional<int> status_;
};

}  // namespace hotreload::testing
