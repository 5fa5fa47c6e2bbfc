#include <iostream>

#include "commands.hpp"
#include "hotreload/duration.hpp"

namespace hotreload::cli {

void print_errors(const Errors& errors) {
  for (const Error& error : errors) std::cerr << error.to_string() << '\n';
}

Result<std::chrono::milliseconds> duration_option(const std::string& name, const std::string& text) {
  auto parsed = parse_duration(text);
  if (!parsed || parsed->count() < 0) {
    return unexpected(Error{ErrorCode::usage,
                            name + " wants a duration such as 30s or 5m, not \"" + text + "\"" +
                                (parsed ? "" : ": " + parsed.error()),
                            {}, {}});
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
}

std::string format_names() {
  std::vector<Format> formats = registered_formats();
  std::string names;
  for (std::size_t i = 0; i < formats.size(); ++i) {
    if (i > 0) names += i + 1 == formats.size() ? " or " : ", ";
    names += to_string(formats[i]);
  }
  return names;
}

std::optional<Format> format_option(const std::string& name) {
  if (name.empty()) return std::nullopt;
  auto format = parse_format(name);
  if (!format) throw CLI::ValidationError("--format", "unknown format \"" + name + "\" (" + format_names() + ")");
  return format;
}

std::vector<std::string>& exec_command_line() {
  static std::vector<std::string> command;
  return command;
}

}  // namespace hotreload::cli
