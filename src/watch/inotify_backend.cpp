// inotify backend: watches the directories that hold each file and each symlink on its chain, because
// most tools replace a file (rename over it, delete and recreate, swap a `..data` link) rather than
// write it in place, and a watch on the file's own inode would go stale with the first replacement.
// The directory watcher's directories are watched the same way, with every entry of interest.
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <string>

#include "watch/backend.hpp"

namespace hotreload::watch {
namespace {

constexpr unsigned kDirectoryEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                      IN_DELETE | IN_ATTRIB | IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF;
// The kernel's own limit on symlinks followed in one lookup (MAXSYMLINKS).
constexpr int kMaxSymlinkHops = 40;

std::deque<std::string> split(const std::string& path) {
  std::deque<std::string> parts;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    if (end > begin) parts.push_back(path.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

std::string parent_of(const std::string& dir) {
  std::size_t slash = dir.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
}

class InotifyBackend final : public Backend {
 public:
  InotifyBackend(InotifyCalls calls, int fd) : calls_(calls), fd_(fd) {}
  ~InotifyBackend() override { ::close(fd_); }

  const char* name() const override { return "inotify"; }
  int event_fd() const override { return fd_; }
  std::optional<std::chrono::milliseconds> tick() const override { return std::nullopt; }

  bool check() override {
    bool may_have_changed = false;
    alignas(inotify_event) char buffer[16 * 1024];
    for (;;) {
      ssize_t length = ::read(fd_, buffer, sizeof buffer);
      if (length < 0 && errno == EINTR) continue;
      if (length <= 0) break;  // EAGAIN: drained
      for (char* at = buffer; at < buffer + length;) {
        const auto* event = reinterpret_cast<const inotify_event*>(at);
        at += sizeof(inotify_event) + event->len;
        if (concerns_a_watched_file(*event)) may_have_changed = true;
      }
    }
    return may_have_changed;
  }

  Result<bool, Error> track(const std::vector<std::string>& files) override {
    std::map<std::string, Interest> wanted;
    for (const auto& file : files) {
      for (auto& [dir, entry] : resolve_chain(file)) wanted[dir].names.insert(entry);
    }
    auto vanished = arm(wanted);
    if (!vanished) return unexpected(std::move(vanished).error());
    // A directory went away after resolve_chain saw it; its parent's watch reports that, but scan
    // again anyway in case the event came before our watch.
    return !vanished->empty();
  }

  Result<void, Error> track_directories(const std::vector<std::string>& directories,
                                        const std::vector<DirEntry>& entries) override {
    std::map<std::string, Interest> wanted;
    for (const auto& directory : directories) wanted[directory].every_entry = true;
    for (const auto& [directory, name] : entries) wanted[directory].names.insert(name);
    auto vanished = arm(wanted);
    if (!vanished) return unexpected(std::move(vanished).error());
    for (const auto& [directory, name] : entries) {
      // Nothing here could see the entry appear: the directory holding it must exist.
      if (vanished->contains(directory)) {
        return unexpected(Error{ErrorCode::io, directory + " does not exist, so " + directory + "/" + name +
                                                   " cannot be watched for",
                                {}, {}});
      }
    }
    return {};
  }

 private:
  // What matters in one watched directory: every entry, or only these names.
  struct Interest {
    bool every_entry = false;
    std::set<std::string> names;
  };

  // Watches exactly the wanted directories (removing the watches no longer wanted). Returns the ones
  // that do not exist (ENOENT/ENOTDIR: gone since the caller looked).
  Result<std::set<std::string>, Error> arm(const std::map<std::string, Interest>& wanted) {
    std::set<std::string> vanished;
    std::map<int, Interest> armed;
    for (const auto& [dir, interest] : wanted) {
      int wd = calls_.add_watch(fd_, dir.c_str(), kDirectoryEvents);
      if (wd < 0) {
        int error = errno;
        if (error == ENOENT || error == ENOTDIR) { vanished.insert(dir); continue; }
        // EACCES: a directory we may not watch; nothing in it can be read either, so the file stays
        // missing. Any other error (ENOSPC: out of watches) means inotify cannot do the job.
        if (error == EACCES) continue;
        return unexpected(Error{ErrorCode::io,
                                "inotify_add_watch(" + dir + ") failed: " + std::strerror(error), {}, {}});
      }
      // Two paths can name one directory (through a symlinked directory): the kernel returns the same
      // descriptor, so the interests are merged.
      Interest& merged = armed[wd];
      merged.every_entry |= interest.every_entry;
      merged.names.insert(interest.names.begin(), interest.names.end());
    }
    for (auto& [wd, interest] : interest_by_wd_) {
      if (!armed.contains(wd)) calls_.rm_watch(fd_, wd);
    }
    interest_by_wd_ = std::move(armed);
    return vanished;
  }

  bool concerns_a_watched_file(const inotify_event& event) {
    // IN_Q_OVERFLOW: the kernel dropped events, possibly the very rename that matters; rescan all.
    if (event.mask & IN_Q_OVERFLOW) return true;
    auto watched = interest_by_wd_.find(event.wd);
    if (watched == interest_by_wd_.end()) return false;  // a watch removed by track(); its last events
    // IN_IGNORED / DELETE_SELF / MOVE_SELF: the directory itself is gone or elsewhere; the scan
    // re-resolves every chain and watches the nearest existing ancestor until it comes back.
    if (event.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
      if (event.mask & IN_IGNORED) interest_by_wd_.erase(watched);
      return true;
    }
    if (watched->second.every_entry) return true;
    return event.len > 0 && watched->second.names.contains(event.name);
  }

  InotifyCalls calls_;
  int fd_;
  std::map<int, Interest> interest_by_wd_;  // what matters in each watched directory
};

}  // namespace

InotifyCalls real_inotify_calls() {
  return {
      [](int flags) { return ::inotify_init1(flags); },
      [](int fd, const char* path, unsigned mask) { return ::inotify_add_watch(fd, path, mask); },
      [](int fd, int wd) { return ::inotify_rm_watch(fd, wd); },
  };
}

Result<std::unique_ptr<Backend>, Error> make_inotify_backend(InotifyCalls calls) {
  int fd = calls.init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return unexpected(Error{ErrorCode::io, std::string("inotify_init1 failed: ") + std::strerror(errno), {}, {}});
  }
  return std::unique_ptr<Backend>(std::make_unique<InotifyBackend>(calls, fd));
}

// A realpath() that remembers every directory entry it went through, so that each one can be watched.
std::vector<DirEntry> resolve_chain(const std::string& absolute_file) {
  std::vector<DirEntry> entries;
  std::deque<std::string> pending = split(absolute_file);
  std::string resolved = "/";
  int hops = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") { resolved = parent_of(resolved); continue; }
    std::string candidate = join(resolved, part);
    struct stat info {};
    if (::lstat(candidate.c_str(), &info) != 0) {
      // Missing: creating this name (file, directory or link) is the event that can bring it back.
      entries.emplace_back(resolved, part);
      return entries;
    }
    if (S_ISLNK(info.st_mode)) {
      entries.emplace_back(resolved, part);
      if (++hops > kMaxSymlinkHops) return entries;  // a loop: the file cannot be read (ELOOP)
      char target[PATH_MAX];
      ssize_t length = ::readlink(candidate.c_str(), target, sizeof target - 1);
      if (length < 0) return entries;
      std::string link(target, static_cast<std::size_t>(length));
      if (!link.empty() && link.front() == '/') resolved = "/";
      std::deque<std::string> link_parts = split(link);
      pending.insert(pending.begin(), link_parts.begin(), link_parts.end());
      continue;
    }
    if (pending.empty()) entries.emplace_back(resolved, part);  // the file itself
    resolved = std::move(candidate);
  }
  return entries;
}

}  // namespace hotreload::watch
