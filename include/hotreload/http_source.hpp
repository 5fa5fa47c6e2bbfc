// An HTTP(S) URL as a layer: a config served by a Spring Cloud Config server, an object store,
// or whatever serves flagd's HTTP sync, polled at an interval.
//
//   auto source = std::make_shared<hotreload::HttpSource>("https://config.example/app.yaml",
//                                                         hotreload::HttpSourceOptions{.interval = 10s});
//   options.layers.files = {{"defaults.yaml"}, {.path = source->name(), .source = source}};
//   hotreload::Reloader<Config> reloader(options);
//   auto watching = hotreload::watch_sources(reloader);   // syncs, starts, then polls
//
// Each poll is a conditional GET (If-None-Match with the last ETag, If-Modified-Since with the
// last Last-Modified), so an unchanged document costs a 304 and nothing else. A 200 whose body
// parses becomes the layer's content, its revision the ETag (else Last-Modified, else a hash of
// the body). Faults keep what was last read and are reported to the listener: the server down,
// a timeout, a status other than 200/304 (404 of an optional layer is an empty layer), a body
// cut short or over the size limit, a body that does not parse (each error at its
// url:line:col); polling then backs off until a poll succeeds.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotreload/backoff.hpp"
#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/layer_source.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

// True when `text` starts with "http://" or "https://": where a file path is accepted, such
// text is an HTTP layer.
bool is_http_url(std::string_view text);

struct HttpSourceOptions {
  std::chrono::milliseconds interval{30000};  // between polls
  // Each interval is varied by up to this fraction either way, so a fleet started together does
  // not poll together.
  double jitter = 0.1;
  // Verify the server against this CA file; empty: the system CA store. Always verified.
  std::string ca_file{};
  std::vector<std::pair<std::string, std::string>> headers{};  // sent with every request
  // "Authorization: Bearer <token>" with the file's content (trailing newline removed), read
  // for every request so a rotated token is picked up. Never printed.
  std::string bearer_token_file{};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};  // reading the reply
  // After a failed poll, the next waits base * 2^(n-1) up to cap (jittered) instead of interval.
  BackoffOptions backoff{.enabled = true,
                         .base = std::chrono::milliseconds(1000),
                         .cap = std::chrono::milliseconds(300000),
                         .jitter = 0.2};
  // The document's format; nullopt: from the URL path's extension, else the Content-Type
  // (application/json, application/yaml, application/toml, text/x-yaml ...).
  std::optional<Format> format{};
  ParseOptions parse{};  // limits.max_file_bytes bounds the body
  bool optional = false;  // a 404 is an empty layer rather than an error
  // Uniform in [0, 1), for the interval's jitter and the backoff's; empty: a seeded PRNG.
  std::function<double()> random{};
};

// What a source knows about its polling, for status output and tests.
struct HttpSourceStatus {
  bool synced = false;          // a poll has succeeded at least once
  std::string revision{};       // of the content served now
  unsigned fetched = 0;         // 200 replies taken
  unsigned not_modified = 0;    // 304 replies
  std::optional<Error> last_error{};  // the last failure, cleared by the next success
};

// Thread-safety: every member may be called from any thread. watch() owns one polling thread,
// stopped and joined when its handle is dropped (promptly: it waits on a condition, and an
// in-flight request ends within the timeouts).
class HttpSource final : public LayerSource {
 public:
  // `url` is http://HOST[:PORT]/PATH[?QUERY] or https://...; a malformed one fails every sync
  // with a usage error (parse_http_url() checks one up front).
  explicit HttpSource(std::string url, HttpSourceOptions options = {});
  ~HttpSource() override;
  HttpSource(const HttpSource&) = delete;
  HttpSource& operator=(const HttpSource&) = delete;

  // One conditional GET now, blocking up to the timeouts. A changed document is cached; an
  // error (naming the URL) leaves the cache as it was.
  Result<void> sync() override;
  // Polls every interval on its own thread; listener.changed(revision) after a 200 that changed
  // the content, listener.failed(error) after each failed poll.
  std::unique_ptr<SourceWatch> watch(SourceListener listener) override;

  // The document last read (every Source's version: its revision); an empty layer before the
  // first read (version "unavailable") or for an optional URL that answered 404.
  Result<Document, Errors> load() const override;
  std::string name() const override;
  std::string kind() const override { return "url"; }

  HttpSourceStatus status() const;

  struct State;  // src/http_source/http_source.cpp

 private:
  std::shared_ptr<State> state_;
};

// Checks an http(s) URL: a scheme, a host, a port in 1..65535 if given. Errors are usage errors.
Result<void> parse_http_url(std::string_view url);

}  // namespace hotreload
