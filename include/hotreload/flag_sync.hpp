// FlagSyncServer: serves flags over flagd's sync protocol (gRPC service flagd.sync.v1.FlagSyncService),
// so that flagd providers in in-process mode, in any language, and flagd itself take their flag
// definitions from hotreload and evaluate them locally. What it serves is whatever its owner
// publishes: publish only flags that passed validation, and a bad edit never reaches a client.
//
//   auto sync = hotreload::FlagSyncServer::start({.port = 8015}, {.merged = json_text});
//   ...
//   sync.value()->publish({.merged = new_json_text});   // every stream receives it
//
// - SyncFlags: the full configuration when a client connects, and again after every publish()
//   (a client that is slow to read skips to the newest; it never sees a stale one after a newer).
// - FetchAllFlags: the current configuration once. GetMetadata (deprecated upstream): an empty struct.
// - The "flagd-selector" request header (or the deprecated selector field) picks one source by
//   the name it was published under; no selector means the merged configuration; an unknown
//   selector is NOT_FOUND, naming the ones served.
// - Keepalive: clients may ping every min_ping_interval without data (flagd's providers ping every
//   30 s by default; gRPC's own server default of 5 min would close them with too_many_pings).
//
// Built only with the HOTRELOAD_GRPC option (on by default); link hotreload::flag_sync.
// Thread safety: publish() and the accessors may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hotreload/error.hpp"
#include "hotreload/metrics.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

struct FlagSyncOptions {
  std::string host = "127.0.0.1";
  int port = 0;                // 0 picks a free port (see port())
  bool allow_remote = false;   // a host that is not loopback needs it
  std::chrono::milliseconds min_ping_interval{10'000};  // the shortest client ping interval tolerated
  std::chrono::milliseconds keepalive_time{60'000};     // the server pings idle clients this often
  std::size_t max_streams = 1024;  // SyncFlags streams at once; beyond it: RESOURCE_EXHAUSTED
  // When set, registers hotreload_flag_sync_streams (SyncFlags streams open) and
  // hotreload_flag_sync_publishes_total (publish() calls). It must outlive the server.
  MetricsRegistry* metrics = nullptr;
};

// What is served, as flagd flag definition documents (JSON text).
struct FlagSyncContent {
  std::string merged;  // for clients without a selector
  std::vector<std::pair<std::string, std::string>> sources{};  // (selector, document), in order
};

class FlagSyncServer {
 public:
  // Listens on host:port. Errors: a host that is not loopback without allow_remote, a port out of
  // range (ErrorCode::usage), an address that cannot be bound (ErrorCode::io).
  static Result<std::unique_ptr<FlagSyncServer>, Error> start(FlagSyncOptions options, FlagSyncContent content);
  FlagSyncServer(const FlagSyncServer&) = delete;
  FlagSyncServer& operator=(const FlagSyncServer&) = delete;
  // Ends every stream (clients see the stream close) and stops serving.
  ~FlagSyncServer();

  // The port it listens on.
  int port() const;
  // Replaces what is served and sends it to every open stream.
  void publish(FlagSyncContent content);
  // How many publish() calls so far (0 before the first): what clients have been offered.
  std::uint64_t version() const;
  // SyncFlags streams open now.
  std::size_t connected_streams() const;

  struct State;  // src/flag_sync/flag_sync_server.cpp

 private:
  explicit FlagSyncServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace hotreload
