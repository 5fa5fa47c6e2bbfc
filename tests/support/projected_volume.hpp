// A Kubernetes ConfigMap volume as the kubelet writes it: each file DIR/F is a symlink to
// ..data/F, ..data a symlink to a timestamped directory, and an update writes a new directory,
// points ..data_tmp at it, renames that over ..data and deletes the old directory.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace hotreload::testing {

class ProjectedVolume {
 public:
  using Files = std::map<std::string, std::string>;  // name -> content

  ProjectedVolume(std::filesystem::path dir, const Files& files) : dir_(std::move(dir)) {
    write_version(files);
    std::filesystem::create_directory_symlink(current_, dir_ / "..data");
    for (const auto& [name, content] : files) std::filesystem::create_symlink("..data/" + name, dir_ / name);
  }

  // One atomic update, as the kubelet does it.
  void update(const Files& files) {
    const std::string old = current_;
    write_version(files);
    std::filesystem::create_directory_symlink(current_, dir_ / "..data_tmp");
    std::filesystem::rename(dir_ / "..data_tmp", dir_ / "..data");
    std::filesystem::remove_all(dir_ / old);
  }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  void write_version(const Files& files) {
    current_ = "..version_" + std::to_string(++version_);
    std::filesystem::create_directory(dir_ / current_);
    for (const auto& [name, content] : files) std::ofstream(dir_ / current_ / name) << content;
  }

  std::filesystem::path dir_;
  std::string current_;
  int version_ = 0;
};

}  // namespace hotreload::testing
