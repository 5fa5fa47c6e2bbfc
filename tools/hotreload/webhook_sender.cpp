#include "webhook_sender.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace hotreload::cli {
namespace {

int make_eventfd() {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  return fd;
}

}  // namespace

WebhookSender::WebhookSender(WebhookTarget target, std::string url, std::chrono::milliseconds timeout, Report report)
    : target_(std::move(target)),
      url_(std::move(url)),
      timeout_(timeout),
      report_(std::move(report)),
      cancel_fd_(make_eventfd()),
      thread_([this](std::stop_token stop) { run(stop); }) {}

WebhookSender::~WebhookSender() {
  thread_.request_stop();  // wakes the wait in run() through the stop token
  std::uint64_t one = 1;
  (void)!::write(cancel_fd_, &one, sizeof one);  // and ends a POST under way
  thread_.join();
  ::close(cancel_fd_);
}

void WebhookSender::deliver(std::string summary, std::string cloudevent) {
  std::optional<Delivery> replaced;
  {
    std::lock_guard lock(mutex_);
    replaced = std::exchange(pending_, Delivery{std::move(summary), std::move(cloudevent)});
  }
  queued_.notify_one();
  if (replaced) {
    report_("webhook " + url_ + " busy: " + replaced->summary + " not posted, replaced by a newer change");
  }
}

void WebhookSender::run(std::stop_token stop) {
  while (true) {
    Delivery delivery;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, stop, [&] { return pending_.has_value(); });
      if (stop.stop_requested()) return;  // exec is exiting: a waiting POST has no one to tell
      delivery = std::move(*pending_);
      pending_.reset();
    }
    auto posted = post_webhook(target_, delivery.cloudevent, "application/cloudevents+json", timeout_, cancel_fd_);
    if (posted) {
      report_(delivery.summary + ": notified " + url_);
    } else if (stop.stop_requested()) {
      report_(delivery.summary + ": webhook " + url_ + ": " + posted.error() + " (exec is exiting)");
    } else {
      report_(delivery.summary + ": webhook " + url_ + ": " + posted.error());
    }
  }
}

}  // namespace hotreload::cli
