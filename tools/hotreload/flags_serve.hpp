// `hotreload flags serve`, a subcommand of `flags` kept in its own file (flags_serve_command.cpp).
#pragma once

#include "commands.hpp"

namespace hotreload::cli {

struct FlagsServe {
  CLI::App* command;  // parsed() when it was chosen
  Command run;
};

FlagsServe add_flags_serve(CLI::App& flags);

}  // namespace hotreload::cli
