// The built-in parsers registered in formats.cpp, behind hotreload::parse(). Each turns one text into a Value tree whose
// origins point at source 0 with 1-based positions, or returns an Error located in `source_name`.
// They enforce ParseLimits::max_depth (and YAML max_nodes); size and emptiness are checked by
// parse() for every format alike.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/path.hpp"
#include "hotreload/result.hpp"
#include "hotreload/value.hpp"

namespace hotreload::detail {

// A text with only comments or blank lines gives a null Value.
Result<Value> parse_yaml(std::string_view text, std::string_view source_name, const ParseLimits& limits);
// parse_yaml() is these two, like parse_json(): the fast path (libyaml) gives the tree of a text
// the reference (yaml-cpp) accepts, or nullopt for anything else, which the reference then reads
// again to say what is wrong. Whatever the fast path accepts, the reference accepts with the same
// tree and positions (fuzz/yaml_paths_fuzzer.cpp checks it).
std::optional<Value> parse_yaml_fast(std::string_view text, const ParseLimits& limits);
Result<Value> parse_yaml_reference(std::string_view text, std::string_view source_name, const ParseLimits& limits);
// Any JSON value; an empty text is a syntax error.
Result<Value> parse_json(std::string_view text, std::string_view source_name, const ParseLimits& limits);
// parse_json() is these two: the fast path (simdjson) gives the tree of a text the reference
// (nlohmann) accepts, or nullopt for anything else, which the reference then reads again to say
// what is wrong. Whatever the fast path accepts, the reference accepts with the same tree and
// positions (fuzz/json_paths_fuzzer.cpp checks it).
std::optional<Value> parse_json_fast(std::string_view text, const ParseLimits& limits);
Result<Value> parse_json_reference(std::string_view text, std::string_view source_name, const ParseLimits& limits);
// Always a table (an Object); a comment-only text gives an empty one.
Result<Value> parse_toml(std::string_view text, std::string_view source_name, const ParseLimits& limits);

// torrc / sshd_config style `Key Value` lines (keyvalue_parser.cpp states the rules); always a
// map, and a comment-only text gives an empty one.
Result<Value> parse_keyvalue(std::string_view text, std::string_view source_name, const ParseLimits& limits);

// The registry's entry for `format`; nullptr for none (a Format always names a registered
// format, so only a bug gives one). Entries are never removed: the pointer stays valid.
const FormatSpec* find_format_spec(Format format);

// parse_file() reading `read_path` but naming the file `name` in the document and its errors (and
// telling the format from `name`): a Kubernetes file is read through its pinned ..data directory.
Result<Document> parse_file_as(const std::string& read_path, const std::string& name, std::optional<Format> format,
                               const ParseOptions& options);

// Test seam for fault injection (tests/reliability/): the kernel errors a test cannot cause on
// demand (EIO from a failing disk, a file removed between the permission check's stat and the
// open). When a hook is set, every config file read consults it before open(2) and before each
// read(2); a nonzero result fails that call with this errno. The hook may also act on the file
// (delete it before the open: a real ENOENT). Set it only while no load runs; empty: no hook.
enum class ReadStep { open, read };
using ReadFaultHook = std::function<int(const std::string& path, ReadStep step)>;
void set_read_fault_hook_for_testing(ReadFaultHook hook);

// The messages the parsers share, so that they read the same whatever the format.
inline Error error_at(ErrorCode code, std::string message, std::string_view source_name,
                      std::uint32_t line, std::uint32_t column, const Path& path = {}) {
  return Error{code, std::move(message), SourceLocation{std::string(source_name), line, column},
               to_dotted(path)};
}

// An unclosed bracket, brace or quote is reported where it opened, which is what the user has
// to find; where the parser noticed is kept in the message:
// "'[' is not closed (line 4, column 1: <what the parser found there>)".
inline Error unclosed_error(std::string_view format_name, char opener, std::uint32_t line, std::uint32_t column,
                            std::string_view problem, std::uint32_t problem_line, std::uint32_t problem_column,
                            std::string_view source_name) {
  return error_at(ErrorCode::parse,
                  "invalid " + std::string(format_name) + ": '" + std::string(1, opener) + "' is not closed (line " +
                      std::to_string(problem_line) + ", column " + std::to_string(problem_column) + ": " +
                      std::string(problem) + ")",
                  source_name, line, column);
}

inline std::string too_deep_message(const ParseLimits& limits) {
  return "nesting deeper than " + std::to_string(limits.max_depth) + " levels";
}

inline std::string duplicate_key_message(std::string_view key, std::uint32_t first_line) {
  return "duplicate key \"" + std::string(key) + "\" (first at line " + std::to_string(first_line) + ")";
}

// The line where `key` was first written in a map under construction: `key_lines` holds the line
// of each entry's key, in the map's order. Only on the duplicate-key error path, so linear.
inline std::uint32_t first_key_line(const Object& map, const std::vector<std::uint32_t>& key_lines,
                                    std::string_view key) {
  std::size_t index = 0;
  for (const auto& entry : map) {
    if (entry.first == key) break;
    ++index;
  }
  return index < key_lines.size() ? key_lines[index] : 0;
}

}  // namespace hotreload::detail
