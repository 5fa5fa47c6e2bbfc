// hotreload: the command-line face of the library, thin over it.
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace hotreload::cli;
  CLI::App app{"hotreload: load, validate and diff layered configuration"};
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

  try {
    app.parse(argc, argv);
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
