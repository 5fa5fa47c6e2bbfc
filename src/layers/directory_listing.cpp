#include "layers/directory_listing.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace hotreload::detail {
namespace {

namespace fs = std::filesystem;

void visit(const fs::path& directory, const std::string& prefix, const std::string& root, const std::string& pattern,
           bool recursive, DirectoryListing& listing) {
  listing.directories.insert(directory.string());
  std::error_code error;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    std::string name = it->path().filename().string();
    std::string relative = prefix.empty() ? name : prefix + "/" + name;
    std::error_code status_error;
    fs::file_status status = it->symlink_status(status_error);
    if (status_error) continue;
    if (fs::is_directory(status)) {
      if (recursive && name.front() != '.') visit(it->path(), relative, root, pattern, recursive, listing);
      continue;
    }
    if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    if (fs::is_symlink(status)) {
      std::error_code resolve_error;
      fs::path target = fs::weakly_canonical(it->path(), resolve_error);
      if (resolve_error || !is_within(target.string(), root)) {
        listing.refused[relative] = "symlink escapes the directory: " + relative + " -> " +
                                    (resolve_error ? resolve_error.message() : target.string());
        continue;
      }
      // A target in a directory the walk does not cover (non-recursive, or Kubernetes' hidden
      // "..2024_..." version directories) decides the content too.
      listing.directories.insert(target.parent_path().string());
      std::error_code type_error;
      if (fs::is_directory(target, type_error)) continue;
    }
    listing.files.push_back(std::move(relative));
  }
}

}  // namespace

bool is_within(const std::string& path, const std::string& root) {
  if (root == "/") return !path.empty() && path.front() == '/';
  return path == root ||
         (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/');
}

DirectoryListing list_directory(const std::string& root, const std::string& pattern, bool recursive) {
  DirectoryListing listing;
  visit(fs::path(root), "", root, pattern, recursive, listing);
  std::sort(listing.files.begin(), listing.files.end());
  return listing;
}

}  // namespace hotreload::detail
