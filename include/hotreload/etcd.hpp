// etcd as a layer source: one key holding a whole YAML/JSON/TOML document, or a key prefix mapped
// to a tree (/app/database/max_conns -> database.max_conns, each value a YAML plain scalar).
//
//   auto source = std::make_shared<hotreload::EtcdSource>(*hotreload::parse_etcd_url(
//       "etcd://127.0.0.1:2379/app/"));
//   (void)source->sync();                      // read now; if etcd is down the layer is empty
//   options.layers.files = {{"defaults.yaml"}, {.path = source->name(), .source = source}};
//   hotreload::Reloader<Config> reloader(options);
//   auto watching = hotreload::watch_sources(reloader);   // watch_sources.hpp: etcd and every other source
//
// The source talks to etcd v3's JSON gateway over HTTP(S) with cpp-httplib (docs/ETCD.md says
// why): a range at a revision, then a streaming watch from the next revision, so no update is
// lost in between. It keeps the layer's keys in memory; load() builds the layer from them and
// never touches the network. Every loaded Source carries the revision the state was read at
// (Source::version, "42"). Faults: etcd down (the layer serves what it last read, empty before
// the first read; retried with backoff), a lost connection (reconnect, resume from the last seen
// revision), a compacted revision (read the whole range again, then watch again), an invalid
// document (load() fails naming the key and its revision, so the old config stays live). With
// several members (etcd://H1:P1,H2:P2,H3:P3/KEY) it uses one at a time and fails over to the next
// when that one fails or has no leader, resuming the watch from the last revision seen.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotreload/backoff.hpp"
#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/layer_source.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

// One member of an etcd cluster: where its client URL listens.
struct EtcdEndpoint {
  std::string host{};
  int port = 2379;

  // "HOST:PORT" (an IPv6 host in brackets), for URLs and messages.
  std::string text() const;
  bool operator==(const EtcdEndpoint&) const = default;
};

// etcd://HOST:PORT/KEY (one document) or etcd://HOST:PORT/PREFIX/ (a tree: the trailing slash).
// Several members of one cluster: etcd://H1:P1,H2:P2,H3:P3/KEY; the source reads and watches
// through one at a time and fails over to the next when it fails (docs/ETCD.md).
struct EtcdLocation {
  std::vector<EtcdEndpoint> endpoints{};  // at least one, no duplicates, in the order given
  std::string key{};                      // "/app/config.yaml", or "/app/" for a prefix

  bool is_prefix() const { return !key.empty() && key.back() == '/'; }
  // "etcd://H1:P1,H2:P2/KEY" as parsed (IPv6 hosts in brackets): the layer's stable name,
  // whichever member is in use.
  std::string url() const;
};

// True when `text` starts with "etcd://": where a file path is accepted, such text is an etcd layer.
bool is_etcd_url(std::string_view text);
// Errors (usage): no host, a port that is not 1..65535, no key, an empty key segment ("//"), and
// in a list of members an empty member, a bad port or a duplicate, each naming the member.
Result<EtcdLocation> parse_etcd_url(std::string_view url);

struct EtcdTls {
  bool enabled = false;      // https; implied by any file below
  std::string ca_file{};     // verify the server against this CA (else the system store)
  std::string cert_file{};   // client certificate and key, for clusters that require them
  std::string key_file{};
};

struct EtcdOptions {
  EtcdTls tls{};
  // With a username, the source authenticates (POST /v3/auth/authenticate) and sends the token
  // on every request, authenticating again on each reconnect. The password is never printed.
  std::string username{};
  std::string password{};
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};  // a range, an authentication
  // A watch that receives nothing for this long is reconnected (and resumed): it notices a peer
  // that vanished without closing the connection. Also bounds how long an idle stream lives.
  std::chrono::milliseconds watch_idle_timeout{std::chrono::minutes(10)};
  // Reconnect and retry waits: base * 2^(n-1) up to cap, jittered; reset once a watch is created.
  BackoffOptions reconnect{.enabled = true,
                           .base = std::chrono::milliseconds(200),
                           .cap = std::chrono::milliseconds(10000),
                           .jitter = 0.2};
  // on_change runs once the layer has been quiet this long (at most max_debounce after the
  // first change of a burst): a burst of writes becomes one reload of the final state.
  std::chrono::milliseconds debounce{100};
  std::chrono::milliseconds max_debounce{2000};
  // A document key's format; nullopt: from the key's extension (.yaml, .yml, .json, .toml), else YAML.
  std::optional<Format> format{};
  ParseOptions parse{};
  // A document key that does not exist is an empty layer rather than an error.
  bool optional = false;
};

// What a source knows about its connection, for status output and tests.
struct EtcdStatus {
  bool synced = false;          // the range has been read at least once
  bool watching = false;        // a watch stream is established now
  std::int64_t revision = 0;    // the revision the cached state reflects (0 before a read)
  unsigned connects = 0;        // watch streams established so far
  unsigned compactions = 0;     // times the watch revision was compacted and the range re-read
  std::string endpoint{};       // the member in use now ("127.0.0.1:2379")
  unsigned failovers = 0;       // times a failing member was left for the next one
  std::optional<Error> last_error{};  // the last failure, cleared by the next success
};

// Thread-safety: every member may be called from any thread. The source owns two threads once
// started (the watch and the debounce that calls on_change), both stopped and joined by stop()
// and the destructor; stop() is prompt (it shuts the watch's socket down). on_change and on_error
// run on those threads and must not call stop(). After stop() the source no longer talks to
// etcd (sync() fails); load() keeps serving what it last read.
class EtcdSource final : public LayerSource {
 public:
  using ChangeCallback = std::function<void()>;
  using ErrorCallback = std::function<void(const Error&)>;

  explicit EtcdSource(EtcdLocation location, EtcdOptions options = {});
  ~EtcdSource() override;
  EtcdSource(const EtcdSource&) = delete;
  EtcdSource& operator=(const EtcdSource&) = delete;

  // Reads the key or prefix now (blocking up to the timeouts) and caches it. An io error names
  // the URL when etcd cannot be reached; the cache keeps what it had.
  Result<void> sync() override;
  // Starts watching: first a range if none succeeded yet (retried with backoff), then a watch
  // from the cached revision + 1. Calls on_change (debounced) whenever the cached state changed
  // and on_error for each failure (etcd down, connection lost, a bad stream). Once only: a second
  // call does nothing. Fails with ErrorCode::usage, starting nothing, for a negative debounce or
  // max_debounce.
  Result<void> start(ChangeCallback on_change, ErrorCallback on_error = {});
  void stop();
  // LayerSource's watch: start() reporting the revision of each change; dropping the handle
  // stop()s the source. The source must outlive the handle.
  std::unique_ptr<SourceWatch> watch(SourceListener listener) override;

  // The cached layer. A tree: one Source per key ("etcd://h:p/app/database/max_conns"); a
  // document: the parsed value. Every Source's version is the revision. Errors: an invalid
  // document, a missing document key (unless optional), a key that cannot be a path (an empty
  // segment, a key that is both a value and a parent), each naming the key and its revision.
  Result<Document, Errors> load() const override;
  std::string name() const override;
  std::string kind() const override { return "etcd"; }

  EtcdStatus status() const;
  const EtcdLocation& location() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace hotreload
