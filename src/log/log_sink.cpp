#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "hotreload/log.hpp"

namespace hotreload {

const char* to_string(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    case LogLevel::off: return "off";
  }
  return "info";
}

const char* level_tag(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "TRACE";
    case LogLevel::debug: return "DEBUG";
    case LogLevel::info: return "INFO";
    case LogLevel::warn: return "WARN";
    case LogLevel::error: return "ERROR";
    case LogLevel::off: return "OFF";
  }
  return "INFO";
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "warning") return LogLevel::warn;
  for (LogLevel level : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error,
                         LogLevel::off}) {
    if (lower == to_string(level)) return level;
  }
  return std::nullopt;
}

void StderrSink::write(LogLevel level, std::string_view message) {
  std::string text;
  text.reserve(message.size() + 16);
  const std::string_view tag = level_tag(level);
  // Every line gets the prefix; a trailing newline does not start an empty line.
  std::size_t start = 0;
  do {
    std::size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    text += tag;
    text += ' ';
    text.append(message, start, end - start);
    text += '\n';
    start = end + 1;
  } while (start < message.size());
  // One write(2) per message, so concurrent processes sharing stderr rarely split a record.
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t written = ::write(fd_, text.data() + done, text.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;  // nowhere to report a failure to log
    done += static_cast<std::size_t>(written);
  }
}

void CallbackSink::write(LogLevel level, std::string_view message) {
  try {
    callback_(level, message);
  } catch (...) {
    // Logging must never fail the caller: the message is lost.
  }
}

}  // namespace hotreload
