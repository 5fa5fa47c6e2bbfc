#include "reload/sections.hpp"

namespace hotreload::detail {

Errors unknown_sections(const std::vector<std::string>& sections, const Document& live,
                        const std::function<Result<Document, Errors>()>& load) {
  std::vector<std::string> missing;
  for (const std::string& section : sections) {
    if (live.root.find_dotted(section) == nullptr) missing.push_back(section);
  }
  if (missing.empty()) return {};
  auto current = load();
  if (!current) return {};
  Errors errors;
  for (const std::string& section : missing) {
    if (current->root.find_dotted(section) != nullptr) continue;
    errors.push_back(
        {ErrorCode::usage, "unknown section \"" + section + "\": neither the live config nor the files have it", {}, {}});
  }
  return errors;
}

}  // namespace hotreload::detail
