// Drives `hotreload exec` with a real child: a shell script that appends what happens to it
// (started, got SIGHUP, got SIGTERM) to a file, which the tests await with a bounded deadline.
// Shared by tests/cli/exec_*_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"
#include "support/watch_support.hpp"

namespace hotreload::testing {

inline constexpr auto kExecBound = std::chrono::seconds(20);  // a failure bound, never a pace

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t found = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++found;
  return found;
}

// Re-reads what another process writes until `done` holds or the bound passes; the polling
// interval only paces the re-reads, the deadline is the failure bound.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds bound = kExecBound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Idles for at most a minute (in steps, so that a trap runs promptly).
inline constexpr const char* kIdle = "i=0; while [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done";

// A child that logs "ready PID" when it starts, "got-hup" on SIGHUP and, with `term_status`,
// "got-term" on SIGTERM before exiting with that status.
inline std::string script(const std::string& out, int term_status = -1) {
  std::string text = "trap 'echo got-hup >> " + out + "' HUP; ";
  if (term_status >= 0) text += "trap 'echo got-term >> " + out + "; exit " + std::to_string(term_status) + "' TERM; ";
  return text + "echo ready $$ >> " + out + "; " + kIdle;
}

// The value after "KEY " on the first line of `text` that starts with it ("ready 42" -> 42).
inline pid_t logged_pid(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key + " ", 0) == 0) return static_cast<pid_t>(std::stol(line.substr(key.size() + 1)));
  }
  return -1;
}

// One `hotreload exec` run in its own directory. The destructor ends it with SIGTERM (forwarded to
// the script), so no script outlives its test; the scripts also stop by themselves after a minute.
struct Exec {
  TempDir dir;
  std::string config;
  std::string out;
  std::string err;
  std::unique_ptr<ChildProcess> process;
  Exec() : config(dir.write("config.yaml", "a: 1\nserver:\n  port: 80\n")), out(dir.file("out")), err(dir.file("err")) {}
  ~Exec() {
    if (process && !process->wait(std::chrono::milliseconds(0))) {
      process->send_signal(SIGTERM);
      (void)process->wait(kExecBound);
    }
  }

  // Starts `prefix` (empty, or a wrapper such as unshare) running exec with `options`, then waits
  // until the script has written its first line.
  ChildProcess& start(std::vector<std::string> options, const std::string& child_script,
                      std::vector<std::string> prefix = {}) {
    std::vector<std::string> argv = std::move(prefix);
    for (std::string arg : {cli_path(), std::string("exec"), std::string("--debounce"), std::string("0"),
                            std::string("--config"), config}) {
      argv.push_back(arg);
    }
    argv.insert(argv.end(), options.begin(), options.end());
    for (std::string arg : {"--", "/bin/sh", "-c"}) argv.push_back(arg);
    argv.push_back(child_script);
    process = std::make_unique<ChildProcess>(argv, err);
    EXPECT_TRUE(eventually([&] { return slurp(out).find("ready") != std::string::npos; })) << slurp(err);
    return *process;
  }
  std::size_t hups() const { return count(slurp(out), "got-hup"); }
};

}  // namespace hotreload::testing
