// The files of a conf.d-style directory that match a glob: what a directory layer loads and what
// the directory watcher compares between scans, so the two always agree on which files count.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace hotreload::detail {

struct DirectoryListing {
  std::vector<std::string> files;              // relative, '/'-separated, in lexical order
  std::map<std::string, std::string> refused;  // relative path -> why it is not read
  std::set<std::string> directories;           // every directory whose entries decide the result
};

// Lists the regular files (or symlinks to them) under `root` whose name matches `pattern`
// (fnmatch(3); a leading '.' must be matched explicitly, so editor lock files such as
// ".#app.yaml" and Kubernetes' "..data" never count). With `recursive`, subdirectories are
// walked too, except hidden ones and never through a symlink. A symlink whose target lies
// outside `root` is refused. `root` must be canonical. Unreadable entries are skipped.
DirectoryListing list_directory(const std::string& root, const std::string& pattern, bool recursive);

// True when `path` is `root` or lies beneath it (both canonical).
bool is_within(const std::string& path, const std::string& root);

}  // namespace hotreload::detail
