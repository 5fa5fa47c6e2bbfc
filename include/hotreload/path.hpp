// Key paths: the dotted form users read ("servers[0].port") and the segments code walks.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hotreload {

// A map key or an array index.
using PathSegment = std::variant<std::string, std::size_t>;
using Path = std::vector<PathSegment>;

// "database.max_conns", "servers[0].port"; a key that is empty or holds '.', '[', ']' or '"'
// is written quoted: `labels["app.kubernetes.io/name"]`.
std::string to_dotted(const Path& path);

// Parses the dotted form back (inverse of to_dotted); nullopt when malformed.
std::optional<Path> parse_dotted(std::string_view dotted);

// The unescaped reference tokens of an RFC 6901 JSON pointer ("/a~1b/0" -> "a/b", "0");
// nullopt when it does not start with '/' (the empty pointer gives no tokens).
std::optional<std::vector<std::string>> json_pointer_tokens(std::string_view pointer);

// Converts an RFC 6901 JSON pointer ("/servers/0/port") into a path; segments made only of
// digits are read as array indices.
std::optional<Path> parse_json_pointer(std::string_view pointer);

// True when `path` equals `prefix` or lies beneath it ("database" covers "database.host").
bool path_has_prefix(std::string_view dotted_path, std::string_view dotted_prefix);

}  // namespace hotreload
