// RolloutHealthCheck: reload.completed with a candidate's version queues a check; one thread runs
// it (posix_spawn of /bin/sh -c, or a GET of the health URL) and reports "checking", then "ok" or
// "failed"; a candidate that passed is checked again every recheck_every while it stays applied,
// and only a failure of those is reported (the report stays "ok" meanwhile, so the rollout does
// not see the canary as pending again).
#include "hotreload/rollout_health.hpp"

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

Outcome run_check(const HealthCheckOptions& options, const std::string& version, std::stop_token stop) {
  if (!options.url.empty()) return get_check(options, stop);
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::string_view(*entry).rfind("HOTRELOAD_ROLLOUT=", 0) != 0) env_strings.emplace_back(*entry);
  }
  env_strings.push_back("HOTRELOAD_ROLLOUT=" + version);
  std::vector<char*> env;
  for (std::string& entry : env_strings) env.push_back(entry.data());
  env.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c", command = options.command;
  char* argv[] = {shell.data(), dash_c.data(), command.data(), nullptr};
  pid_t pid = 0;
  if (int error = ::posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, env.data()); error != 0) {
    return {false, std::string("cannot start the health command: ") + std::strerror(error)};
  }
  // Polled: a child's exit cannot be awaited with a timeout portably without a pidfd; the pace
  // bounds only how late a result is noticed.
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  int status = 0;
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) return {false, std::string("waitpid: ") + std::strerror(errno)};
    if (stop.stop_requested() || std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return {false, stop.stop_requested() ? "stopped" : "timed out after " + format_duration(options.timeout)};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {true, ""};
  if (WIFEXITED(status)) return {false, "exit status " + std::to_string(WEXITSTATUS(status))};
  return {false, "killed by signal " + std::to_string(WTERMSIG(status))};
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
