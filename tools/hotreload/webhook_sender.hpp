// Delivers `hotreload exec --webhook` POSTs from a thread of its own, so that a listener that is
// slow or never answers cannot hold up exec's main loop: signals are forwarded and the command's
// exit is noticed at once whatever the webhook does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "webhook.hpp"

namespace hotreload::cli {

class WebhookSender {
 public:
  using Report = std::function<void(const std::string& line)>;

  // `url` is how reports name the target; each POST gives up after `timeout`.
  WebhookSender(WebhookTarget target, std::string url, std::chrono::milliseconds timeout, Report report);
  // Cancels the POST under way (it ends at once, reported as cancelled), drops a waiting one and
  // joins the thread: bounded by a few system calls, never by the listener.
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Queues the POST of `cloudevent`; `summary` ("2 changes") starts its report line. Coalescing:
  // while a POST is under way only the newest queued one is kept, and a replaced one is reported.
  // Never blocks. Called from one thread.
  void deliver(std::string summary, std::string cloudevent);

 private:
  struct Delivery {
    std::string summary;
    std::string cloudevent;
  };
  void run(std::stop_token stop);

  const WebhookTarget target_;
  const std::string url_;
  const std::chrono::milliseconds timeout_;
  const Report report_;
  const int cancel_fd_;  // an eventfd, readable once the destructor runs: ends a POST's waits
  std::mutex mutex_;
  std::condition_variable_any queued_;
  std::optional<Delivery> pending_;  // guarded by mutex_
  std::jthread thread_;              // last: it starts once everything above exists
};

}  // namespace hotreload::cli
