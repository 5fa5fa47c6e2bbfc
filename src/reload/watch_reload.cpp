#include "hotreload/watch_reload.hpp"

namespace hotreload {

bool publish_file_changes(EventBus& events, const std::vector<FileChange>& changes) {
  bool reload = false;
  for (const FileChange& change : changes) {
    const bool missing = change.kind == FileChange::Kind::missing;
    Event event;
    event.type = std::string(missing ? event_type::file_missing : event_type::file_changed);
    event.trigger = Trigger::file;
    event.files = {change.path};
    if (missing) {
      event.errors.push_back({ErrorCode::io, "file is missing; the last good config stays live", {change.path, 0, 0}, ""});
    }
    events.publish(std::move(event));
    reload = reload || !missing;
  }
  return reload;
}

std::vector<std::string> layer_files(const LayerOptions& layers) {
  std::vector<std::string> files;
  for (const LayerSpec& spec : layers.files) {
    if (!spec.source) files.push_back(spec.path);
  }
  return files;
}

}  // namespace hotreload
