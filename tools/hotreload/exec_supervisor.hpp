// The process side of `hotreload exec`: the command it runs, the signals it receives, and what it
// does after each applied change (signal, webhook, restart). The config side (reloader, watcher)
// is wired in exec_command.cpp and hands its actions over through an ExecInbox.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "child.hpp"
#include "webhook_sender.hpp"

namespace hotreload::cli {

// One line on stderr, "hotreload exec: LINE"; from any thread.
void report_exec(const std::string& line);

// What the main loop does about one applied change.
struct ExecAction {
  bool restart = false;
  std::size_t change_count = 0;
  std::string cloudevent;  // the reload.completed event, for the webhook
};

// Hands actions from the reloader's thread to the main loop, which polls fd().
class ExecInbox {
 public:
  ExecInbox();
  ~ExecInbox();
  ExecInbox(const ExecInbox&) = delete;
  ExecInbox& operator=(const ExecInbox&) = delete;

  int fd() const { return fd_; }
  void push(ExecAction action);  // any thread
  std::deque<ExecAction> take();  // the main loop

 private:
  int fd_;
  std::mutex mutex_;
  std::deque<ExecAction> actions_;  // guarded by mutex_
};

struct SupervisorOptions {
  std::vector<std::string> command;
  std::optional<int> reload_signal;  // sent to the command after a change
  std::optional<WebhookTarget> webhook;
  std::string webhook_url;  // as given, for reports
  std::chrono::milliseconds webhook_timeout{5000};
  sigset_t signals;  // the ones exec reads from its signalfd: the command gets their default action
};

class Supervisor {
 public:
  explicit Supervisor(SupervisorOptions options);

  // Runs the command until it exits (and is not being restarted), ends what it left running and
  // returns the status to exit with. `signal_fd` reads SIGINT, SIGTERM, SIGQUIT (forwarded to the
  // command's process group), SIGHUP (calls `reread`) and SIGCHLD (every exited child is reaped).
  // When exec had the terminal's foreground, the command gets it, and exec takes it back at the end.
  int run(int signal_fd, ExecInbox& inbox, const std::function<void()>& reread);

 private:
  int supervise(int signal_fd, ExecInbox& inbox, const std::function<void()>& reread);
  bool spawn();
  void on_signal(int signal_fd, const std::function<void()>& reread);
  void act(const ExecAction& action);

  const SupervisorOptions options_;
  std::optional<WebhookSender> webhook_;
  bool take_terminal_ = false;  // exec had the terminal's foreground: each command gets it
  std::optional<Child> child_;
  bool stopping_ = false;    // a termination signal was forwarded: exit when CMD does
  bool restarting_ = false;  // SIGTERM sent for a restart: start CMD again when it exits
  std::optional<std::chrono::steady_clock::time_point> kill_at_;  // while restarting
};

}  // namespace hotreload::cli
