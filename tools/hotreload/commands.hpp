// The subcommands of the hotreload CLI. Each registers its options on the app and returns the
// function that runs it; exit codes follow diff(1): 0 fine, 1 a finding, 2 trouble.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/result.hpp"

namespace hotreload::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFinding = 1;  // invalid config, or the files differ
inline constexpr int kExitTrouble = 2;  // usage errors, unreadable input

using Command = std::function<int()>;

Command add_validate_command(CLI::App& app);
Command add_diff_command(CLI::App& app);
Command add_watch_command(CLI::App& app);
Command add_schema_command(CLI::App& app);
Command add_flags_command(CLI::App& app);
Command add_exec_command(CLI::App& app);
Command add_fleet_command(CLI::App& app);
Command add_rollout_command(CLI::App& app);
// `hotreload exec`'s command: everything after its first `--`, which main() removes from the
// arguments before CLI11 parses them.
std::vector<std::string>& exec_command_line();

// Prints each error on its own line to stderr as FILE:LINE:COL: PATH: message.
void print_errors(const Errors& errors);

// A duration option's value ("30s", "5m", "0"); a malformed or negative one is a usage error that
// names the option.
Result<std::chrono::milliseconds> duration_option(const std::string& name, const std::string& text);

// "yaml, json, toml or keyvalue": the registered formats, for help and error messages.
std::string format_names();
// The help of --format for commands that take layers: what it sets, and the per-layer prefix.
inline std::string format_help() {
  return "Force the format of every layer: " + format_names() +
         ". One layer's own format: prefix it FORMAT: (keyvalue:/etc/tor/torrc)";
}

// Parses a --format value; an unknown name throws CLI::ValidationError (exit 2).
std::optional<Format> format_option(const std::string& name);

}  // namespace hotreload::cli
