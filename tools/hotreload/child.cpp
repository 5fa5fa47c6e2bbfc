#include "child.hpp"

#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

extern char** environ;

namespace hotreload::cli {

namespace {

int exit_status(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

}  // namespace

Result<Child, std::string> Child::spawn(const std::vector<std::string>& argv, const sigset_t& default_signals,
                                        bool take_terminal) {
  if (argv.empty()) return unexpected(std::string("no command"));
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  posix_spawnattr_setpgroup(&attributes, 0);  // a group of its own, ended as a whole
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // In the child, after it joined its group (glibc 2.35). A background group that reads the
  // terminal would be stopped by SIGTTIN.
  if (take_terminal) posix_spawn_file_actions_addtcsetpgrp_np(&actions, STDIN_FILENO);

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  // glibc's posix_spawnp reports a failed exec (ENOENT, EACCES) as its return value.
  int spawned = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return unexpected(argv[0] + ": " + std::strerror(spawned));

  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    std::string reason = std::string("pidfd_open: ") + std::strerror(errno) + " (Linux 5.3 or later is needed)";
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return unexpected(std::move(reason));
  }
  return Child(pid, pidfd);
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::exchange(other.pidfd_, -1)), status_(other.status_) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    if (pidfd_ >= 0) ::close(pidfd_);
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    status_ = other.status_;
  }
  return *this;
}

Child::~Child() {
  if (pidfd_ >= 0) ::close(pidfd_);
}

bool Child::send_signal(int signal_number) const {
  if (status_ || pidfd_ < 0) return false;
  return ::syscall(SYS_pidfd_send_signal, pidfd_, signal_number, nullptr, 0) == 0;
}

bool Child::signal_group(int signal_number) const {
  // While the child is unreaped its pid cannot be reused, so neither can its group's id.
  if (status_ || pidfd_ < 0) return false;
  bool sent = ::kill(-pid_, signal_number) == 0;
  if (::getpgid(pid_) != pid_) sent = send_signal(signal_number) || sent;  // it moved to another group
  return sent;
}

void Child::record_exit(int wait_status) {
  if (!status_) status_ = exit_status(wait_status);
}

std::optional<int> Child::try_reap() {
  if (status_ || pid_ < 0) return status_;
  int status = 0;
  pid_t reaped = 0;
  do {
    reaped = ::waitpid(pid_, &status, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped != pid_) return std::nullopt;
  status_ = exit_status(status);
  return status_;
}

std::optional<int> parse_signal(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    if (text.size() > 3) return std::nullopt;
    int number = std::stoi(text);
    if (number < 1 || number >= NSIG) return std::nullopt;
    return number;
  }
  std::string name;
  for (unsigned char c : text) name.push_back(static_cast<char>(std::toupper(c)));
  if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
  for (int number = 1; number < NSIG; ++number) {
    const char* abbreviation = ::sigabbrev_np(number);  // "HUP" (glibc 2.32)
    if (abbreviation != nullptr && name == abbreviation) return number;
  }
  return std::nullopt;
}

std::string signal_name(int signal_number) {
  const char* abbreviation = ::sigabbrev_np(signal_number);
  return abbreviation != nullptr ? std::string("SIG") + abbreviation : "signal " + std::to_string(signal_number);
}

}  // namespace hotreload::cli
