#include <iostream>

#include "commands.hpp"

namespace hotreload::cli {

void print_errors(const Errors& errors) {
  for (const Error& error : errors) std::cerr << error.to_string() << '\n';
}

std::optional<Format> format_option(const std::string& name) {
  if (name.empty()) return std::nullopt;
  auto format = parse_format(name);
  if (!format) throw CLI::ValidationError("--format", "unknown format \"" + name + "\" (yaml, json or toml)");
  return format;
}

std::vector<std::string>& exec_command_line() {
  static std::vector<std::string> command;
  return command;
}

}  // namespace hotreload::cli
