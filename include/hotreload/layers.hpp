// Layers: several sources merged into one Document, later ones overriding earlier ones, with
// environment variables on top. Every node keeps the origin of the layer that set it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/layer_source.hpp"
#include "hotreload/permissions.hpp"
#include "hotreload/result.hpp"
#include "hotreload/value.hpp"

namespace hotreload {

// The option structs give every member an initializer, so designated initializers can leave
// any out without tripping g++ 12's -Wmissing-field-initializers.
struct LayerSpec {
  std::string path{};
  // A missing optional file is skipped; one that exists but cannot be read or parsed is an error.
  bool optional = false;
  std::optional<Format> format{};  // nullopt: from the extension
  std::string name{};              // the layer's name in provenance and sources; empty: the path
  // A layer that is not a file (etcd, an HTTP URL): read through source->load() instead of from
  // `path` (which then only names the layer), with no permission check and no ..data pinning.
  // Shared, not const: watch_sources() syncs and watches it.
  std::shared_ptr<LayerSource> source{};
  // A directory of layers, the conf.d pattern: when set, `path` names a directory and every file
  // in it whose name matches this fnmatch(3) glob ("*.yaml") is a layer, in lexical order of its
  // path relative to the directory (10-base.yaml before 20-tuning.yaml), each with the format of
  // its extension. Names starting with '.' match only a glob that starts with '.'. A missing
  // directory is an error unless `optional`; an empty one adds nothing; a symlink pointing outside
  // the directory is refused (an error). Files are added and removed between loads as they come
  // and go: watch_layer_files() watches the directory for that.
  std::string directory_glob{};
  bool recursive = false;  // directory layers: also files in subdirectories (not hidden ones)
};

// Variables named PREFIX_A__B set the key a.b. Both "APP" and "APP_" mean variables starting
// "APP_"; the match is case-sensitive, as POSIX environments are.
struct EnvOverlay {
  std::string prefix{};
  std::string separator = "__";
  std::string name = "env";  // the layer name of every variable's source
};

using Environment = std::vector<std::pair<std::string, std::string>>;

struct LayerOptions {
  std::vector<LayerSpec> files{};
  std::optional<EnvOverlay> env{};
  ParseOptions parse{};
  // The environment to read; nullopt: the process environment. Tests pass their own.
  std::optional<Environment> environment{};
  // Files that other users can write, or that sit where they could replace them, are refused;
  // {.check = false} opts out.
  FilePermissionPolicy permissions{};
};

// Parses every file in order, deep-merges them and applies the environment overlay last.
// Reports the errors of every layer (a bad layer does not stop the others being checked), in
// layer order. The overlay is applied only when all files loaded: against a partial merge it
// could report conflicts that do not exist.
Result<Document, Errors> load_layers(const LayerOptions& options);

// Reads every source of `layers` once (LayerSource::sync), for one-shot commands and before a
// first load; a source that cannot be read serves what it has (empty at first). Returns the
// errors, each also passed to `on_error` with its source when given.
Errors sync_sources(const LayerOptions& layers,
                    const std::function<void(const LayerSource&, const Error&)>& on_error = {});

// Deep merge: maps merge key by key (a key keeps its first position, new keys append); anything
// else (a scalar, an array, a change of kind) replaces the base, origin included. A merged map
// keeps the base's origin. Origins must already index the same Document's sources.
void merge_into(Value& base, Value overlay);

// Applies the variables that carry the overlay's prefix to doc.root, in sorted name order.
// Each becomes a Source "env:NAME" in layer `env.name`, so an overridden key's origin prints
// as "env:APP_DATABASE__MAX_CONNS".
// - Each name segment is lowercased, unless the map it lands in already has a key equal to it
//   case-insensitively (maxConns): then that key's spelling is used (an exact lowercase match
//   wins over others, otherwise the first in document order).
// - The value is typed as a YAML plain scalar ("200" an integer, "true" a bool, "~" null), but
//   an empty value stays an empty string: `APP_X=` means "set to empty", not "unset".
// - Missing maps on the way are created; a leaf replaces whatever was there, as merge_into does.
// Errors (one per variable, others still applied): a segment that is empty (APP_, APP_A____B),
// a path that descends into a scalar or an array, an empty prefix or separator. Messages name
// the variable and the path, never the value: it may be a secret.
Result<void, Errors> apply_env(Document& doc, const EnvOverlay& env, const Environment& vars);

// The process environment as name/value pairs.
Environment process_environment();

// Which layer set each leaf, as (dotted path, layer name) in document order. Scalars, arrays
// (they replace as a whole) and empty maps are leaves.
std::vector<std::pair<std::string, std::string>> provenance(const Document& doc);

// The versions of a document's versioned sources as (layer, version), one per distinct pair in
// source order: [("etcd://127.0.0.1:2379/app/", "42")]. Empty when only files were read.
std::vector<std::pair<std::string, std::string>> source_versions(const Document& doc);

}  // namespace hotreload
