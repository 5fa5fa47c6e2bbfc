// hotreload: the command-line face of the library, thin over it.
#include <algorithm>
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace hotreload::cli;
  CLI::App app{"hotreload: load, validate and diff layered configuration"};
  app.name("hotreload");
  app.require_subcommand(1);
  app.set_version_flag("--version", "hotreload 0.1.0");

  std::vector<std::pair<CLI::App*, Command>> commands;
  auto add = [&](Command (*adder)(CLI::App&)) {
    std::size_t before = app.get_subcommands({}).size();
    Command run = adder(app);
    commands.emplace_back(app.get_subcommands({}).at(before), std::move(run));
  };
  add(add_validate_command);
  add(add_diff_command);
  add(add_watch_command);
  add(add_schema_command);
  add(add_flags_command);
  add(add_exec_command);
  add(add_fleet_command);
  add(add_rollout_command);

  // `hotreload exec [OPTIONS] -- CMD [ARGS...]`: CMD and its arguments are not ours to parse.
  std::vector<std::string> arguments(argv + 1, argv + argc);
  if (!arguments.empty() && arguments.front() == "exec") {
    auto separator = std::find(arguments.begin(), arguments.end(), "--");
    if (separator != arguments.end()) {
      exec_command_line().assign(separator + 1, arguments.end());
      arguments.erase(separator, arguments.end());
    }
  }
  std::reverse(arguments.begin(), arguments.end());  // CLI11 takes them last-first

  try {
    app.parse(arguments);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return kExitTrouble;  // usage errors are 2, whatever CLI11's own code is
  }

  for (auto& [subcommand, run] : commands) {
    if (subcommand->parsed()) {
      try {
        return run();
      } catch (const std::exception& failure) {
        std::cerr << "hotreload: " << failure.what() << '\n';
        return kExitTrouble;
      }
    }
  }
  return kExitTrouble;
}
