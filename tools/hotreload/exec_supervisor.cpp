#include "exec_supervisor.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <utility>

#include "reaper.hpp"

namespace hotreload::cli {
namespace {

// How long a restart waits for CMD to exit after SIGTERM before it sends SIGKILL.
constexpr auto kRestartGrace = std::chrono::seconds(10);
// How long what CMD left running gets between SIGTERM and SIGKILL once CMD has exited.
constexpr auto kLeftoverGrace = std::chrono::seconds(5);
// Like a shell: the command could not be started.
constexpr int kExitCannotRun = 127;

}  // namespace

void report_exec(const std::string& line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::cerr << "hotreload exec: " << line << std::endl;
}

ExecInbox::ExecInbox() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
}

ExecInbox::~ExecInbox() { ::close(fd_); }

void ExecInbox::push(ExecAction action) {
  {
    std::lock_guard lock(mutex_);
    actions_.push_back(std::move(action));
  }
  std::uint64_t one = 1;
  (void)!::write(fd_, &one, sizeof one);
}

std::deque<ExecAction> ExecInbox::take() {
  std::uint64_t count = 0;
  (void)!::read(fd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  return std::exchange(actions_, {});
}

Supervisor::Supervisor(SupervisorOptions options) : options_(std::move(options)) {
  if (options_.webhook) webhook_.emplace(*options_.webhook, options_.webhook_url, options_.webhook_timeout, report_exec);
}

int Supervisor::run(int signal_fd, ExecInbox& inbox, const std::function<void()>& reread) {
  take_terminal_ = ::isatty(STDIN_FILENO) == 1 && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
  const int status = supervise(signal_fd, inbox, reread);
  if (take_terminal_) {
    // Give the foreground back to exec's group, where whoever started exec expects it. exec is in
    // the background now: with SIGTTOU blocked, tcsetpgrp() is allowed instead of stopping it.
    sigset_t ttou;
    sigset_t previous;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &ttou, &previous);
    (void)::tcsetpgrp(STDIN_FILENO, ::getpgrp());
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  return status;
}

int Supervisor::supervise(int signal_fd, ExecInbox& inbox, const std::function<void()>& reread) {
  if (!spawn()) return kExitCannotRun;
  while (true) {
    pollfd fds[3] = {{signal_fd, POLLIN, 0}, {child_->pidfd(), POLLIN, 0}, {inbox.fd(), POLLIN, 0}};
    int timeout_ms = -1;
    if (kill_at_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*kill_at_ - std::chrono::steady_clock::now());
      timeout_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
    }
    int polled = ::poll(fds, 3, timeout_ms);
    if (polled < 0 && errno == EINTR) continue;
    if (polled < 0) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));

    if (kill_at_ && std::chrono::steady_clock::now() >= *kill_at_) {
      report_exec("CMD did not exit within " + std::to_string(kRestartGrace.count()) + "s of SIGTERM: sending SIGKILL");
      child_->signal_group(SIGKILL);
      kill_at_.reset();
    }
    if (fds[1].revents != 0) {
      if (auto status = child_->try_reap()) {
        // Its group had the signal already if exec forwarded one or is restarting it.
        int termination = end_leftovers({.group = child_->pid(),
                                         .signal_group = !stopping_ && !restarting_,
                                         .grace = kLeftoverGrace,
                                         .signal_fd = signal_fd,
                                         .report = report_exec});
        if (!restarting_ || stopping_ || termination != 0) return *status;
        for (ExecAction& action : inbox.take()) act(action);  // still restarting: reported, not sent
        restarting_ = false;
        kill_at_.reset();
        if (!spawn()) return kExitCannotRun;
        report_exec("restarted CMD as pid " + std::to_string(child_->pid()));
        continue;  // the old pidfd is gone: poll the new one
      }
    }
    if (fds[0].revents != 0) on_signal(signal_fd, reread);
    if (fds[2].revents != 0) {
      for (ExecAction& action : inbox.take()) act(action);
    }
  }
}

bool Supervisor::spawn() {
  auto spawned = Child::spawn(options_.command, options_.signals, take_terminal_);
  if (!spawned) {
    report_exec("cannot run " + spawned.error());
    return false;
  }
  child_.emplace(std::move(*spawned));
  return true;
}

void Supervisor::on_signal(int signal_fd, const std::function<void()>& reread) {
  signalfd_siginfo info{};
  if (::read(signal_fd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return;
  int number = static_cast<int>(info.ssi_signo);
  if (number == SIGCHLD) {
    // Orphans the command left are exec's children (it is PID 1 or the subreaper): reap them all,
    // or they stay zombies. The command itself may be among them: its pidfd then says so.
    reap_exited([&](pid_t pid, int wait_status) {
      if (pid == child_->pid()) child_->record_exit(wait_status);
    });
    return;
  }
  if (number == SIGHUP) {
    // As for `hotreload watch`: SIGHUP to exec re-reads the files now; a change it finds
    // reaches CMD like any other.
    reread();
    return;
  }
  stopping_ = true;
  child_->signal_group(number);
}

void Supervisor::act(const ExecAction& action) {
  if (stopping_) return;  // CMD is shutting down: leave it alone
  if (restarting_) {
    report_exec("config changed during a restart: the new CMD reads it when it starts");
    return;
  }
  if (action.restart) {
    report_exec("restart-only change: restarting CMD (SIGTERM to pid " + std::to_string(child_->pid()) + ")");
    restarting_ = true;
    kill_at_ = std::chrono::steady_clock::now() + kRestartGrace;
    child_->signal_group(SIGTERM);
    return;
  }
  std::string changes = std::to_string(action.change_count) + (action.change_count == 1 ? " change" : " changes");
  if (options_.reload_signal) {
    if (child_->send_signal(*options_.reload_signal)) {
      report_exec(changes + ": sent " + signal_name(*options_.reload_signal) + " to pid " + std::to_string(child_->pid()));
    } else {
      report_exec(changes + ": could not signal pid " + std::to_string(child_->pid()) + ": " + std::strerror(errno));
    }
  }
  if (webhook_) webhook_->deliver(changes, action.cloudevent);
}

}  // namespace hotreload::cli
