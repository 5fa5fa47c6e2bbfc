// Polling backend: for file systems that send no inotify events (NFS, FUSE) and for when inotify is
// exhausted. Compares every stat() field a replacement changes; the content hash in file_watcher.cpp
// then decides whether the content really changed (touch and chmod change ctime, not content).
#include <sys/stat.h>

#include <cerrno>
#include <map>
#include <string>
#include <tuple>

#include "watch/backend.hpp"

namespace hotreload::watch {
namespace {

// stat() follows symlinks, so a retargeted link or a swapped `..data` shows up as a new inode.
struct StatSignature {
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  // Nanoseconds, and compared for any difference, not "newer": `cp -p` then rename moves mtime back.
  long long mtime_ns = 0;
  long long ctime_ns = 0;

  friend bool operator==(const StatSignature&, const StatSignature&) = default;
};

long long nanoseconds(const timespec& time) { return time.tv_sec * 1'000'000'000LL + time.tv_nsec; }

StatSignature signature_of(const std::string& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return {};
  return {true, info.st_dev, info.st_ino, info.st_size, nanoseconds(info.st_mtim), nanoseconds(info.st_ctim)};
}

class PollBackend final : public Backend {
 public:
  explicit PollBackend(std::chrono::milliseconds interval) : interval_(interval) {}

  const char* name() const override { return "poll"; }
  int event_fd() const override { return -1; }
  std::optional<std::chrono::milliseconds> tick() const override { return interval_; }

  bool check() override {
    bool may_have_changed = false;
    for (auto& [file, last] : last_seen_) {
      StatSignature now = signature_of(file);
      if (now != last) {
        last = now;
        may_have_changed = true;
      }
    }
    return may_have_changed;
  }

  Result<bool, Error> track(const std::vector<std::string>& files) override {
    last_seen_.clear();
    for (const auto& file : files) last_seen_[file] = signature_of(file);
    return false;
  }

 private:
  std::chrono::milliseconds interval_;
  std::map<std::string, StatSignature> last_seen_;  // taken before the scan read the content
};

}  // namespace

std::unique_ptr<Backend> make_poll_backend(std::chrono::milliseconds interval) {
  return std::make_unique<PollBackend>(interval);
}

}  // namespace hotreload::watch
