#include "hotreload/error.hpp"

namespace hotreload {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::io: return "io";
    case ErrorCode::parse: return "parse";
    case ErrorCode::limit: return "limit";
    case ErrorCode::type: return "type";
    case ErrorCode::validation: return "validation";
    case ErrorCode::restart_required: return "restart_required";
    case ErrorCode::vetoed: return "vetoed";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::module_failed: return "module_failed";
    case ErrorCode::internal: return "internal";
    case ErrorCode::usage: return "usage";
  }
  return "internal";
}

std::string SourceLocation::to_string() const {
  std::string out = file;
  if (line != 0) {
    out += ':' + std::to_string(line);
    if (column != 0) out += ':' + std::to_string(column);
  }
  return out;
}

std::string Error::to_string() const {
  std::string out = location.to_string();
  if (!out.empty()) out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

std::string to_string(const Errors& errors) {
  std::string out;
  for (const Error& error : errors) {
    out += error.to_string();
    out += '\n';
  }
  return out;
}

}  // namespace hotreload
