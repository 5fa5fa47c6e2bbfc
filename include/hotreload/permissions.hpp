// File permission checks before a config is loaded: a file that other users can write, or that sits
// in a directory where they could replace it, is refused, because whoever can write the config can
// usually run code as the program (a command, a plugin path, a TLS key location).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "hotreload/error.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

struct FilePermissionPolicy {
  // false: no checks at all (the caller vouches for the files).
  bool check = true;
  // Group-writable files and directories (without the sticky bit) are refused like world-writable
  // ones: any member of the group could put a symlink to another file (/etc/shadow) in the
  // config's place. true allows them, for a deployment group that is trusted on purpose.
  bool allow_group_writable = false;
  // When set, the file must be owned by this uid, and its own directory and each directory holding
  // a symlink on the way by this uid or root.
  std::optional<uid_t> required_owner{};
};

// Checks `path` after following every symlink (Kubernetes' `config.yaml -> ..data/config.yaml`,
// `..data -> ..2024_05_01...` included):
// - the final file must not be writable by others (nor by its group, unless allowed);
// - the directory holding the final file, each directory holding a symlink that was followed, and
//   every ancestor of those up to "/" must not be writable by others (or their group, unless
//   allowed) unless the sticky bit is set, since whoever can write a directory can rename a file
//   or subdirectory in it and put their own in its place;
// - with required_owner, the owners as described there.
// A file or directory on a read-only mount passes the mode checks: nobody can write it (Kubernetes
// ConfigMap volumes have a 0777 root but are mounted read-only).
// Modes apply to every caller, root included; only the owner check depends on uids. Errors are
// ErrorCode::io with the path as location, e.g. "refusing to load config.yaml: writable by other
// users (mode 0666)"; a path that cannot be resolved or stat'ed is an io error too.
// Note: in a sticky world-writable directory (/tmp) the file's owner can still replace the file;
// set required_owner to rule that owner out as well.
Result<void, Error> check_file_permissions(const std::string& path, const FilePermissionPolicy& policy = {});

}  // namespace hotreload
