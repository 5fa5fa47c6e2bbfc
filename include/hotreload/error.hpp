// Errors at the library boundary are values: what went wrong, where in which file, and at which key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hotreload {

enum class ErrorCode {
  io,                // a file could not be read (missing, permission, not a regular file)
  parse,             // the text is not valid YAML / JSON / TOML
  limit,             // a limit against hostile input was exceeded (size, depth, alias expansion)
  type,              // a value has the wrong type for the field it binds to
  validation,        // a validator or schema rejected the config
  restart_required,  // a restart-only field changed and the policy refuses the reload
  vetoed,            // a module or listener refused the change
  timeout,           // a module did not answer within its timeout
  module_failed,     // a module could not apply (commit) the change; the others were rolled back
  internal,          // an exception escaped user code or a bug; reported, never propagated
  usage,             // the caller passed invalid arguments
};

// "io", "parse", ... as used in events and JSON output.
const char* to_string(ErrorCode code);

// A position in a source. line and column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file{};  // a path, or a pseudo-source such as "env:APP_DATABASE__MAX_CONNS"
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  bool empty() const { return file.empty() && line == 0; }
  // "file:line:col", "file:line", "file" or "" depending on what is known.
  std::string to_string() const;
  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message{};      // why, in words; never contains a secret value
  SourceLocation location{};  // where, if known
  std::string path{};         // the dotted key path, e.g. "database.max_conns", if known

  // "config.yaml:12:7: database.max_conns: expected integer, got string \"ten\"";
  // parts that are unknown are left out.
  std::string to_string() const;
  friend bool operator==(const Error&, const Error&) = default;
};

using Errors = std::vector<Error>;

// One error per line, each formatted by Error::to_string().
std::string to_string(const Errors& errors);

}  // namespace hotreload
