// Formats: the parsers a config text can be read with, found by name or file extension. The
// built-ins are yaml, json, toml and keyvalue (torrc / sshd_config style); a program adds its own
// with register_format() and then names it like a built-in (`--format`, LayerSpec::format, the
// extension of a layer file). Every function here is thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotreload/result.hpp"
#include "hotreload/value.hpp"

namespace hotreload {

namespace detail {
class FormatRegistry;
}

// A registered format, by name. Cheap to copy and compare; obtained from the constants below,
// parse_format(), format_from_path() or register_format(), so it always names a registered format.
class Format {
 public:
  static const Format yaml;
  static const Format json;
  static const Format toml;
  static const Format keyvalue;

  constexpr std::string_view name() const { return name_; }
  friend constexpr bool operator==(Format a, Format b) { return std::string_view(a.name_) == b.name_; }

 private:
  friend class detail::FormatRegistry;
  // `name` must outlive every Format: a literal, or a name the registry keeps forever.
  constexpr explicit Format(const char* name) : name_(name) {}
  const char* name_;
};

inline constexpr Format Format::yaml{"yaml"};
inline constexpr Format Format::json{"json"};
inline constexpr Format Format::toml{"toml"};
inline constexpr Format Format::keyvalue{"keyvalue"};

// "yaml", "json", "toml", "keyvalue", or a registered format's name.
const char* to_string(Format format);
// A registered format by its name or one of its extensions, case-insensitively ("yml" is yaml);
// nullopt otherwise.
std::optional<Format> parse_format(std::string_view name);
// By the extension after the last '.' of the file name (.yaml/.yml, .json, .toml, or a registered
// format's); nullopt otherwise. keyvalue has no extension: torrc and sshd_config have none.
std::optional<Format> format_from_path(std::string_view path);
// Every registered format, built-ins first, then in registration order.
std::vector<Format> registered_formats();

struct ParseLimits {
  std::size_t max_file_bytes = 16u << 20;  // 16 MiB
  std::size_t max_depth = 64;              // nesting of maps and arrays
  std::size_t max_nodes = 1'000'000;       // after YAML alias expansion ("billion laughs")
};

// When a text counts as empty (refused unless ParseOptions::allow_empty). A blank text always
// does, without calling the parser; formats with comments say what a comment-only text gives.
enum class EmptyText {
  blank_only,  // JSON: no comments, so only whitespace is empty
  null_root,   // YAML: a comment-only text is a null document
  empty_map,   // TOML, keyvalue: a comment-only text is an empty table
};

// Turns one text into a Value tree whose origins have source 0 and 1-based line:column, or an
// Error located in `source_name` (ErrorCode::parse, or ErrorCode::limit naming the limit). It
// needs not check size, UTF-8 or emptiness: parse() does that for every format. It may be called
// from several threads at once, and should not throw (parse() turns an exception into an
// ErrorCode::internal error).
using FormatParser =
    std::function<Result<Value>(std::string_view text, std::string_view source_name, const ParseLimits& limits)>;

struct FormatSpec {
  std::string name{};                     // lower case letters, digits, '-' or '_': "ini-lite"
  std::vector<std::string> extensions{};  // without the dot: {"ini"}; may be empty
  FormatParser parser{};
  EmptyText empty = EmptyText::blank_only;
};

// Adds a format for the life of the process. Errors (ErrorCode::usage): a malformed name or
// extension, no parser, or a name or extension some registered format already has (built-ins
// cannot be replaced, so a file's meaning never depends on what else is linked in).
Result<Format> register_format(FormatSpec spec);

}  // namespace hotreload
