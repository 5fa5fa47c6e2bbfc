// The reload log: change lines (diff.hpp's to_line, which redacts secrets) and one summary per
// reload outcome.
#include <algorithm>
#include <cstdio>

#include "hotreload/error.hpp"
#include "hotreload/log.hpp"

namespace hotreload {
namespace {

std::string milliseconds(std::chrono::nanoseconds elapsed) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f ms", std::chrono::duration<double, std::milli>(elapsed).count());
  return buffer;
}

std::string header(const Event& event, std::string_view what) {
  return "reload " + std::to_string(event.reload_id) + " " + std::string(what) + " (trigger " +
         to_string(event.trigger) + ")";
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

void append_errors(std::string& message, const Errors& errors) {
  for (const Error& error : errors) {
    message += "\n  ";
    message += error.to_string();
  }
}

// A veto or a refused restart-only change is the config's owner saying no, not a fault.
bool refused_on_purpose(const Errors& errors) {
  return !errors.empty() && std::all_of(errors.begin(), errors.end(), [](const Error& error) {
    return error.code == ErrorCode::vetoed || error.code == ErrorCode::restart_required;
  });
}

std::vector<LogRecord> describe_completed(const Event& event) {
  std::vector<LogRecord> records;
  if (event.trigger == Trigger::initial) {
    // The first load "adds" every key: the whole config is not a change worth a line each.
    records.push_back({LogLevel::info, header(event, "loaded the config") + ": generation " +
                                           std::to_string(event.generation) + " in " + milliseconds(event.duration)});
    return records;
  }
  if (event.status == "unchanged") {
    records.push_back({LogLevel::info, header(event, "found nothing to change") + ": generation " +
                                           std::to_string(event.generation) + " stays live"});
    return records;
  }
  std::string message = header(event, "applied") + ": generation " + std::to_string(event.generation) + ", " +
                        std::to_string(event.changes.size()) + (event.changes.size() == 1 ? " change" : " changes") +
                        " in " + milliseconds(event.duration);
  for (const std::string& line : change_lines(event.changes)) message += "\n  " + line;
  records.push_back({LogLevel::info, std::move(message)});
  if (!event.pending_restart.empty()) {
    records.push_back({LogLevel::warn, header(event, "left restart-only fields at their live values") +
                                           "; restart to apply: " + joined(event.pending_restart)});
  }
  return records;
}

std::vector<LogRecord> describe_failed(const Event& event) {
  std::string message = header(event, "failed") + "; the live config is unchanged";
  if (!event.module.empty()) message += " (module " + event.module + ")";
  if (event.backoff.count() > 0) message += "; automatic reloads wait " + milliseconds(event.backoff);
  message += ':';
  append_errors(message, event.errors);
  return {{refused_on_purpose(event.errors) ? LogLevel::warn : LogLevel::error, std::move(message)}};
}

}  // namespace

std::vector<std::string> change_lines(const std::vector<Change>& changes) {
  std::vector<std::string> lines;
  lines.reserve(changes.size());
  for (const Change& change : changes) lines.push_back(to_line(change));
  return lines;
}

std::string format_changes(const std::vector<Change>& changes) {
  std::string out;
  for (const Change& change : changes) {
    out += to_line(change);
    out += '\n';
  }
  return out;
}

std::vector<LogRecord> log_records(const Event& event) {
  const std::string_view type = event.type;
  if (type == event_type::completed) return describe_completed(event);
  if (type == event_type::failed) return describe_failed(event);
  if (type == event_type::started) return {{LogLevel::debug, header(event, "started")}};
  if (type == event_type::rolled_back) {
    std::string message = header(event, "rolled back");
    if (!event.module.empty()) message += " (module " + event.module + ")";
    if (!event.reason.empty()) message += ": " + event.reason;
    return {{LogLevel::warn, std::move(message)}};
  }
  if (type == event_type::module_completed) {
    return {{LogLevel::debug, header(event, "module " + event.module + " applied") + " in " +
                                  milliseconds(event.duration)}};
  }
  if (type == event_type::skipped) {
    return {{LogLevel::info, "reload skipped (trigger " + std::string(to_string(event.trigger)) + ")" +
                                 (event.reason.empty() ? std::string() : ": " + event.reason)}};
  }
  if (type == event_type::deferral_overdue) {
    return {{LogLevel::warn, "reload overdue, held off by deferrals" +
                                 (event.reason.empty() ? std::string() : ": " + event.reason)}};
  }
  if (type == event_type::file_changed) return {{LogLevel::debug, "file changed: " + joined(event.files)}};
  if (type == event_type::file_missing) {
    std::string message = "file missing: " + joined(event.files);
    append_errors(message, event.errors);
    return {{LogLevel::warn, std::move(message)}};
  }
  if (type == event_type::watch_fallback || type == event_type::watch_error) {
    const bool fallback = type == event_type::watch_fallback;
    std::string message = fallback ? "watcher polls from now on" : "watcher failed (" + event.reason + ")";
    append_errors(message, event.errors);
    return {{fallback ? LogLevel::warn : LogLevel::error, std::move(message)}};
  }
  return {};
}

Subscription log_events(EventBus& events, LogSink& sink) {
  return events.subscribe([&sink](const Event& event) {
    for (const LogRecord& record : log_records(event)) sink.log(record.level, record.message);
  });
}

}  // namespace hotreload
