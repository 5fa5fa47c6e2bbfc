#include "hotreload/permissions.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <vector>

namespace hotreload {
namespace {

// Like the kernel's MAXSYMLINKS: a longer chain is a loop for all practical purposes.
constexpr int kMaxSymlinks = 40;

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string parent_of(const std::string& resolved) {
  std::size_t slash = resolved.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "/" : resolved.substr(0, slash);
}

std::string join(const std::string& dir, const std::string& name) { return dir == "/" ? "/" + name : dir + "/" + name; }

void split_into(const std::string& path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (front) {
    out.insert(out.begin(), parts.begin(), parts.end());
  } else {
    out.insert(out.end(), parts.begin(), parts.end());
  }
}

struct Resolved {
  std::string target;                  // the final file, every symlink followed
  std::vector<std::string> link_dirs;  // the directories that held a followed symlink
};

Error io_error(const std::string& path, std::string message) { return {ErrorCode::io, std::move(message), {path, 0, 0}, ""}; }

// Resolves `path` one component at a time, as the kernel does, so that the directory of every
// symlink on the way is known (realpath() only returns the end).
Result<Resolved, Error> resolve(const std::string& path) {
  if (path.empty()) return unexpected(io_error(path, "cannot check permissions: empty path"));
  std::string current = "/";
  if (path.front() != '/') {
    std::vector<char> cwd(4096);
    if (::getcwd(cwd.data(), cwd.size()) == nullptr) {
      return unexpected(io_error(path, std::string("cannot check permissions: getcwd: ") + std::strerror(errno)));
    }
    current = cwd.data();
  }
  std::deque<std::string> pending;
  split_into(path, pending, false);
  Resolved resolved;
  int links = 0;
  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      current = parent_of(current);  // `current` has no symlinks left, so this is the real parent
      continue;
    }
    std::string next = join(current, name);
    struct stat info {};
    if (::lstat(next.c_str(), &info) != 0) {
      return unexpected(io_error(path, "cannot check permissions of " + next + ": " + std::strerror(errno)));
    }
    if (!S_ISLNK(info.st_mode)) {
      current = std::move(next);
      continue;
    }
    if (++links > kMaxSymlinks) {
      return unexpected(io_error(path, "cannot check permissions: too many levels of symbolic links"));
    }
    std::vector<char> target(static_cast<std::size_t>(std::max<off_t>(info.st_size, 255)) + 1);
    ssize_t length = ::readlink(next.c_str(), target.data(), target.size());
    if (length < 0 || static_cast<std::size_t>(length) >= target.size()) {
      return unexpected(io_error(path, "cannot check permissions: cannot read symlink " + next));
    }
    std::string link(target.data(), static_cast<std::size_t>(length));
    resolved.link_dirs.push_back(current);
    if (!link.empty() && link.front() == '/') current = "/";
    split_into(link, pending, true);
  }
  resolved.target = std::move(current);
  return resolved;
}

// Who besides the owner can write, given `allow_group`: "other users", "its group" or nothing.
const char* writers(mode_t mode, bool allow_group) {
  if ((mode & S_IWOTH) != 0) return "other users";
  if ((mode & S_IWGRP) != 0 && !allow_group) return "its group";
  return nullptr;
}

// On a read-only mount nobody can write, whatever the mode says: Kubernetes mounts ConfigMap and
// Secret volumes read-only with a 0777 root, and refusing those would refuse every pod.
bool on_read_only_mount(const std::string& path) {
  struct statvfs fs {};
  return ::statvfs(path.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
}

}  // namespace

Result<void, Error> check_file_permissions(const std::string& path, const FilePermissionPolicy& policy) {
  if (!policy.check) return {};
  auto resolved = resolve(path);
  if (!resolved) return unexpected(std::move(resolved).error());
  const std::string refusing = "refusing to load " + path + ": ";
  const std::string& target = resolved->target;

  struct stat file {};
  if (::stat(target.c_str(), &file) != 0) {
    return unexpected(io_error(path, "cannot check permissions of " + target + ": " + std::strerror(errno)));
  }
  const std::string shown = target == path ? std::string() : " (" + target + ")";
  const char* file_writers = writers(file.st_mode, policy.allow_group_writable);
  if (file_writers != nullptr && !on_read_only_mount(target)) {
    const char* who = file_writers;
    return unexpected(io_error(path, refusing + "writable by " + who + " (mode " + mode_text(file.st_mode) + ")" + shown));
  }
  if (policy.required_owner && file.st_uid != *policy.required_owner) {
    return unexpected(io_error(path, refusing + "owned by uid " + std::to_string(file.st_uid) + ", not uid " +
                                         std::to_string(*policy.required_owner) + shown));
  }

  // The directories that hold the file or a link to it: their owner matters too.
  std::vector<std::string> holders = resolved->link_dirs;
  holders.push_back(parent_of(target));
  std::sort(holders.begin(), holders.end());
  holders.erase(std::unique(holders.begin(), holders.end()), holders.end());
  if (policy.required_owner) {
    for (const std::string& dir : holders) {
      struct stat info {};
      if (::stat(dir.c_str(), &info) != 0) {
        return unexpected(io_error(path, "cannot check permissions of " + dir + ": " + std::strerror(errno)));
      }
      if (info.st_uid != *policy.required_owner && info.st_uid != 0) {
        return unexpected(io_error(path, refusing + "directory " + dir + " is owned by uid " + std::to_string(info.st_uid) +
                                             ", neither uid " + std::to_string(*policy.required_owner) + " nor root"));
      }
    }
  }

  // Those directories and all their ancestors: a writable ancestor lets a subtree be swapped.
  std::vector<std::string> dirs;
  for (std::string dir : holders) {
    while (true) {
      dirs.push_back(dir);
      if (dir == "/") break;
      dir = parent_of(dir);
    }
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (const std::string& dir : dirs) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0) {
      return unexpected(io_error(path, "cannot check permissions of " + dir + ": " + std::strerror(errno)));
    }
    if ((info.st_mode & S_ISVTX) != 0) continue;  // sticky: only a file's owner may rename or delete it
    const char* who = writers(info.st_mode, policy.allow_group_writable);
    if (who != nullptr && !on_read_only_mount(dir)) {
      return unexpected(io_error(path, refusing + "directory " + dir + " is writable by " + who +
                                           " without the sticky bit (mode " + mode_text(info.st_mode) + ")"));
    }
  }
  return {};
}

}  // namespace hotreload
