// Polling backend: for file systems that send no inotify events (NFS, FUSE) and for when inotify is
// exhausted. Compares every stat() field a replacement changes; the content hash in file_watcher.cpp
// then decides whether the content really changed (touch and chmod change ctime, not content). For the
// directory watcher it also lists each watched directory, so an entry appearing or going is seen.
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include <cerrno>
#include <map>
#include <set>
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

// The kernel stamps mtime/ctime from a coarse clock (one scheduler tick, up to 10 ms), so two
// same-size writes within one tick leave identical stat results. While a file's ctime is this recent,
// its stat alone proves nothing and the content hash decides.
constexpr long long kTimestampGranularityNs = 50'000'000;

long long wall_clock_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return nanoseconds(now);
}

// The names in a directory; empty when it cannot be listed (missing, not a directory, no permission).
std::set<std::string> names_in(const std::string& directory) {
  std::set<std::string> names;
  DIR* listing = ::opendir(directory.c_str());
  if (listing == nullptr) return names;
  while (const dirent* entry = ::readdir(listing)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.insert(std::move(name));
  }
  ::closedir(listing);
  return names;
}

std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

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
    for (auto& [directory, names] : listings_) {
      std::set<std::string> now = names_in(directory);
      if (now == names) continue;
      may_have_changed = true;
      names = std::move(now);  // compared with this listing from now on, so a quiet directory is quiet
    }
    for (auto& [file, last] : last_seen_) {
      long long checked_at = wall_clock_ns();
      StatSignature now = signature_of(file);
      if (now != last.stat) {
        may_have_changed = true;
      } else if (last.content) {
        std::optional<std::uint64_t> content = hash_file(file);
        if (content != last.content) may_have_changed = true;
      }
      last = observe(file, now, checked_at);
    }
    return may_have_changed;
  }

  Result<bool, Error> track(const std::vector<std::string>& files) override {
    listings_.clear();
    last_seen_.clear();
    for (const auto& file : files) see(file);
    return false;
  }

  // Every entry of a directory is watched like a file (stat follows a symlink, so a retargeted link
  // shows), and the listing itself catches entries appearing and going.
  Result<void, Error> track_directories(const std::vector<std::string>& directories,
                                        const std::vector<DirEntry>& entries) override {
    listings_.clear();
    last_seen_.clear();
    for (const auto& directory : directories) {
      std::set<std::string> names = names_in(directory);
      for (const auto& name : names) see(join(directory, name));
      listings_[directory] = std::move(names);
    }
    for (const auto& [directory, name] : entries) see(join(directory, name));
    return {};
  }

 private:
  struct Observation {
    StatSignature stat;
    std::optional<std::uint64_t> content;  // only while stat is too recent to be trusted
  };

  void see(const std::string& file) {
    long long checked_at = wall_clock_ns();
    last_seen_[file] = observe(file, signature_of(file), checked_at);
  }

  static Observation observe(const std::string& file, const StatSignature& stat, long long checked_at) {
    Observation observation{stat, std::nullopt};
    if (stat.exists && checked_at - stat.ctime_ns < kTimestampGranularityNs) observation.content = hash_file(file);
    return observation;
  }

  std::chrono::milliseconds interval_;
  std::map<std::string, Observation> last_seen_;  // taken before the scan read the content
  std::map<std::string, std::set<std::string>> listings_;  // directory -> its names when tracked
};

}  // namespace

std::unique_ptr<Backend> make_poll_backend(std::chrono::milliseconds interval) {
  return std::make_unique<PollBackend>(interval);
}

}  // namespace hotreload::watch
