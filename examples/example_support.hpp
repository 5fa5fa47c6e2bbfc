// What the self-driving examples share: a scratch directory and a file writer that replaces the
// file atomically, as editors do.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace example {

inline std::filesystem::path scratch_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hotreload-example-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a scratch directory");
  return pattern;
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temp = path.string() + ".tmp";
  std::ofstream(temp) << text;
  std::filesystem::rename(temp, path);
}

}  // namespace example
