// The format registry: the built-in parsers and those a program adds, looked up by parse() on
// every parse. Entries are never removed or changed once added, so a lookup can hand out a
// pointer to one and run its parser without holding the lock.
#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>

#include "hotreload/formats.hpp"
#include "load/parsers.hpp"

namespace hotreload::detail {

class FormatRegistry {
 public:
  static FormatRegistry& instance() {
    static FormatRegistry registry;
    return registry;
  }

  const FormatSpec* find(std::string_view name_or_extension) const {
    std::shared_lock lock(mu_);
    for (const FormatSpec& spec : specs_) {
      if (answers_to(spec, name_or_extension)) return &spec;
    }
    return nullptr;
  }

  const FormatSpec* find_extension(std::string_view extension) const {
    std::shared_lock lock(mu_);
    for (const FormatSpec& spec : specs_) {
      for (const std::string& known : spec.extensions) {
        if (equals_ignoring_case(known, extension)) return &spec;
      }
    }
    return nullptr;
  }

  std::vector<Format> all() const {
    std::shared_lock lock(mu_);
    std::vector<Format> formats;
    for (const FormatSpec& spec : specs_) formats.push_back(format_of(spec));
    return formats;
  }

  Result<Format> add(FormatSpec spec) {
    if (!is_word(spec.name)) return unexpected(usage("format name \"" + spec.name + "\" " + kWordRule));
    for (const std::string& extension : spec.extensions) {
      if (!is_word(extension)) {
        return unexpected(usage("extension \"" + extension + "\" of format " + spec.name + " " + kWordRule));
      }
    }
    if (!spec.parser) return unexpected(usage("format " + spec.name + " has no parser"));
    std::unique_lock lock(mu_);
    for (const FormatSpec& known : specs_) {
      // Names and extensions share one namespace: parse_format() accepts either.
      if (answers_to(known, spec.name)) return unexpected(taken(spec.name, known));
      for (const std::string& extension : spec.extensions) {
        if (answers_to(known, extension)) return unexpected(taken(extension, known));
      }
    }
    specs_.push_back(std::move(spec));
    return format_of(specs_.back());
  }

  // Formats compare by name, so the yaml entry's Format equals Format::yaml.
  static Format format_of(const FormatSpec& spec) { return Format(spec.name.c_str()); }

 private:
  static constexpr const char* kWordRule = "must be lower case letters, digits, '-' or '_'";

  FormatRegistry() {
    specs_.push_back({"yaml", {"yaml", "yml"}, parse_yaml, EmptyText::null_root});
    specs_.push_back({"json", {"json"}, parse_json, EmptyText::blank_only});
    specs_.push_back({"toml", {"toml"}, parse_toml, EmptyText::empty_map});
    specs_.push_back({"keyvalue", {}, parse_keyvalue, EmptyText::empty_map});
  }

  static bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
  }

  static bool answers_to(const FormatSpec& spec, std::string_view name) {
    if (equals_ignoring_case(spec.name, name)) return true;
    return std::any_of(spec.extensions.begin(), spec.extensions.end(),
                       [&](const std::string& extension) { return equals_ignoring_case(extension, name); });
  }

  // Lower case so that a name means one thing however it is typed; no ':' or '/', so that the
  // CLI's FORMAT:PATH layer prefix cannot be confused with a URL or a path.
  static bool is_word(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
  }

  static Error usage(std::string message) { return Error{ErrorCode::usage, std::move(message), {}, {}}; }

  static Error taken(std::string_view what, const FormatSpec& owner) {
    return usage("\"" + std::string(what) + "\" is already a name or extension of format " + owner.name);
  }

  mutable std::shared_mutex mu_;
  std::deque<FormatSpec> specs_;  // guarded by mu_; a deque so that added entries never move
};

const FormatSpec* find_format_spec(Format format) {
  return FormatRegistry::instance().find(format.name());
}

}  // namespace hotreload::detail

namespace hotreload {

// name() views a NUL-terminated string: a literal or a registry entry's std::string.
const char* to_string(Format format) { return format.name().data(); }

std::optional<Format> parse_format(std::string_view name) {
  const FormatSpec* spec = detail::FormatRegistry::instance().find(name);
  if (spec == nullptr) return std::nullopt;
  return detail::FormatRegistry::format_of(*spec);
}

std::optional<Format> format_from_path(std::string_view path) {
  std::size_t dot = path.rfind('.');
  std::size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return std::nullopt;
  const FormatSpec* spec = detail::FormatRegistry::instance().find_extension(path.substr(dot + 1));
  if (spec == nullptr) return std::nullopt;
  return detail::FormatRegistry::format_of(*spec);
}

std::vector<Format> registered_formats() { return detail::FormatRegistry::instance().all(); }

Result<Format> register_format(FormatSpec spec) { return detail::FormatRegistry::instance().add(std::move(spec)); }

}  // namespace hotreload
