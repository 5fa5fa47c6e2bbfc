#include "watch/watch_loop.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iostream>

namespace hotreload {

const char* to_string(WatchProblem::Kind kind) {
  switch (kind) {
    case WatchProblem::Kind::polling: return "polling";
    case WatchProblem::Kind::callback: return "callback";
    case WatchProblem::Kind::stopped: return "stopped";
  }
  return "unknown";
}

namespace watch {
namespace {

std::string polling_instead(const std::string& why) {
  return why + "; falling back to polling every " + std::to_string(kFallbackPollInterval.count()) + " ms";
}

}  // namespace

Result<std::unique_ptr<WatchLoop>, Error> WatchLoop::create(std::optional<std::chrono::milliseconds> poll_interval,
                                                            InotifyCalls calls, Debounce debounce,
                                                            WatchProblemCallback on_problem, const char* who) {
  int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    return unexpected(Error{ErrorCode::io, std::string(who) + ": eventfd failed: " + std::strerror(errno), {}, {}});
  }
  std::unique_ptr<WatchLoop> loop(new WatchLoop(wake_fd, debounce, std::move(on_problem), who));
  if (poll_interval) {
    loop->use_backend(make_poll_backend(*poll_interval));
  } else if (auto inotify = make_inotify_backend(calls)) {
    loop->use_backend(std::move(*inotify));
  } else {
    // EMFILE (max_user_instances) or ENOSYS: polling still works, just later and at some CPU cost.
    loop->fall_back_to_polling(inotify.error());
  }
  return loop;
}

WatchLoop::WatchLoop(int wake_fd, Debounce debounce, WatchProblemCallback on_problem, const char* who)
    : wake_fd_(wake_fd), on_problem_(std::move(on_problem)), who_(who), debounce_(debounce) {}

WatchLoop::~WatchLoop() { ::close(wake_fd_); }

WatchLoop::Wake WatchLoop::wait() {
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {backend_->event_fd(), POLLIN, 0}};
  std::optional<timespec> wait = timeout();
  int ready = ::ppoll(fds, 2, wait ? &*wait : nullptr, nullptr);
  if (ready < 0 && errno != EINTR) {
    report(WatchProblem::Kind::stopped, std::string("poll failed: ") + std::strerror(errno));
    return {.stop = true};
  }
  Wake wake;
  if (ready > 0 && (fds[0].revents & POLLIN)) {
    std::uint64_t wakeups = 0;
    [[maybe_unused]] ssize_t ignored = ::read(wake_fd_, &wakeups, sizeof wakeups);
    wake.by_owner = true;
  }
  if (stop_requested_.load(std::memory_order_acquire)) return {.stop = true};
  Clock::time_point now = Clock::now();
  if (ready > 0 && (fds[1].revents & POLLIN) && backend_->check()) debounce_.note(now);
  if (next_tick_ && now >= *next_tick_) {
    next_tick_ = now + *backend_->tick();
    if (backend_->check()) debounce_.note(now);
  }
  wake.due = debounce_.take(now);
  return wake;
}

std::optional<timespec> WatchLoop::timeout() const {
  std::optional<Clock::time_point> wake_at = debounce_.deadline();
  if (next_tick_ && (!wake_at || *next_tick_ < *wake_at)) wake_at = next_tick_;
  if (!wake_at) return std::nullopt;
  auto left = std::max(Clock::duration::zero(), *wake_at - Clock::now());
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

void WatchLoop::use_backend(std::unique_ptr<Backend> replacement) {
  backend_ = std::move(replacement);
  backend_name_.store(backend_->name(), std::memory_order_release);
  if (auto interval = backend_->tick()) next_tick_ = Clock::now() + *interval;
  else next_tick_.reset();
}

void WatchLoop::fall_back_to_polling(const Error& why) {
  report(WatchProblem::Kind::polling, polling_instead(why.message));
  use_backend(make_poll_backend(kFallbackPollInterval));
}

void WatchLoop::call_guarded(const std::function<void()>& callback) {
  try {
    callback();
  } catch (const std::exception& error) {
    report(WatchProblem::Kind::callback, std::string("change callback threw: ") + error.what());
  } catch (...) {
    report(WatchProblem::Kind::callback, "change callback threw a non-standard exception");
  }
}

void WatchLoop::report(WatchProblem::Kind kind, std::string message) {
  if (!on_problem_) {
    std::cerr << "hotreload: " << who_ << ": " << message << "\n";
    return;
  }
  // The problem callback is the owner's too: it must not end the thread either.
  try {
    on_problem_(WatchProblem{kind, std::move(message)});
  } catch (...) {
    std::cerr << "hotreload: " << who_ << ": the problem callback threw\n";
  }
}

void WatchLoop::request_stop() {
  stop_requested_.store(true, std::memory_order_release);
  wake();
}

void WatchLoop::wake() {
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace watch
}  // namespace hotreload
