#include "hotreload/path.hpp"

#include <algorithm>
#include <charconv>

namespace hotreload {
namespace {

bool needs_quotes(const std::string& key) {
  return key.empty() || key.find_first_of(".[]\"") != std::string::npos;
}

}  // namespace

std::string to_dotted(const Path& path) {
  std::string out;
  for (const PathSegment& segment : path) {
    if (const auto* index = std::get_if<std::size_t>(&segment)) {
      out += '[' + std::to_string(*index) + ']';
      continue;
    }
    const std::string& key = std::get<std::string>(segment);
    if (needs_quotes(key)) {
      out += "[\"";
      for (char c : key) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += "\"]";
    } else {
      if (!out.empty()) out += '.';
      out += key;
    }
  }
  return out;
}

std::optional<Path> parse_dotted(std::string_view dotted) {
  Path path;
  std::size_t i = 0;
  bool expect_key = true;  // at the start or after '.'
  while (i < dotted.size()) {
    char c = dotted[i];
    if (c == '[') {
      ++i;
      if (i < dotted.size() && dotted[i] == '"') {
        ++i;
        std::string key;
        while (i < dotted.size() && dotted[i] != '"') {
          if (dotted[i] == '\\' && i + 1 < dotted.size()) ++i;
          key += dotted[i++];
        }
        if (i + 1 >= dotted.size() || dotted[i + 1] != ']') return std::nullopt;
        i += 2;
        path.emplace_back(std::move(key));
      } else {
        std::size_t index = 0;
        auto [end, ec] = std::from_chars(dotted.data() + i, dotted.data() + dotted.size(), index);
        if (ec != std::errc() || end == dotted.data() + dotted.size() || *end != ']') return std::nullopt;
        i = static_cast<std::size_t>(end - dotted.data()) + 1;
        path.emplace_back(index);
      }
      expect_key = false;
      continue;
    }
    if (c == '.') {
      if (expect_key) return std::nullopt;  // "a..b" or a leading '.'
      ++i;
      expect_key = true;
      continue;
    }
    if (!expect_key && !path.empty()) return std::nullopt;  // "a[0]b"
    std::size_t end = dotted.find_first_of(".[", i);
    if (end == std::string_view::npos) end = dotted.size();
    std::string_view key = dotted.substr(i, end - i);
    if (key.find_first_of("]\"") != std::string_view::npos) return std::nullopt;
    path.emplace_back(std::string(key));
    i = end;
    expect_key = false;
  }
  if (expect_key && !path.empty()) return std::nullopt;  // trailing '.'
  return path;
}

std::optional<std::vector<std::string>> json_pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') return std::nullopt;
  std::size_t i = 1;
  while (true) {
    std::size_t end = pointer.find('/', i);
    if (end == std::string_view::npos) end = pointer.size();
    std::string token;
    for (std::size_t j = i; j < end; ++j) {
      if (pointer[j] == '~' && j + 1 < end && (pointer[j + 1] == '0' || pointer[j + 1] == '1')) {
        token += pointer[j + 1] == '0' ? '~' : '/';
        ++j;
      } else {
        token += pointer[j];
      }
    }
    tokens.push_back(std::move(token));
    if (end == pointer.size()) break;
    i = end + 1;
  }
  return tokens;
}

std::optional<Path> parse_json_pointer(std::string_view pointer) {
  auto tokens = json_pointer_tokens(pointer);
  if (!tokens) return std::nullopt;
  Path path;
  for (std::string& token : *tokens) {
    bool numeric = !token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric) {
      path.emplace_back(static_cast<std::size_t>(std::stoull(token)));
    } else {
      path.emplace_back(std::move(token));
    }
  }
  return path;
}

bool path_has_prefix(std::string_view dotted_path, std::string_view dotted_prefix) {
  if (dotted_prefix.empty()) return true;
  if (dotted_path.substr(0, dotted_prefix.size()) != dotted_prefix) return false;
  if (dotted_path.size() == dotted_prefix.size()) return true;
  char next = dotted_path[dotted_prefix.size()];
  return next == '.' || next == '[';
}

}  // namespace hotreload
