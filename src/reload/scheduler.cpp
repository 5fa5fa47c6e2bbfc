// The scheduler: the reloader's background thread and what it serves (asynchronous requests,
// SIGHUP, backoff retries, deferral deadlines) around the reload transaction (transaction.cpp).
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "hotreload/reloader.hpp"
#include "reload/pipeline_state.hpp"

namespace hotreload::detail {

Result<void, Errors> Pipeline::start_background() {
  State& s = *state_;
  std::lock_guard lifecycle(s.lifecycle_mutex);
  if (s.loop.joinable()) {
    if (!s.loop.get_stop_token().stop_requested()) return {};  // running
    // Stopped from inside one of its reloads and not joined yet (see stop()).
    if (s.loop.get_id() == std::this_thread::get_id()) {
      return unexpected(Errors{Error{ErrorCode::usage, "cannot restart the reloader from the reload that stopped it", {}, {}}});
    }
    s.loop.join();
    s.loop = std::jthread();
  }
  if (s.wake_fd < 0) {
    s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s.wake_fd < 0) {
      return unexpected(Errors{Error{ErrorCode::io, std::string("cannot create an eventfd: ") + std::strerror(errno), {}, {}}});
    }
  }
  if (s.options.reload_on_sighup && !s.sighup) {
    auto subscription = SighupSubscription::subscribe();
    if (!subscription) return unexpected(Errors{subscription.error()});
    s.sighup.emplace(std::move(*subscription));
  }
  {
    std::lock_guard lock(s.queue_mutex);
    s.accepting = true;
  }
  try {
    s.loop = std::jthread([&s](std::stop_token stop) { s.serve(std::move(stop)); });
  } catch (const std::exception& failure) {
    std::lock_guard lock(s.queue_mutex);
    s.accepting = false;
    return unexpected(Errors{Error{ErrorCode::internal, std::string("cannot start the reload thread: ") + failure.what(), {}, {}}});
  }
  return {};
}

void Pipeline::stop() {
  State& s = *state_;
  std::lock_guard lifecycle(s.lifecycle_mutex);
  if (s.loop.joinable()) {
    s.loop.request_stop();
    s.wake();
    // From a reload the thread itself runs (a module or listener calling stop()), it cannot join
    // itself: it ends when that reload returns to the loop, and the next stop() from another
    // thread (the destructor's, at the latest) joins it, so it never outlives the state it uses.
    if (s.loop.get_id() != std::this_thread::get_id()) {
      s.loop.join();
      s.loop = std::jthread();
    }
  }
  std::deque<AsyncRequest> abandoned;
  {
    std::lock_guard lock(s.queue_mutex);
    s.accepting = false;
    abandoned.swap(s.queue);
  }
  for (AsyncRequest& request : abandoned) request.done.set_value(usage_outcome("the reloader was stopped"));
  s.sighup.reset();
  s.runner.join_all();
}

std::future<ReloadOutcome> Pipeline::run_async(Trigger trigger, std::vector<std::string> sections) {
  State& s = *state_;
  if (auto refused = refuse_unknown_sections(s, sections)) {
    std::promise<ReloadOutcome> answered;
    answered.set_value(std::move(*refused));
    return answered.get_future();
  }
  AsyncRequest request{trigger, std::move(sections), {}};
  std::future<ReloadOutcome> future = request.done.get_future();
  {
    std::lock_guard lock(s.queue_mutex);
    if (s.accepting) {
      s.queue.push_back(std::move(request));
      s.wake();
      return future;
    }
  }
  request.done.set_value(usage_outcome("the reloader is not running: call start() first"));
  return future;
}

void Pipeline::State::serve(std::stop_token stop) {
  while (!stop.stop_requested()) {
    // Sleep until woken, a SIGHUP, or the nearest deadline (backoff retry, deferral limit).
    std::optional<SteadyClock::time_point> deadline;
    {
      std::lock_guard lock(control_mutex);
      if (retry_after_backoff) deadline = backoff.state().next_attempt;
    }
    if (options.max_defer > std::chrono::milliseconds::zero()) {
      std::lock_guard lock(defer_mutex);
      if (deferred_since && !overdue_reported) {
        if (now() < *deferred_since) deferred_since = now();  // the clock was set back (see run())
        const auto overdue_at = *deferred_since + options.max_defer;
        if (!deadline || overdue_at < *deadline) deadline = overdue_at;
      }
    }
    int timeout_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 60'000));
    }
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {sighup ? sighup->fd() : -1, POLLIN, 0}};
    if (::poll(fds, sighup ? 2 : 1, timeout_ms) < 0 && errno != EINTR) break;
    if (stop.stop_requested()) break;
    std::uint64_t drained = 0;
    (void)!::read(wake_fd, &drained, sizeof drained);
    if (sighup && sighup->consume()) (void)run(Trigger::signal, {}, false);
    serve_queue();
    serve_deadlines();
  }
}

void Pipeline::State::serve_queue() {
  std::deque<AsyncRequest> batch;
  {
    std::lock_guard lock(queue_mutex);
    batch.swap(queue);
  }
  if (batch.empty()) return;
  // Requests that arrived together are answered by one reload per trigger: a full reload when
  // any of them asked for everything, else one over the union of their sections.
  std::map<Trigger, std::vector<AsyncRequest*>> by_trigger;
  for (AsyncRequest& request : batch) by_trigger[request.trigger].push_back(&request);
  for (auto& [trigger, requests] : by_trigger) {
    std::vector<std::string> sections;
    bool everything = false;
    for (AsyncRequest* request : requests) {
      if (request->sections.empty()) everything = true;
      for (const std::string& section : request->sections) {
        if (std::find(sections.begin(), sections.end(), section) == sections.end()) sections.push_back(section);
      }
    }
    if (everything) sections.clear();
    ReloadOutcome outcome = run(trigger, sections, false);
    for (AsyncRequest* request : requests) request->done.set_value(outcome);
  }
}

void Pipeline::State::serve_deadlines() {
  std::optional<Trigger> retry;
  {
    std::lock_guard lock(control_mutex);
    if (retry_after_backoff && backoff.allows()) retry = std::exchange(retry_after_backoff, std::nullopt);
  }
  if (retry) (void)run(*retry, {}, false);

  if (options.max_defer <= std::chrono::milliseconds::zero()) return;
  std::optional<Trigger> overdue;
  Event event = make_event(event_type::deferral_overdue, 0, Trigger::api);
  {
    std::lock_guard lock(defer_mutex);
    if (!deferred_since || overdue_reported || now() < *deferred_since + options.max_defer) return;
    overdue_reported = true;
    overdue = deferred_trigger;
    event.trigger = deferred_trigger.value_or(Trigger::api);
    std::string reasons;
    for (const auto& [id, reason] : holds) reasons += (reasons.empty() ? "" : ", ") + (reason.empty() ? "unnamed" : reason);
    event.reason = "a reload has been deferred for over " + milliseconds_text(options.max_defer) + " by: " + reasons +
                   (options.reload_when_overdue ? "; reloading now" : "");
    if (options.reload_when_overdue) deferred_trigger.reset();
  }
  events.publish(std::move(event));
  if (options.reload_when_overdue && overdue) (void)run(*overdue, {}, true);
}

}  // namespace hotreload::detail
