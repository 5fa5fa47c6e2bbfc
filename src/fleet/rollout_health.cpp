// RolloutHealthCheck: reload.completed with a candidate's version queues a check; one thread runs
// it (posix_spawn of /bin/sh -c, or a GET of the health URL) and reports "checking", then "ok" or
// "failed"; a candidate that passed is checked again every recheck_every while it stays applied,
// and only a failure of those is reported (the report stays "ok" meanwhile, so the rollout does
// not see the canary as pending again).
#include "hotreload/rollout_health.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stop_token>
#include <thread>

#include "hotreload/duration.hpp"
#include "net/http_client.hpp"

extern char** environ;

namespace hotreload {
namespace {

// The candidate version an applied config carries, "" for none.
std::string candidate_version(const Event& event) {
  for (const auto& [layer, version] : event.source_versions) {
    if (version.rfind("rollout-", 0) == 0) return version;
  }
  return {};
}

struct Outcome {
  bool ok = false;
  std::string detail;
};

// GET options.url: a 2xx answer within the timeout is healthy. A stop request (the destructor)
// cuts the request short.
Outcome get_check(const HealthCheckOptions& options, std::stop_token stop) {
  auto url = detail::net::split_http_url(options.url);
  if (!url) return {false, url.error().message};
  detail::net::SigpipeGuard sigpipe;
  httplib::Client client(url->base);
  detail::net::set_timeouts(client, options.timeout, options.timeout, options.timeout);
  const auto cancel = detail::net::cancel_on_stop(client, std::move(stop));
  const httplib::Result reply = client.Get(url->path);
  if (!reply) return {false, "GET " + options.url + ": " + detail::net::describe(reply.error(), url->base)};
  if (reply->status >= 200 && reply->status < 300) return {true, ""};
  return {false, "GET " + options.url + ": HTTP " + std::to_string(reply->status)};
}

// The shell that runs the command writes its exit status to fd 3, a pipe this process reads: a
// program that reaps every child it has (an init, `hotreload exec`, a SIGCHLD handler calling
// waitpid(-1)) may take the shell's wait status before this thread asks for it. The command itself
// runs without fd 3, in a process group of its own that a timeout kills whole.
constexpr const char* kStatusReportingShell = "/bin/sh -c \"$1\" 3>&-; echo $? >&3";

Outcome run_command_check(const HealthCheckOptions& options, const std::string& version, std::stop_token stop) {
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::string_view(*entry).rfind("HOTRELOAD_ROLLOUT=", 0) != 0) env_strings.emplace_back(*entry);
  }
  env_strings.push_back("HOTRELOAD_ROLLOUT=" + version);
  std::vector<char*> env;
  for (std::string& entry : env_strings) env.push_back(entry.data());
  env.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c", wrapper = kStatusReportingShell, name = "hotreload-health",
              command = options.command;
  char* argv[] = {shell.data(), dash_c.data(), wrapper.data(), name.data(), command.data(), nullptr};

  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    return {false, std::string("cannot start the health command: pipe: ") + std::strerror(errno)};
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, status_pipe[1], 3);  // dup2 clears close-on-exec
  ::posix_spawnattr_init(&attributes);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  ::posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, env.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  ::close(status_pipe[1]);
  if (error != 0) {
    ::close(status_pipe[0]);
    return {false, std::string("cannot start the health command: ") + std::strerror(error)};
  }

  // The pipe's end (the shell exited) is awaited in slices, so that a stop request or the deadline
  // is noticed within one.
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::string reported;
  while (true) {
    if (stop.stop_requested() || std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);  // ECHILD when another reaper took it: nothing left to do
      ::close(status_pipe[0]);
      return {false, stop.stop_requested() ? "stopped" : "timed out after " + format_duration(options.timeout)};
    }
    pollfd readable{status_pipe[0], POLLIN, 0};
    if (::poll(&readable, 1, 20) <= 0) continue;
    char buffer[32];
    const ssize_t got = ::read(status_pipe[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    reported.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(status_pipe[0]);
  int wait_status = 0;
  const bool reaped_here = ::waitpid(pid, &wait_status, 0) == pid;
  while (!reported.empty() && (reported.back() == '\n' || reported.back() == ' ')) reported.pop_back();
  if (reported == "0") return {true, ""};
  if (!reported.empty()) return {false, "exit status " + reported};
  // The shell ended before it could say: killed from outside.
  if (reaped_here && WIFSIGNALED(wait_status)) {
    return {false, "killed by signal " + std::to_string(WTERMSIG(wait_status))};
  }
  return {false, "the health command's shell ended without an exit status"};
}

Outcome run_check(const HealthCheckOptions& options, const std::string& version, std::stop_token stop) {
  if (!options.url.empty()) return get_check(options, std::move(stop));
  return run_command_check(options, version, std::move(stop));
}

}  // namespace

struct RolloutHealthCheck::State {
  State(FleetReporter& to, HealthCheckOptions with) : reporter(to), options(std::move(with)) {}

  FleetReporter& reporter;
  const HealthCheckOptions options;
  std::mutex mu;
  std::condition_variable_any wake;
  std::string wanted;   // guarded by mu: the newest candidate version applied
  std::string checked;  // guarded by mu: the last version checked (or being checked)
  std::jthread thread;

  void on_event(const Event& event) {
    if (event.type != event_type::completed) return;
    std::string version = candidate_version(event);
    std::lock_guard lock(mu);
    wanted = std::move(version);
    wake.notify_all();
  }

  void run(std::stop_token stop) {
    bool passed = false;  // the last check of `checked` passed
    while (true) {
      std::string version;
      bool again = false;  // a re-check of a candidate that passed: reported only if it fails
      {
        std::unique_lock lock(mu);
        const auto new_candidate = [&] { return !wanted.empty() && wanted != checked; };
        if (passed && options.recheck_every.count() > 0 && wanted == checked) {
          if (!wake.wait_for(lock, stop, options.recheck_every, new_candidate)) {
            if (stop.stop_requested()) return;
            again = wanted == checked;
            if (!again) continue;  // rolled back or promoted meanwhile
          }
        } else if (!wake.wait(lock, stop, new_candidate)) {
          return;
        }
        version = checked = wanted;
      }
      if (!again) reporter.set_health(version, "checking");
      Outcome outcome = run_check(options, version, stop);
      if (stop.stop_requested()) return;
      passed = outcome.ok;
      if (!again || !outcome.ok) reporter.set_health(version, outcome.ok ? "ok" : "failed", outcome.detail);
    }
  }
};

RolloutHealthCheck::RolloutHealthCheck(EventBus& events, FleetReporter& reporter, HealthCheckOptions options)
    : state_(std::make_shared<State>(reporter, std::move(options))) {
  subscription_ = events.subscribe([state = state_](const Event& event) { state->on_event(event); });
  state_->thread = std::jthread([state = state_.get()](std::stop_token stop) { state->run(stop); });
}

RolloutHealthCheck::~RolloutHealthCheck() {
  subscription_.cancel();
  state_->thread.request_stop();
  state_->thread.join();
}

}  // namespace hotreload
