// OFREP, the OpenFeature Remote Evaluation Protocol: serves the flags of a FlagdStore over HTTP
// so that any OpenFeature SDK with an OFREP provider evaluates them (Node, Go, Java, Python...).
//
//   POST /ofrep/v1/evaluate/flags/{key}  {"context": {"targetingKey": "u1", ...}}
//        200 {"key","value"?,"variant"?,"reason","metadata"?}  (no value: use the code default,
//            for a disabled flag or one without a default variant)
//        400 {"key","errorCode","errorDetails"}  PARSE_ERROR, TARGETING_KEY_MISSING,
//            INVALID_CONTEXT or GENERAL;  404 FLAG_NOT_FOUND
//   POST /ofrep/v1/evaluate/flags        every flag: 200 {"flags": [...], "metadata"?,
//        "eventStreams": [the SSE stream]} with an ETag; If-None-Match with it: 304
//   GET  /ofrep/v1/events                Server-Sent Events: {"type":"refetchEvaluation",...}
//                                        after each announced change
//   GET  /healthz, GET /metrics          unauthenticated
//
// Request errors are 400 with {"errorCode","errorDetails"} (and "key" on the single-flag
// route): PARSE_ERROR for a body that is not JSON; INVALID_CONTEXT for a body that is not
// {"context": {...}}, a targetingKey that is not a string, or a context over the size or depth
// limits (a body over max_body is refused from its Content-Length, unread);
// TARGETING_KEY_MISSING without a targetingKey when require_targeting_key is set. With a token
// configured, every /ofrep/ request needs it as `Authorization: Bearer <token>` or
// `X-API-Key: <token>`: none is 401, a wrong one 403, decided from the head before the body.
//
// The bulk ETag is a hash of the response body: it changes exactly when what this context sees
// changes, and a client that changes its context is never told 304 for another context's flags.
//
//   hotreload::FlagdStore flags;                    // loaded and reloaded by the caller
//   hotreload::OfrepServer ofrep(flags, {.port = 8016});
//   if (auto started = ofrep.start(); !started) die(started.error());
//   flags.replace(next);  ofrep.flags_changed();    // event-stream clients re-fetch
//
// Thread safety: start(), stop() and flags_changed() may be called from any thread; stop() (and
// the destructor) joins the server's threads. The store (and the registry) must outlive the
// server; a registry serves one OfrepServer (its stream gauge is registered once).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "hotreload/flagd.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

class MetricsRegistry;

struct OfrepOptions {
  std::string host = "127.0.0.1";
  int port = 0;                // 0: an ephemeral port; see OfrepServer::port()
  bool allow_remote = false;   // a host that is not loopback is refused unless set
  std::string token{};         // empty: no authentication; else check_token()'s rules (admin.hpp)
  bool require_targeting_key = false;  // the spec's context requires one; flagd does not
  std::size_t max_body = 64 * 1024;    // bytes of a request body
  std::size_t max_context_values = 1000;  // keys, items and scalars of the context, all counted
  std::size_t max_context_depth = 16;     // nesting of objects and arrays in the context
  std::size_t max_connections = 128;
  std::size_t max_streams = 32;           // event-stream clients at once
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds stream_keepalive{15000};  // an SSE comment when nothing else was sent; 0: none
  std::size_t workers = 4;
};

class OfrepServer {
 public:
  // `metrics` (optional) gets hotreload_ofrep_evaluations_total{flag,reason,error_code},
  // hotreload_ofrep_requests_total{route,status} and the stream gauge, and is served at /metrics.
  OfrepServer(const FlagdStore& flags, OfrepOptions options, MetricsRegistry* metrics = nullptr);
  ~OfrepServer();  // stop()
  OfrepServer(const OfrepServer&) = delete;
  OfrepServer& operator=(const OfrepServer&) = delete;

  // Binds and serves; returns once connections are accepted. Errors: a non-loopback host without
  // allow_remote or a token that breaks check_token() (usage), a port that cannot be bound (io).
  Result<void> start();
  void stop();

  // Tells every event-stream client to re-fetch; call after each change published to the store.
  void flags_changed();

  int port() const;             // 0 before start()
  std::string address() const;  // "host:port"
  std::size_t stream_count() const;  // event-stream clients connected now

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hotreload
