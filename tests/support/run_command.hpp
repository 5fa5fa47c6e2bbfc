// Runs the hotreload CLI (or any program) as a child process and captures what it printed.
#pragma once

#include <string>
#include <vector>

namespace hotreload::testing {

struct CommandResult {
  int exit_code = -1;  // the exit status, or 128 + signal number
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] is a path, no shell involved) with `env` added to the environment.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::vector<std::string>& env = {});

// The hotreload binary built next to the tests.
std::string cli_path();

}  // namespace hotreload::testing
