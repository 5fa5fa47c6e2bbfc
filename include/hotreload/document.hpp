// Parsing one source (a YAML, JSON, TOML or keyvalue text, or one in a format a program registered:
// formats.hpp) into a Value tree with positions, under limits that keep hostile input from
// exhausting memory or stack.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/formats.hpp"
#include "hotreload/result.hpp"
#include "hotreload/value.hpp"

namespace hotreload {

// One named input of a Document: a file, the environment, later an etcd key.
struct Source {
  std::string name{};    // the path as given, or "env", ...
  std::string layer{};   // what the user calls the layer (defaults to name)
  std::optional<Format> format{};
  // Which version of the source was read, for sources that have one (an etcd layer: the store
  // revision, "42"); empty for files. Reload events and the admin /config show it.
  std::string version{};
};

// A parsed and possibly merged configuration tree and the sources its origins refer to.
struct Document {
  Value root{};  // an Object for configs; any Value for a single parsed text
  std::vector<Source> sources{};

  // file:line:col of a node, from its origin.
  SourceLocation location_of(const Origin& origin) const;
  // Adds a source and returns its index for Origin::source.
  std::uint32_t add_source(Source source);
};

struct ParseOptions {
  ParseLimits limits{};
  // The top level must be a map (configs always are); a JSON Schema instance may be any value.
  bool require_object = true;
  // An empty (or whitespace/comment-only) text is an error rather than an empty map.
  bool allow_empty = false;
};

// Parses `text` with the parser registered for `format`; `source_name` is what error locations
// and origins print (a path).
// All failures are values: parse errors carry file:line:col, limits name the limit exceeded.
Result<Document> parse(std::string_view text, Format format, std::string_view source_name,
                       const ParseOptions& options = {});

// Reads and parses a file; the format comes from the extension unless `format` is given.
// I/O errors (missing, unreadable, a directory, larger than the size limit) are ErrorCode::io
// or ErrorCode::limit with the path in the location.
Result<Document> parse_file(const std::string& path, std::optional<Format> format = std::nullopt,
                            const ParseOptions& options = {});

}  // namespace hotreload
