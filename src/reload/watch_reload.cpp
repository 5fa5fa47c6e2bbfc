#include "hotreload/watch_reload.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace hotreload {
namespace {

// A file the watcher cannot read is gone, or there but unreadable (permission denied, a
// directory in its place): say which, so nobody hunts for a file that is right there.
std::string why_unreadable(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return "file cannot be read";
  }
  if (errno == ENOENT) return "file is missing";
  return std::string("file cannot be read: ") + std::strerror(errno);
}

}  // namespace

bool publish_file_changes(EventBus& events, const std::vector<FileChange>& changes) {
  bool reload = false;
  for (const FileChange& change : changes) {
    const bool missing = change.kind == FileChange::Kind::missing;
    Event event;
    event.type = std::string(missing ? event_type::file_missing : event_type::file_changed);
    event.trigger = Trigger::file;
    event.files = {change.path};
    if (missing) {
      event.errors.push_back({ErrorCode::io, why_unreadable(change.path) + "; the last good config stays live", {change.path, 0, 0}, ""});
    }
    events.publish(std::move(event));
    reload = reload || !missing;
  }
  return reload;
}

bool publish_directory_changes(EventBus& events, const std::vector<DirChange>& changes) {
  for (const DirChange& change : changes) {
    Event event;
    event.type = std::string(event_type::file_changed);
    event.trigger = Trigger::file;
    event.files = {change.path};
    event.reason = std::string(to_string(change.kind)) + (change.message.empty() ? "" : ": " + change.message);
    events.publish(std::move(event));
  }
  return !changes.empty();
}

void publish_watch_problem(EventBus& events, const WatchProblem& problem) {
  Event event;
  const bool fallback = problem.kind == WatchProblem::Kind::polling;
  event.type = std::string(fallback ? event_type::watch_fallback : event_type::watch_error);
  event.trigger = Trigger::file;
  event.reason = to_string(problem.kind);
  event.errors.push_back({ErrorCode::io, problem.message, {}, ""});
  events.publish(std::move(event));
}

LayerChangeCallbacks reloading_callbacks(EventBus& events, std::function<void()> reload) {
  return {
      .on_files = [&events, reload](const std::vector<FileChange>& changes) {
        if (publish_file_changes(events, changes)) reload();
      },
      .on_directories = [&events, reload](const std::vector<DirChange>& changes) {
        if (publish_directory_changes(events, changes)) reload();
      },
      .on_problem = [&events](const WatchProblem& problem) { publish_watch_problem(events, problem); },
  };
}

}  // namespace hotreload
