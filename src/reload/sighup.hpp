// SIGHUP without work in a signal handler: the handler only writes to the eventfd of every
// subscribed reloader (write(2) is async-signal-safe), and each reloader's own thread reads its
// eventfd and reloads. A handler is used rather than signalfd because signalfd needs SIGHUP
// blocked in every thread of the process, which a library cannot ensure.
#pragma once

#include "hotreload/result.hpp"
#include "hotreload/error.hpp"

namespace hotreload::detail {

class SighupSubscription {
 public:
  // Installs the handler with the first subscription, restores the previous one with the last.
  static Result<SighupSubscription> subscribe();
  SighupSubscription(SighupSubscription&& other) noexcept;
  SighupSubscription& operator=(SighupSubscription&&) = delete;
  SighupSubscription(const SighupSubscription&) = delete;
  ~SighupSubscription();

  // Readable after each SIGHUP; read it to clear.
  int fd() const { return fd_; }
  // Clears the pending count; true when at least one SIGHUP arrived.
  bool consume() const;

 private:
  SighupSubscription(int fd, int slot) : fd_(fd), slot_(slot) {}
  int fd_ = -1;
  int slot_ = -1;
};

}  // namespace hotreload::detail
