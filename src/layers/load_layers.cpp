#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <system_error>
#include <utility>

#include "hotreload/layers.hpp"
#include "layers/directory_listing.hpp"
#include "load/parsers.hpp"

namespace hotreload {
namespace {

bool is_missing(const std::string& path) {
  std::error_code ignored;
  // A dangling symlink counts as missing: that is how a removed ConfigMap key looks.
  return std::filesystem::status(path, ignored).type() == std::filesystem::file_type::not_found;
}

// A parsed file's origins index its own sources; in the merged document they index new ones.
void reindex_origins(Value& node, const std::vector<std::uint32_t>& new_index) {
  if (node.origin.source < new_index.size()) node.origin.source = new_index[node.origin.source];
  if (node.is_array()) {
    for (Value& element : node.as_array()) reindex_origins(element, new_index);
  } else if (node.is_object()) {
    for (auto& entry : node.as_object()) reindex_origins(entry.second, new_index);
  }
}

// Adds a layer's sources to the merged document (named `layer`) and merges its tree on top.
void merge_layer(Document& merged, Document layer_doc, const std::string& layer) {
  std::vector<std::uint32_t> new_index;
  for (Source source : layer_doc.sources) {
    source.layer = layer;
    new_index.push_back(merged.add_source(std::move(source)));
  }
  reindex_origins(layer_doc.root, new_index);
  merge_into(merged.root, std::move(layer_doc.root));
}

// A non-file layer; an exception from it is reported like any other failed layer.
Result<Document, Errors> load_source(const LayerSource& source) {
  try {
    return source.load();
  } catch (const std::exception& failure) {
    return unexpected(Errors{Error{ErrorCode::internal, std::string("layer source threw: ") + failure.what(), {source.name(), 0, 0}, {}}});
  }
}

namespace fs = std::filesystem;

// Kubernetes ConfigMap and Secret volumes: DIR/F is a symlink to ..data/F, and DIR/..data a
// symlink to the current timestamped directory, swapped atomically on update. Following each
// file's links separately could read F from one version and G from the next, so one load reads
// ..data once per directory and every file through that one target ("pins" it).
class ProjectedVolumes {
 public:
  // The path to read `path` from, pinned when it is a projected file; `path` itself otherwise.
  std::string read_path(const std::string& path) {
    std::error_code error;
    const fs::path file(path);
    if (!fs::is_symlink(file, error)) return path;
    const fs::path link = fs::read_symlink(file, error);
    if (error || link.is_absolute() || link.empty() || *link.begin() != "..data") return path;
    fs::path dir = file.parent_path();
    if (dir.empty()) dir = ".";
    auto pinned = targets_.find(dir.string());
    if (pinned == targets_.end()) {
      const fs::path target = fs::read_symlink(dir / "..data", error);
      if (error) return path;
      pinned = targets_.emplace(dir.string(), target.string()).first;
    }
    fs::path rest;
    for (auto part = std::next(link.begin()); part != link.end(); ++part) rest /= *part;
    const fs::path target(pinned->second);
    return ((target.is_absolute() ? target : dir / target) / rest).string();
  }

  // True when a directory's ..data moved on since it was pinned: a read that failed may succeed
  // against the new version.
  bool moved_on() const {
    for (const auto& [dir, target] : targets_) {
      std::error_code error;
      if (fs::read_symlink(fs::path(dir) / "..data", error).string() != target) return true;
    }
    return false;
  }

 private:
  std::map<std::string, std::string> targets_;  // directory -> its ..data target when pinned
};

// A directory layer as the file layers it holds right now, each optional: a file deleted between
// the listing and its read has simply left the directory.
std::vector<LayerSpec> directory_layers(const LayerSpec& directory, Errors& errors) {
  auto fail = [&](std::string message) {
    errors.push_back(Error{ErrorCode::io, std::move(message), {directory.path, 0, 0}, {}});
    return std::vector<LayerSpec>{};
  };
  std::error_code error;
  fs::path root = fs::canonical(directory.path, error);
  if (error) {
    if (directory.optional && is_missing(directory.path)) return {};
    return fail("cannot open the layer directory: " + error.message());
  }
  if (!fs::is_directory(root, error)) return fail("not a directory (a directory layer globs \"" + directory.directory_glob + "\" in it)");
  detail::DirectoryListing listing = detail::list_directory(root.string(), directory.directory_glob, directory.recursive);
  for (const auto& [relative, why] : listing.refused) {
    errors.push_back(Error{ErrorCode::io, "refused: " + why, {(fs::path(directory.path) / relative).string(), 0, 0}, {}});
  }
  std::vector<LayerSpec> files;
  for (const std::string& relative : listing.files) {
    std::string path = (fs::path(directory.path) / relative).string();
    std::string name = directory.name.empty() ? path : directory.name + "/" + relative;
    files.push_back(LayerSpec{.path = std::move(path), .optional = true, .format = directory.format, .name = std::move(name)});
  }
  return files;
}

// The layers to read, with every directory layer replaced by its files.
std::vector<LayerSpec> expand_directories(const std::vector<LayerSpec>& specs, Errors& errors) {
  std::vector<LayerSpec> expanded;
  for (const LayerSpec& spec : specs) {
    if (spec.source || spec.directory_glob.empty()) {
      expanded.push_back(spec);
      continue;
    }
    for (LayerSpec& file : directory_layers(spec, errors)) expanded.push_back(std::move(file));
  }
  return expanded;
}

// One attempt at reading and merging every file layer.
Result<Document, Errors> load_files(const LayerOptions& options, ProjectedVolumes& volumes) {
  Document merged;
  merged.root = Object{};
  Errors errors;
  for (const LayerSpec& spec : expand_directories(options.files, errors)) {
    if (spec.source) {
      Result<Document, Errors> layer = load_source(*spec.source);
      if (!layer) {
        for (Error& error : layer.error()) errors.push_back(std::move(error));
        continue;
      }
      merge_layer(merged, std::move(*layer), spec.name.empty() ? (spec.path.empty() ? spec.source->name() : spec.path) : spec.name);
      continue;
    }
    const std::string read_path = volumes.read_path(spec.path);
    // Checked on the pinned path, so a volume swapped meanwhile is retried like a failed read.
    if (!is_missing(read_path)) {
      if (auto allowed = check_file_permissions(read_path, options.permissions); !allowed) {
        if (spec.optional && is_missing(spec.path)) continue;  // deleted since: as if never there
        Error refused = std::move(allowed).error();
        refused.location.file = spec.path;
        errors.push_back(std::move(refused));
        continue;
      }
    }
    Result<Document> parsed = detail::parse_file_as(read_path, spec.path, spec.format, options.parse);
    if (!parsed) {
      // Checking after the failure rather than before leaves no window between check and read.
      if (spec.optional && parsed.error().code == ErrorCode::io && is_missing(spec.path)) continue;
      errors.push_back(std::move(parsed).error());
      continue;
    }
    merge_layer(merged, std::move(*parsed), spec.name.empty() ? spec.path : spec.name);
  }
  if (!errors.empty()) return unexpected(std::move(errors));
  return merged;
}

}  // namespace

Result<Document, Errors> load_layers(const LayerOptions& options) {
  // A volume swapped while it was read (its old directory already deleted) is read again from
  // the new version; a few attempts cover even a volume updated in quick succession.
  constexpr int kAttempts = 4;
  Result<Document, Errors> loaded = unexpected(Errors{});
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    ProjectedVolumes volumes;
    loaded = load_files(options, volumes);
    if (loaded || !volumes.moved_on()) break;
  }
  if (!loaded) return loaded;
  Document merged = std::move(*loaded);

  if (options.env) {
    Result<void, Errors> applied =
        options.environment ? apply_env(merged, *options.env, *options.environment)
                            : apply_env(merged, *options.env, process_environment());
    if (!applied) return unexpected(std::move(applied).error());
  }
  return merged;
}

Errors sync_sources(const LayerOptions& layers, const std::function<void(const LayerSource&, const Error&)>& on_error) {
  Errors errors;
  for (const LayerSpec& spec : layers.files) {
    if (!spec.source) continue;
    if (auto synced = spec.source->sync(); !synced) {
      if (on_error) on_error(*spec.source, synced.error());
      errors.push_back(std::move(synced).error());
    }
  }
  return errors;
}

}  // namespace hotreload
