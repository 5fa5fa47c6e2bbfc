// Admin endpoint: an opt-in HTTP server (cpp-httplib) for operators, bound to 127.0.0.1 by default.
//
//   GET  /healthz   200 {"status":"ok"}
//   GET  /metrics   the registry's Prometheus exposition (text/plain; version=0.0.4)
//   GET  /config    {"generation", "config" (secrets redacted), "sources": {"a.b": "layer"},
//                   "sourceVersions": {"etcd://h:p/app/": "42"}}
//   GET  /flags     {"flags": [...FlagSet...], "flagd": {"key": {"value","variant","reason"}}}
//   GET  /events    the last AdminOptions::event_history events, as a CloudEvents JSON array
//   POST /reload    ?sections=a,b optional, body optional and ignored; {"status","reloadId",
//                   "generation","changes","errors","failedModule","skipReason","pendingRestart",
//                   "rolledBack"}: 200 applied or unchanged, 202 deferred, 422 failed, 400 for a
//                   section that is in neither the live config nor the files
// POST needs `Authorization: Bearer <token>` (compared in constant time), checked as soon as the
// request's head arrives, before its body: a missing or wrong token is 401 with WWW-Authenticate
// whatever the body, counted in hotreload_admin_unauthorized_total and audited. With no token
// configured, POST is 403. Other methods on a known path are 405 with Allow, an unknown path 404,
// a Content-Length over max_payload 413 and a malformed one 400 (both at once, the body unread),
// a request target over max_uri 414. Slow clients cannot hold the endpoint: one thread reads
// every connection without blocking, a request must arrive whole within request_timeout (else
// 408, or a silent close if nothing came), and beyond max_connections a connection is answered
// 503 and closed (src/http/server.hpp).
//
//   hotreload::AdminServer admin({.port = 0, .token = *token},
//                                hotreload::admin_sources(reloader, options.fields, &registry));
//   if (auto started = admin.start(); !started) { print(started.error()); return 1; }
//   std::cerr << "admin: listening on " << admin.address() << "\n";
//
// The server is type-erased (AdminSources holds std::functions) so the HTTP code compiles once.
// Thread safety: start() and stop() are idempotent and may be called from any thread; stop()
// (and the destructor) joins the server's threads. The sources are called on the server's
// worker threads, several at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hotreload/audit.hpp"
#include "hotreload/error.hpp"
#include "hotreload/fields.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

class FlagSet;
class FlagdStore;
class MetricsRegistry;

struct AdminOptions {
  std::string host = "127.0.0.1";
  int port = 0;                      // 0: an ephemeral port; see AdminServer::port()
  std::string token{};               // the bearer token for POST; empty: POST is refused (403)
  bool allow_remote = false;         // a host that is not loopback is refused unless set
  std::size_t max_payload = 64 * 1024;  // a request body; a longer Content-Length is 413 at once
  std::size_t max_uri = 4096;        // request target (path and query) length
  std::size_t max_connections = 128;  // open at once; one more is answered 503 and closed
  std::chrono::milliseconds request_timeout{5000};  // a request's head and body, from the connection's accept
  std::size_t event_history = 100;   // events kept for GET /events
  std::string event_source = "hotreload://admin";  // the CloudEvents source of /events
};

// Where each endpoint gets its data. An empty function (or null pointer) makes its endpoint 404.
struct AdminSources {
  std::function<nlohmann::ordered_json()> config{};
  std::function<ReloadOutcome(const std::vector<std::string>& sections)> reload{};
  std::function<nlohmann::ordered_json()> flags{};
  MetricsRegistry* metrics = nullptr;  // also gets hotreload_admin_unauthorized_total
  EventBus* events = nullptr;          // subscribed by the constructor for GET /events
  AuditLog* audit = nullptr;           // unauthorized requests; http reloads are attributed to the peer
};

// The effective config with secrets redacted, and which layer set each leaf.
nlohmann::ordered_json config_json(const Document& document, const FieldRules& fields, std::uint64_t generation);
// A reload outcome as POST /reload returns it; changes are already redacted by the reloader.
nlohmann::ordered_json outcome_json(const ReloadOutcome& outcome);
// The state of every flag in either source (both optional).
nlohmann::ordered_json flags_json(const FlagSet* flags, const FlagdStore* flagd);

// Compares in time that depends only on the lengths, not on where the contents differ.
bool constant_time_equal(std::string_view a, std::string_view b);
// The rules for an admin token: at least kMinTokenBytes bytes of visible ASCII, no spaces.
inline constexpr std::size_t kMinTokenBytes = 16;
inline constexpr std::size_t kMaxTokenFileBytes = 4096;
Result<void> check_token(std::string_view token);
// A bearer token from a file (surrounding whitespace and the final newline trimmed). Refused, with
// an error naming the path and what is wrong, never the content: a file that cannot be read, that
// is not a regular file (a directory, /dev/zero, a FIFO), that other users can read or write (any
// group or other permission bit: chmod 600), over kMaxTokenFileBytes, empty, or whose token
// breaks check_token().
Result<std::string> read_token_file(const std::string& path);
// A bearer token from an environment variable: nullopt when unset or empty, an error naming the
// variable when the token breaks check_token().
Result<std::optional<std::string>> token_from_env(const char* name = "HOTRELOAD_ADMIN_TOKEN");
// "127.0.0.1:8080", "localhost:0" or "[::1]:9000" into host and port (0..65535).
Result<std::pair<std::string, int>> parse_admin_address(std::string_view address);
// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(std::string_view host);

// The sources of one reloader. `fields` must be the reloader's ReloadOptions::fields: /config
// redacts with them. A POST /reload runs reload_sections(sections, Trigger::http) on the request's
// thread.
template <class T>
AdminSources admin_sources(Reloader<T>& reloader, FieldRules fields, MetricsRegistry* metrics = nullptr,
                           const FlagSet* flags = nullptr, const FlagdStore* flagd = nullptr) {
  AdminSources sources;
  sources.config = [&reloader, fields = std::move(fields)] {
    auto document = reloader.document();
    return document ? config_json(*document, fields, reloader.generation()) : nlohmann::ordered_json(nullptr);
  };
  sources.reload = [&reloader](const std::vector<std::string>& sections) {
    return reloader.reload_sections(sections, Trigger::http);
  };
  if (flags != nullptr || flagd != nullptr) sources.flags = [flags, flagd] { return flags_json(flags, flagd); };
  sources.metrics = metrics;
  sources.events = &reloader.events();
  return sources;
}

class AdminServer {
 public:
  AdminServer(AdminOptions options, AdminSources sources);
  ~AdminServer();  // stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds and starts serving; returns once the server accepts connections. Errors: a host that
  // is not loopback without allow_remote, a token that breaks check_token() (usage), a port
  // that cannot be bound (io).
  Result<void> start();
  void stop();
  bool running() const;

  // The bound port (the ephemeral one for port 0), and "host:port"; 0 / "" before start().
  int port() const;
  std::string address() const;
  // Requests refused for a missing or wrong token.
  std::uint64_t unauthorized_count() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hotreload
