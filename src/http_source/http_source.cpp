// The HTTP source: conditional GETs with cpp-httplib, a cached document, one polling thread.
#include "hotreload/http_source.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <sstream>
#include <stop_token>
#include <thread>

#include "net/http_client.hpp"

namespace hotreload {

bool is_http_url(std::string_view text) { return text.starts_with("http://") || text.starts_with("https://"); }

namespace {

using detail::net::split_http_url;
using Url = detail::net::HttpUrl;


// "application/json; charset=utf-8" -> json, "application/x-yaml" and "text/yaml" -> yaml.
std::optional<Format> format_from_content_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  const std::size_t slash = type.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view subtype = type.substr(slash + 1);
  while (!subtype.empty() && subtype.back() == ' ') subtype.remove_suffix(1);
  if (subtype.starts_with("x-")) subtype.remove_prefix(2);
  return parse_format(subtype);
}

std::string hex_hash(std::string_view body) {
  char text[20];
  std::snprintf(text, sizeof text, "%016zx", std::hash<std::string_view>{}(body));
  return text;
}

Document empty_layer(const std::string& url, std::string version) {
  Document doc;
  doc.root = Object{};
  doc.add_source({url, url, std::nullopt, std::move(version)});
  return doc;
}

// What one poll found.
enum class Poll { changed, unchanged, failed };

}  // namespace

struct HttpSource::State {
  State(std::string url_text, HttpSourceOptions opts) : url(std::move(url_text)), options(std::move(opts)) {
    if (!options.random) {
      auto engine = std::make_shared<std::mt19937>(std::random_device{}());
      options.random = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
    }
  }

  const std::string url;
  HttpSourceOptions options;

  mutable std::mutex mu;
  std::optional<Document> document;  // guarded by mu: the last content read
  HttpSourceStatus status;           // guarded by mu
  std::string etag;                  // guarded by mu: validators for the next conditional GET
  std::string last_modified;         // guarded by mu
  std::string body_hash;             // guarded by mu: of the body cached, to ignore identical 200s

  std::mutex fetch_mu;  // one request at a time: sync() and the poller share the validators

  Error failure(const std::string& why) const {
    return Error{ErrorCode::io, "GET " + url + ": " + why, {url, 0, 0}, {}};
  }

  Result<std::string> bearer_token() const {
    std::ifstream in(options.bearer_token_file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string token = text.str();
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
    if (!in || token.empty()) {
      return unexpected(Error{ErrorCode::io, "cannot read a bearer token from this file", {options.bearer_token_file, 0, 0}, {}});
    }
    return token;
  }

  Result<Format> format_of(const Url& parts, const httplib::Response& reply) const {
    if (options.format) return *options.format;
    if (auto by_path = format_from_path(parts.file)) return *by_path;
    if (auto by_type = format_from_content_type(reply.get_header_value("Content-Type"))) return *by_type;
    return unexpected(failure("cannot tell the document's format: the path has no .yaml, .json or .toml extension and "
                              "the Content-Type is \"" + reply.get_header_value("Content-Type") +
                              "\" (give the layer a format)"));
  }

  // One conditional GET; a new document is parsed and cached before it counts as changed. A stop
  // request on `stop` (the watch ending) cuts the GET short.
  Result<Poll> fetch(std::stop_token stop) {
    std::lock_guard serial(fetch_mu);
    auto parts = split_http_url(url);
    if (!parts) return unexpected(parts.error());
    httplib::Client client(parts->base);
    if (parts->https) {
      client.enable_server_certificate_verification(true);
      if (!options.ca_file.empty()) client.set_ca_cert_path(options.ca_file);
    }
    detail::net::set_timeouts(client, options.connect_timeout, options.request_timeout, options.request_timeout);
    client.set_keep_alive(false);
    // Not followed: cpp-httplib 0.11 treats a 304 as a redirect to follow and fails it.
    client.set_follow_location(false);

    httplib::Headers headers(options.headers.begin(), options.headers.end());
    {
      std::lock_guard lock(mu);
      if (!etag.empty()) headers.emplace("If-None-Match", etag);
      if (!last_modified.empty()) headers.emplace("If-Modified-Since", last_modified);
    }
    if (!options.bearer_token_file.empty()) {
      auto token = bearer_token();
      if (!token) return unexpected(token.error());
      headers.emplace("Authorization", "Bearer " + *token);
    }

    const std::size_t limit = options.parse.limits.max_file_bytes;
    std::string body;
    bool too_large = false;
    detail::net::SigpipeGuard no_sigpipe;
    const auto cancel = detail::net::cancel_on_stop(client, std::move(stop));
    httplib::Result reply = client.Get(parts->path, headers, [&](const char* data, std::size_t length) {
      if (body.size() + length > limit) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    if (too_large) return unexpected(failure("the document is over the " + std::to_string(limit) + "-byte limit"));
    if (!reply) return unexpected(failure(detail::net::describe(reply.error(), "the server")));
    if (reply->status == 304) {
      std::lock_guard lock(mu);
      ++status.not_modified;
      status.last_error.reset();
      return Poll::unchanged;
    }
    if (reply->status >= 300 && reply->status < 400 && reply->has_header("Location")) {
      return unexpected(failure("the server answered HTTP " + std::to_string(reply->status) + ", a redirect to " +
                                reply->get_header_value("Location") + " (give that URL as the layer)"));
    }
    if (reply->status == 404 && options.optional) return cache(empty_layer(url, "absent"), "absent", *reply, "");
    if (reply->status != 200) return unexpected(failure("the server answered HTTP " + std::to_string(reply->status)));

    auto format = format_of(*parts, *reply);
    if (!format) return unexpected(format.error());
    auto parsed = parse(body, *format, url, options.parse);
    if (!parsed) return unexpected(std::move(parsed).error());
    std::string revision = reply->get_header_value("ETag");
    if (revision.empty()) revision = reply->get_header_value("Last-Modified");
    const std::string hash = hex_hash(body);
    if (revision.empty()) revision = hash;
    for (Source& source : parsed->sources) source.version = revision;
    return cache(std::move(*parsed), std::move(revision), *reply, hash);
  }

  Poll cache(Document doc, std::string revision, const httplib::Response& reply, const std::string& hash) {
    std::lock_guard lock(mu);
    ++status.fetched;
    status.last_error.reset();
    etag = reply.get_header_value("ETag");
    last_modified = reply.get_header_value("Last-Modified");
    const bool same = status.synced && status.revision == revision && body_hash == hash;
    status.synced = true;
    if (same) return Poll::unchanged;
    status.revision = std::move(revision);
    body_hash = hash;
    document = std::move(doc);
    return Poll::changed;
  }

  Result<Poll> poll_once(std::stop_token stop = {}) {
    auto polled = fetch(std::move(stop));
    if (!polled) {
      std::lock_guard lock(mu);
      status.last_error = polled.error();
    }
    return polled;
  }

  std::chrono::nanoseconds jittered_interval() {
    const double spread = std::clamp(options.jitter, 0.0, 1.0) * (2.0 * options.random() - 1.0);
    return std::chrono::duration_cast<std::chrono::nanoseconds>(options.interval * (1.0 + spread));
  }

  void run_poller(std::stop_token stop, const SourceListener& listener) {
    Backoff backoff(options.backoff, {}, options.random);
    std::mutex wait_mu;
    std::condition_variable_any woken;
    while (true) {
      const bool failing = backoff.state().consecutive_failures > 0 && options.backoff.enabled;
      const auto wait = failing ? backoff.state().delay : jittered_interval();
      {
        std::unique_lock lock(wait_mu);
        woken.wait_for(lock, stop, wait, [] { return false; });
      }
      if (stop.stop_requested()) return;
      auto polled = poll_once(stop);
      if (stop.stop_requested()) return;  // a GET cut short by the stop is not the server's failure
      if (!polled) {
        backoff.record_failure();
        if (listener.failed) listener.failed(polled.error());
        continue;
      }
      backoff.record_success();
      if (*polled == Poll::changed && listener.changed) listener.changed(status_revision());
    }
  }

  std::string status_revision() const {
    std::lock_guard lock(mu);
    return status.revision;
  }
};

namespace {

class HttpWatch final : public SourceWatch {
 public:
  HttpWatch(std::shared_ptr<HttpSource::State> state, SourceListener listener)
      : poller_([state = std::move(state), listener = std::move(listener)](std::stop_token stop) {
          state->run_poller(stop, listener);
        }) {}

 private:
  std::jthread poller_;  // joined by its destructor, after a stop request that wakes its wait
};

}  // namespace

HttpSource::HttpSource(std::string url, HttpSourceOptions options)
    : state_(std::make_shared<State>(std::move(url), std::move(options))) {}

HttpSource::~HttpSource() = default;

Result<void> HttpSource::sync() {
  auto polled = state_->poll_once();
  if (!polled) return unexpected(polled.error());
  return {};
}

std::unique_ptr<SourceWatch> HttpSource::watch(SourceListener listener) {
  return std::make_unique<HttpWatch>(state_, std::move(listener));
}

Result<Document, Errors> HttpSource::load() const {
  std::lock_guard lock(state_->mu);
  if (!state_->document) return empty_layer(state_->url, "unavailable");
  return *state_->document;
}

std::string HttpSource::name() const { return state_->url; }

HttpSourceStatus HttpSource::status() const {
  std::lock_guard lock(state_->mu);
  return state_->status;
}

Result<void> parse_http_url(std::string_view url) {
  auto parts = split_http_url(url);
  if (!parts) return unexpected(parts.error());
  return {};
}

}  // namespace hotreload
