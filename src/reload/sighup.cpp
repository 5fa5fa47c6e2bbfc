#include "reload/sighup.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace hotreload::detail {

namespace {

// Fixed slots: the handler may not allocate or lock, so it walks this array of atomics. A slot
// holds fd + 1, so the zero it starts with means empty.
constexpr std::size_t kMaxSubscribers = 64;
std::array<std::atomic<int>, kMaxSubscribers> g_fds{};

std::mutex g_install_mutex;  // guards the three below (never taken by the handler)
int g_subscribers = 0;
// Eventfds of ended subscriptions, kept open for the next one: a handler running on another
// thread may still write to an fd it loaded just before the slot was cleared, and that write
// must never land in a file that reused the number.
std::vector<int> g_parked_fds;
struct sigaction g_previous {};

extern "C" void on_sighup(int) {
  const int saved_errno = errno;
  const std::uint64_t one = 1;
  for (auto& slot : g_fds) {
    const int fd = slot.load(std::memory_order_acquire) - 1;
    if (fd >= 0) (void)!::write(fd, &one, sizeof one);
  }
  errno = saved_errno;
}

}  // namespace

Result<SighupSubscription> SighupSubscription::subscribe() {
  std::lock_guard lock(g_install_mutex);
  int fd = -1;
  if (!g_parked_fds.empty()) {
    fd = g_parked_fds.back();
    g_parked_fds.pop_back();
    std::uint64_t stale = 0;
    (void)!::read(fd, &stale, sizeof stale);
  } else {
    fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  if (fd < 0) {
    return unexpected(Error{ErrorCode::io, std::string("cannot create an eventfd for SIGHUP: ") + std::strerror(errno), {}, {}});
  }
  for (std::size_t i = 0; i < kMaxSubscribers; ++i) {
    int expected = 0;
    if (!g_fds[i].compare_exchange_strong(expected, fd + 1)) continue;
    if (g_subscribers++ == 0) {
      struct sigaction action {};
      action.sa_handler = on_sighup;
      sigemptyset(&action.sa_mask);
      action.sa_flags = SA_RESTART;
      ::sigaction(SIGHUP, &action, &g_previous);
    }
    return SighupSubscription(fd, static_cast<int>(i));
  }
  g_parked_fds.push_back(fd);
  return unexpected(Error{ErrorCode::limit, "too many reloaders handle SIGHUP (at most " + std::to_string(kMaxSubscribers) + ")", {}, {}});
}

SighupSubscription::SighupSubscription(SighupSubscription&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), slot_(std::exchange(other.slot_, -1)) {}

SighupSubscription::~SighupSubscription() {
  if (slot_ < 0) return;
  std::lock_guard lock(g_install_mutex);
  g_fds[static_cast<std::size_t>(slot_)].store(0, std::memory_order_release);
  if (--g_subscribers == 0) ::sigaction(SIGHUP, &g_previous, nullptr);
  g_parked_fds.push_back(fd_);
}

bool SighupSubscription::consume() const {
  std::uint64_t count = 0;
  return ::read(fd_, &count, sizeof count) == static_cast<ssize_t>(sizeof count) && count > 0;
}

}  // namespace hotreload::detail
