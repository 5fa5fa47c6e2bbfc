#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

#include "core/scalar.hpp"
#include "core/utf8.hpp"
#include "hotreload/layers.hpp"

extern "C" char** environ;  // POSIX; not every libc declares it in <unistd.h>

namespace hotreload {
namespace {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ascii_lower(a) == ascii_lower(b);
}

std::vector<std::string_view> split(std::string_view text, std::string_view separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + separator.size();
  }
}

// The key a segment names in `map`: an existing key that matches case-insensitively keeps its
// spelling (environment names cannot carry camelCase); otherwise the segment in lower case.
std::string spelling_in(const Object& map, std::string_view segment) {
  std::string lower = ascii_lower(segment);
  if (map.contains(lower)) return lower;
  for (const auto& entry : map) {
    if (equals_ignoring_case(entry.first, segment)) return entry.first;
  }
  return lower;
}

Error variable_error(ErrorCode code, std::string message, std::string path = {}) {
  Error error;
  error.code = code;
  error.message = std::move(message);
  error.path = std::move(path);
  return error;
}

// Resolves a variable's segments against the tree without changing it, so a variable that
// fails leaves nothing half-created behind.
Result<Path> resolve_path(const Value& root, const std::vector<std::string_view>& segments) {
  Path path;
  const Value* node = &root;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (node != nullptr && !node->is_object()) {
      std::string blocker = path.empty() ? std::string("the root") : to_dotted(path);
      for (std::size_t rest = i; rest < segments.size(); ++rest) path.emplace_back(ascii_lower(segments[rest]));
      return unexpected(variable_error(ErrorCode::type,
                                       "cannot set a key inside " + blocker + ", which is " +
                                           (node->is_array() ? "an " : "a ") + kind_name(node->kind()),
                                       to_dotted(path)));
    }
    if (node == nullptr) {
      path.emplace_back(ascii_lower(segments[i]));
      continue;
    }
    std::string key = spelling_in(node->as_object(), segments[i]);
    node = node->as_object().find(key);
    path.emplace_back(std::move(key));
  }
  return path;
}

void set_at(Value& root, const Path& path, Value leaf, Origin origin) {
  Value* node = &root;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    Object& map = node->as_object();
    const std::string& key = std::get<std::string>(path[i]);
    node = map.find(key);
    if (node == nullptr) {
      Value created = Object{};
      created.origin = origin;
      node = &map.insert_or_assign(key, std::move(created));
    }
  }
  leaf.origin = origin;
  node->as_object().insert_or_assign(std::get<std::string>(path.back()), std::move(leaf));
}

// Why a name or value is not UTF-8 (the config formats, and every JSON writer, need Unicode),
// or nullopt. A name's bad byte is located, counting bytes from 1 like a column; a value's is
// not, since a value may be a secret and no message may depend on what it holds.
std::optional<std::string> invalid_utf8(std::string_view text, bool is_value) {
  std::size_t offset = detail::find_invalid_utf8(text);
  if (offset == std::string_view::npos) return std::nullopt;
  if (is_value) return "invalid UTF-8 in the value";
  return "invalid UTF-8 at byte " + std::to_string(offset + 1) + " of the name";
}

// "" stays an empty string: `APP_X=` means "set to empty", which YAML's null would not say.
Value typed(const std::string& text) {
  if (text.empty()) return Value(std::string());
  return detail::resolve_plain_scalar(text);
}

}  // namespace

Environment process_environment() {
  Environment vars;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    vars.emplace_back(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return vars;
}

Result<void, Errors> apply_env(Document& doc, const EnvOverlay& env, const Environment& vars) {
  if (env.prefix.empty() || env.separator.empty()) {
    return unexpected(
        Errors{variable_error(ErrorCode::usage, "the environment overlay needs a prefix and a separator")});
  }
  const std::string prefix = env.prefix.back() == '_' ? env.prefix : env.prefix + '_';

  std::vector<const std::pair<std::string, std::string>*> matching;
  for (const auto& var : vars) {
    if (var.first.starts_with(prefix)) matching.push_back(&var);
  }
  // Sorted, so the result never depends on the order the environment happens to list them in.
  std::stable_sort(matching.begin(), matching.end(),
                   [](const auto* a, const auto* b) { return a->first < b->first; });

  Errors errors;
  for (const auto* var : matching) {
    const std::string& name = var->first;
    if (auto message = invalid_utf8(name, false)) {
      errors.push_back(variable_error(ErrorCode::parse, std::move(*message)));
      errors.back().location.file = "env:" + detail::replace_invalid_utf8(name);
      continue;
    }
    std::string source_name = "env:" + name;
    std::vector<std::string_view> segments =
        split(std::string_view(name).substr(prefix.size()), env.separator);
    if (std::any_of(segments.begin(), segments.end(), [](std::string_view s) { return s.empty(); })) {
      errors.push_back(variable_error(ErrorCode::parse, "empty key segment in the variable name"));
      errors.back().location.file = std::move(source_name);
      continue;
    }
    Result<Path> path = resolve_path(doc.root, segments);
    if (!path) {
      errors.push_back(std::move(path).error());
      errors.back().location.file = std::move(source_name);
      continue;
    }
    if (auto message = invalid_utf8(var->second, true)) {
      errors.push_back(variable_error(ErrorCode::parse, std::move(*message), to_dotted(*path)));
      errors.back().location.file = std::move(source_name);
      continue;
    }
    Origin origin;
    origin.source = doc.add_source(Source{std::move(source_name), env.name, std::nullopt});
    set_at(doc.root, *path, typed(var->second), origin);
  }
  if (!errors.empty()) return unexpected(std::move(errors));
  return {};
}

}  // namespace hotreload
