// Audit log: one JSON line per reload attempt (who asked, which files with their SHA-256, what
// changed with secrets redacted, and the outcome), plus one per refused admin request.
//
//   auto audit = hotreload::AuditLog::open_file("/var/log/app/reload-audit.jsonl");
//   if (!audit) { print(audit.error()); return 1; }
//   auto recording = (*audit)->attach(reloader.events());   // before start(): records the initial load
//
// A reload record:
//   {"time":"2024-05-01T12:00:00.123456Z","kind":"reload","reloadId":3,"trigger":"http",
//    "who":"127.0.0.1:51234","files":[{"path":"config.yaml","sha256":"9f86..."}],
//    "outcome":"applied","generation":3,"changes":[{"path","op","old","new"}],"errors":[],
//    "failedModule":null,"skipReason":null,"sourceVersions":{}}
// outcome is applied, unchanged, failed or skipped. who is the HTTP peer for trigger http (when the
// reload ran inside an http_peer() scope on the reloading thread, as the admin server does; else
// "http"), "signal" for signal, the changed files' paths (comma-separated) for file, the source's
// kind for another source ("etcd", "url"), and "api" otherwise. sourceVersions: the revision each
// remote layer was read at, as in the events. A file's sha256 is that of its bytes when the record is written; null if unreadable.
// An unauthorized admin request:
//   {"time":...,"kind":"admin.unauthorized","who":"127.0.0.1:51236","method":"POST",
//    "path":"/reload","reason":"missing bearer token"}
// Records carry values only as the reloader's redacted changes do: a secret never appears.
//
// Thread safety: every member may be called from any thread; lines never interleave.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/events.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

// SHA-256 as 64 lowercase hex digits (OpenSSL's libcrypto).
std::string sha256_hex(std::string_view bytes);
// The SHA-256 of a file's content; nullopt when it cannot be read.
std::optional<std::string> sha256_file(const std::string& path);

class AuditLog {
 public:
  // Receives each record as one line without its trailing newline.
  using Writer = std::function<void(std::string_view line)>;

  explicit AuditLog(Writer writer);
  // Appends to `path`, creating it with mode 0600; one write(2) per record. An ErrorCode::io
  // error names the path when it cannot be opened. A write that fails later (ENOSPC: the disk
  // filled) loses that record but never fails a reload: the first failure of a run of them, and
  // the recovery, are reported on stderr, and lost_records() counts them. A record cut short
  // by a full disk is ended with a newline before the next one, so every later line parses.
  static Result<std::unique_ptr<AuditLog>> open_file(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Records every reload attempt published on `bus` while the subscription lives. The
  // subscription must be dropped before this log is destroyed.
  [[nodiscard]] Subscription attach(EventBus& bus);
  // What attach() feeds: reload.started, validated, completed, failed, skipped and file.changed.
  void observe(const Event& event);

  // Records open_file's log could not write (a writer given to the constructor reports its own).
  std::uint64_t lost_records() const;

  void record_unauthorized(std::string_view peer, std::string_view method, std::string_view path,
                           std::string_view reason);

  // While the returned scope lives, http-triggered reloads that run on this thread are attributed
  // to `peer` ("address:port"). Scopes nest; each must end on the thread that opened it.
  class [[nodiscard]] PeerScope {
   public:
    explicit PeerScope(std::string peer);
    ~PeerScope();
    PeerScope(const PeerScope&) = delete;
    PeerScope& operator=(const PeerScope&) = delete;

   private:
    std::string peer_;
    const std::string* previous_;
  };
  static PeerScope http_peer(std::string peer) { return PeerScope(std::move(peer)); }

 private:
  void write_line(const std::string& line);

  struct Attempt {
    std::vector<std::string> files;
    std::string who;
  };
  Writer writer_;
  int fd_ = -1;                  // open_file's descriptor, closed by the destructor
  std::string path_;             // open_file's path, for the stderr reports
  mutable std::mutex write_mu_;  // serialises writer_ and fd_ writes; guards the three below
  std::uint64_t lost_ = 0;       // records not written, in total
  std::uint64_t lost_in_run_ = 0;  // since the last successful write
  bool line_cut_ = false;        // the last record stopped mid-line
  std::mutex mu_;        // guards the fields below
  std::map<std::uint64_t, Attempt> attempts_;    // started, not yet recorded, by reload id
  std::vector<std::string> changed_files_;       // file.changed paths since the last file reload
};

}  // namespace hotreload
