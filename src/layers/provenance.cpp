#include <algorithm>

#include "hotreload/layers.hpp"

namespace hotreload {
namespace {

using Provenance = std::vector<std::pair<std::string, std::string>>;

void collect(const Document& doc, const Value& node, Path& path, Provenance& out) {
  if (node.is_object() && !node.as_object().empty()) {
    for (const auto& [key, child] : node.as_object()) {
      path.emplace_back(key);
      collect(doc, child, path, out);
      path.pop_back();
    }
    return;
  }
  std::string layer;
  if (node.origin.source < doc.sources.size()) layer = doc.sources[node.origin.source].layer;
  out.emplace_back(to_dotted(path), std::move(layer));
}

}  // namespace

Provenance provenance(const Document& doc) {
  Provenance out;
  Path path;
  collect(doc, doc.root, path, out);
  return out;
}

Provenance source_versions(const Document& doc) {
  Provenance out;
  for (const Source& source : doc.sources) {
    if (source.version.empty()) continue;
    std::pair<std::string, std::string> entry{source.layer.empty() ? source.name : source.layer, source.version};
    if (std::find(out.begin(), out.end(), entry) == out.end()) out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace hotreload
