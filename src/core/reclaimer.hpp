// Frees what a reload replaced (the previous config and document: tens of thousands of nodes for a
// large config) on a thread of its own, so the reload that replaced them returns, and the next one
// can start, without waiting for the frees. The thread starts on first use; the destructor frees
// whatever is still queued, then joins it. Private to the library.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

namespace hotreload::detail {

class Reclaimer {
 public:
  Reclaimer() = default;
  Reclaimer(const Reclaimer&) = delete;
  Reclaimer& operator=(const Reclaimer&) = delete;
  ~Reclaimer();

  // Drops `garbage` on the reclaimer's thread. When something else still holds it (a reader's
  // handle), dropping it frees nothing, so that is done here at once.
  void retire(std::shared_ptr<const void> garbage);
  // Returns once everything retired before the call has been dropped.
  void drain();

 private:
  void serve(std::stop_token stop);

  std::mutex mutex_;  // guards the fields below
  std::condition_variable_any wake_;
  std::condition_variable drained_;
  std::vector<std::shared_ptr<const void>> queue_;
  std::uint64_t retired_ = 0;  // handed to the thread so far
  std::uint64_t dropped_ = 0;  // of those, dropped so far
  std::jthread thread_;        // last: stopped and joined before the queue goes
};

}  // namespace hotreload::detail
