// Logging: a small sink interface with levels, a stderr sink, a callback sink, and the reload log
// (what each reload changed, as `database.max_conns: 100 -> 200`, or why it failed).
//
//   hotreload::StderrSink log(hotreload::LogLevel::info);
//   auto logging = hotreload::log_events(reloader.events(), log);   // keep it alive
//   reloader.on_change("log level", [&](const Config&, const Config& next) -> hotreload::ModuleResult {
//     if (auto level = hotreload::parse_log_level(next.log_level)) log.set_level(*level);
//     return {};
//   });
//
// Thread safety: every member of every sink may be called from any thread at once. The level is
// an atomic (relaxed: a message racing a level change may be written under either level); a
// sink's write() calls are serialised, so lines never interleave.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotreload/diff.hpp"
#include "hotreload/events.hpp"

namespace hotreload {

// `off` only as a sink's level: it silences the sink.
enum class LogLevel { trace, debug, info, warn, error, off };

// "trace", "debug", "info", "warn", "error", "off".
const char* to_string(LogLevel level);
// The inverse of to_string, case-insensitive, also accepting "warning"; nullopt for other text.
std::optional<LogLevel> parse_log_level(std::string_view text);

// Where log messages go. A subclass implements write(); log() filters by level first.
class LogSink {
 public:
  explicit LogSink(LogLevel level = LogLevel::info) : level_(level) {}
  virtual ~LogSink() = default;
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  void set_level(LogLevel level) { level_.store(level, std::memory_order_relaxed); }
  LogLevel level() const { return level_.load(std::memory_order_relaxed); }
  // True when a message at `level` would be written (callers can skip building it otherwise).
  bool enabled(LogLevel level) const { return level != LogLevel::off && level >= this->level(); }

  // Writes `message` when `level` is enabled. A message may span several lines.
  void log(LogLevel level, std::string_view message) {
    if (!enabled(level)) return;
    std::lock_guard lock(write_mu_);
    write(level, message);
  }
  void trace(std::string_view message) { log(LogLevel::trace, message); }
  void debug(std::string_view message) { log(LogLevel::debug, message); }
  void info(std::string_view message) { log(LogLevel::info, message); }
  void warn(std::string_view message) { log(LogLevel::warn, message); }
  void error(std::string_view message) { log(LogLevel::error, message); }

 protected:
  // Called with the sink's write mutex held, one call at a time.
  virtual void write(LogLevel level, std::string_view message) = 0;

 private:
  std::atomic<LogLevel> level_;
  std::mutex write_mu_;  // serialises write()
};

// Writes each line of a message as "LEVEL line\n" (INFO, WARN, ...) to a file descriptor, stderr
// by default, with one write(2) per message. Every line is prefixed, so a newline inside a value
// cannot forge a line of another level.
class StderrSink final : public LogSink {
 public:
  explicit StderrSink(LogLevel level = LogLevel::info, int fd = 2) : LogSink(level), fd_(fd) {}

 private:
  void write(LogLevel level, std::string_view message) override;
  int fd_;
};

// Hands each enabled message to a callback, one call at a time (the callback need not be
// thread-safe). An exception from the callback is swallowed: logging never fails a reload.
class CallbackSink final : public LogSink {
 public:
  using Callback = std::function<void(LogLevel level, std::string_view message)>;
  explicit CallbackSink(Callback callback, LogLevel level = LogLevel::info)
      : LogSink(level), callback_(std::move(callback)) {}

 private:
  void write(LogLevel level, std::string_view message) override;
  Callback callback_;
};

// "INFO", "WARN", ...: the prefix StderrSink writes.
const char* level_tag(LogLevel level);

// The change list, one to_line() per change ("database.max_conns: 100 -> 200"); secret values
// print as <redacted> (Change::secret, set by the reloader's field rules).
std::vector<std::string> change_lines(const std::vector<Change>& changes);
// The same lines joined, each followed by '\n'.
std::string format_changes(const std::vector<Change>& changes);

// Logs what reloads do, until the returned subscription is dropped:
//   info   reload.completed: a summary line, then "  <change line>" per change (the initial
//          load: one line); a warn line names restart-only fields left pending
//   error  reload.failed: a summary, then "  <file:line:col: path: message>" per error; warn
//          instead when the reload was refused on purpose (veto, restart-only field changed)
//   warn   reload.rolledback, reload.deferral_overdue, file.missing
//   info   reload.skipped;  debug  reload.started, file.changed, reload.module.completed
// `sink` must outlive the subscription.
[[nodiscard]] Subscription log_events(EventBus& events, LogSink& sink);

// The messages log_events writes for `event`, with their levels; empty for events it ignores.
struct LogRecord {
  LogLevel level = LogLevel::info;
  std::string message;
};
std::vector<LogRecord> log_records(const Event& event);

}  // namespace hotreload
