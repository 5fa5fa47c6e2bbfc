#include "hotreload/audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hotreload/json.hpp"
#include "hotreload/json_text.hpp"

namespace hotreload {
namespace {

// The peer of the http reload running on this thread, set by AuditLog::PeerScope. The event bus
// delivers a reload's events on the thread that runs it, which is the one that opened the scope.
thread_local const std::string* current_peer = nullptr;

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += ", ";
    out += part;
  }
  return out;
}

nlohmann::ordered_json null_if_empty(const std::string& text) {
  return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

// One write(2), so the line does not interleave with other stderr output.
void report_on_stderr(std::string message) {
  message += '\n';
  (void)!::write(STDERR_FILENO, message.data(), message.size());
}

}  // namespace

AuditLog::PeerScope::PeerScope(std::string peer) : peer_(std::move(peer)), previous_(current_peer) {
  current_peer = &peer_;
}

AuditLog::PeerScope::~PeerScope() { current_peer = previous_; }

AuditLog::AuditLog(Writer writer) : writer_(std::move(writer)) {}

Result<std::unique_ptr<AuditLog>> AuditLog::open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return unexpected(Error{ErrorCode::io, std::string("cannot open the audit log: ") + std::strerror(errno),
                            {path, 0, 0}, {}});
  }
  auto log = std::make_unique<AuditLog>(Writer{});
  log->fd_ = fd;
  log->path_ = path;
  return log;
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

Subscription AuditLog::attach(EventBus& bus) {
  return bus.subscribe([this](const Event& event) { observe(event); });
}

void AuditLog::observe(const Event& event) {
  const std::string_view type = event.type;
  if (type == event_type::file_changed) {
    std::lock_guard lock(mu_);
    changed_files_.insert(changed_files_.end(), event.files.begin(), event.files.end());
    return;
  }
  if (type == event_type::started) {
    Attempt attempt;
    attempt.files = event.files;
    if (event.trigger == Trigger::http) {
      attempt.who = current_peer != nullptr ? *current_peer : "http";
    } else if (event.trigger == Trigger::signal) {
      attempt.who = "signal";
    } else if (event.trigger == Trigger::file) {
      std::lock_guard lock(mu_);
      attempt.who = changed_files_.empty() ? join(event.files) : join(changed_files_);
      changed_files_.clear();
    } else if (event.trigger.automatic()) {
      attempt.who = event.trigger.name();  // a source: "etcd", "url"
    } else {
      attempt.who = "api";
    }
    std::lock_guard lock(mu_);
    attempts_[event.reload_id] = std::move(attempt);
    return;
  }

  const char* outcome = nullptr;
  if (type == event_type::completed) {
    outcome = event.status == "unchanged" ? "unchanged" : "applied";
  } else if (type == event_type::failed) {
    outcome = "failed";
  } else if (type == event_type::skipped) {
    outcome = "skipped";
  } else {
    return;
  }

  Attempt attempt;
  {
    std::lock_guard lock(mu_);
    if (auto found = attempts_.find(event.reload_id); found != attempts_.end()) {
      attempt = std::move(found->second);
      attempts_.erase(found);
    }
  }
  if (attempt.who.empty()) {
    // A skipped reload has no started event.
    attempt.who = event.trigger == Trigger::signal ? "signal"
                  : event.trigger == Trigger::http ? (current_peer != nullptr ? *current_peer : "http")
                  : event.trigger == Trigger::file ? join(event.files)
                                                   : "api";
  }

  nlohmann::ordered_json record;
  record["time"] = to_rfc3339(event.time);
  record["kind"] = "reload";
  record["reloadId"] = event.reload_id;
  record["trigger"] = to_string(event.trigger);
  record["who"] = attempt.who;
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const std::string& file : attempt.files) {
    std::optional<std::string> hash = sha256_file(file);
    files.push_back({{"path", file}, {"sha256", hash ? nlohmann::ordered_json(*hash) : nlohmann::ordered_json(nullptr)}});
  }
  record["files"] = std::move(files);
  record["outcome"] = outcome;
  if (type == event_type::completed) record["generation"] = event.generation;
  nlohmann::ordered_json changes = nlohmann::ordered_json::array();
  for (const Change& change : event.changes) changes.push_back(to_json(change));
  record["changes"] = std::move(changes);
  nlohmann::ordered_json errors = nlohmann::ordered_json::array();
  for (const Error& error : event.errors) errors.push_back(to_json(error));
  record["errors"] = std::move(errors);
  record["failedModule"] = type == event_type::failed ? null_if_empty(event.module) : nlohmann::ordered_json(nullptr);
  record["skipReason"] = type == event_type::skipped ? null_if_empty(event.reason) : nlohmann::ordered_json(nullptr);
  // The revision each remote layer was read at (an etcd revision, an HTTP ETag); {} for files only.
  nlohmann::ordered_json versions = nlohmann::ordered_json::object();
  for (const auto& [layer, version] : event.source_versions) versions[layer] = version;
  record["sourceVersions"] = std::move(versions);
  write_line(dump_json(record));
}

void AuditLog::record_unauthorized(std::string_view peer, std::string_view method, std::string_view path,
                                   std::string_view reason) {
  nlohmann::ordered_json record;
  record["time"] = to_rfc3339(std::chrono::system_clock::now());
  record["kind"] = "admin.unauthorized";
  record["who"] = std::string(peer);
  record["method"] = std::string(method);
  record["path"] = std::string(path);
  record["reason"] = std::string(reason);
  write_line(dump_json(record));
}

std::uint64_t AuditLog::lost_records() const {
  std::lock_guard lock(write_mu_);
  return lost_;
}

void AuditLog::write_line(const std::string& line) {
  std::lock_guard lock(write_mu_);
  if (writer_) {
    writer_(line);
    return;
  }
  if (fd_ < 0) return;
  // After a record cut short, a newline first: the torn record stays one bad line.
  std::string out = (line_cut_ ? "\n" : "") + line + '\n';
  std::size_t written = 0;
  int error = 0;
  while (written < out.size()) {
    ssize_t n = ::write(fd_, out.data() + written, out.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : ENOSPC;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (error == 0) {
    line_cut_ = false;
    if (lost_in_run_ > 0) {
      report_on_stderr("hotreload: the audit log " + path_ + " is written again; " + std::to_string(lost_in_run_) +
                       " records were lost");
      lost_in_run_ = 0;
    }
    return;
  }
  // A full disk must not stop reloads: the record is lost, counted, and the first loss reported.
  if (written > 0) line_cut_ = out[written - 1] != '\n';
  ++lost_;
  if (lost_in_run_++ == 0) {
    report_on_stderr("hotreload: cannot write the audit log " + path_ + ": " + std::strerror(error) +
                     "; records are lost until a write succeeds");
  }
}

}  // namespace hotreload
