// The admin HTTP server: routing and authentication over the serving layer (src/http/).
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <iterator>
#include <mutex>

#include "hotreload/admin.hpp"
#include "hotreload/json_text.hpp"
#include "hotreload/metrics.hpp"
#include "http/server.hpp"

namespace hotreload {
namespace {

using HandlerResponse = httplib::Server::HandlerResponse;
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kBearer = "bearer ";
// The paths that only answer GET and HEAD.
constexpr std::string_view kReadOnlyPaths[] = {"/healthz", "/metrics", "/config", "/flags", "/events"};

void reply(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
  res.status = status;
  res.set_content(dump_json(body), std::string(kJson).c_str());
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, {{"error", message}});
}

std::string error_text(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 413: return "request body too large";
    case 414: return "request target too long";
    default: return "error " + std::to_string(status);
  }
}

std::vector<std::string> split_sections(const std::string& text) {
  std::vector<std::string> sections;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    std::string section = text.substr(begin, end - begin);
    std::size_t first = section.find_first_not_of(' ');
    std::size_t last = section.find_last_not_of(' ');
    if (first != std::string::npos) sections.push_back(section.substr(first, last - first + 1));
    begin = end + 1;
  }
  return sections;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

struct AdminServer::State {
  AdminOptions options;
  AdminSources sources;
  Counter* unauthorized_metric = nullptr;
  std::atomic<std::uint64_t> unauthorized{0};

  std::mutex events_mu;
  std::deque<Event> events;  // guarded by events_mu; the newest last
  Subscription subscription;  // cancelled before the history goes away
  std::unique_ptr<http::Server> server;  // last: stopped before anything its handlers use

  State(AdminOptions o, AdminSources s) : options(std::move(o)), sources(std::move(s)) {
    if (sources.metrics != nullptr) {
      unauthorized_metric = &sources.metrics
                                 ->counter("hotreload_admin_unauthorized_total",
                                           "Admin requests refused for a missing or wrong bearer token.")
                                 .with();
    }
    if (sources.events != nullptr && options.event_history > 0) {
      subscription = sources.events->subscribe([this](const Event& event) {
        std::lock_guard lock(events_mu);
        events.push_back(event);
        while (events.size() > options.event_history) events.pop_front();
      });
    }
    http::Limits limits;
    limits.max_connections = options.max_connections;
    limits.request_timeout = options.request_timeout;
    limits.max_target = options.max_uri;
    limits.max_body = options.max_payload;
    http::Routes routes;
    routes.screen = [this](const http::RequestHead& head, const std::string& peer) { return screen(head, peer); };
    routes.setup = [this](httplib::Server& server_to_set_up) { setup(server_to_set_up); };
    server = std::make_unique<http::Server>(limits, std::move(routes));
  }

  void setup(httplib::Server& s) {
    // Statuses set by the library (404 no route, 400) get a JSON body.
    s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return HandlerResponse::Unhandled;
      reply_error(res, res.status, error_text(res.status));
      return HandlerResponse::Handled;
    }));
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      reply_error(res, 500, "internal error");
    });

    s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { reply(res, 200, {{"status", "ok"}}); });
    s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      if (sources.metrics == nullptr) return reply_error(res, 404, "metrics are not configured");
      res.status = 200;
      res.set_content(sources.metrics->expose(), std::string(MetricsRegistry::content_type).c_str());
    });
    s.Get("/config", [this](const httplib::Request&, httplib::Response& res) {
      if (!sources.config) return reply_error(res, 404, "no config source is configured");
      reply(res, 200, sources.config());
    });
    s.Get("/flags", [this](const httplib::Request&, httplib::Response& res) {
      if (!sources.flags) return reply_error(res, 404, "no flags are configured");
      reply(res, 200, sources.flags());
    });
    s.Get("/events", [this](const httplib::Request&, httplib::Response& res) {
      if (sources.events == nullptr) return reply_error(res, 404, "no event bus is configured");
      std::deque<Event> copy;
      {
        std::lock_guard lock(events_mu);
        copy = events;
      }
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const Event& event : copy) out.push_back(to_cloudevent(event, options.event_source));
      reply(res, 200, out);
    });
    // The routes that may carry a body take it through a content reader they never call: the body
    // means nothing to them, and cpp-httplib would otherwise parse a form-encoded one into
    // parameters and cap it at 8 KiB. Its size is checked by the serving layer (max_payload).
    s.Post("/reload", [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader&) {
      reload(req, res);
    });

    // Every other method on a known path is 405 with the methods it allows.
    auto not_allowed = [](std::string allow) {
      return [allow = std::move(allow)](const httplib::Request&, httplib::Response& res) {
        res.set_header("Allow", allow);
        reply_error(res, 405, error_text(405));
      };
    };
    auto not_allowed_with_body = [&](std::string allow) {
      return [handler = not_allowed(std::move(allow))](const httplib::Request& req, httplib::Response& res,
                                                       const httplib::ContentReader&) { handler(req, res); };
    };
    for (std::string_view read_only : kReadOnlyPaths) {
      const std::string path(read_only);
      s.Post(path, not_allowed_with_body("GET, HEAD"));
      s.Put(path, not_allowed_with_body("GET, HEAD"));
      s.Patch(path, not_allowed_with_body("GET, HEAD"));
      s.Delete(path, not_allowed_with_body("GET, HEAD"));
      s.Options(path, not_allowed("GET, HEAD"));
    }
    s.Get("/reload", not_allowed("POST"));
    s.Put("/reload", not_allowed_with_body("POST"));
    s.Patch("/reload", not_allowed_with_body("POST"));
    s.Delete("/reload", not_allowed_with_body("POST"));
    s.Options("/reload", not_allowed("POST"));
  }

  // Authentication, before the body is read: every POST except to a read-only path (which is a
  // 405 anyway) needs the token. Matching the raw path this way leaves nothing to a difference
  // between it and the decoded one cpp-httplib routes on (`/%72eload` needs the token too).
  std::optional<http::Reply> screen(const http::RequestHead& head, const std::string& peer) {
    if (head.method != "POST") return std::nullopt;
    const std::string_view path = head.path();
    if (std::find(std::begin(kReadOnlyPaths), std::end(kReadOnlyPaths), path) != std::end(kReadOnlyPaths)) {
      return std::nullopt;
    }
    if (options.token.empty()) {
      return http::error_reply(403, "reloads over HTTP are disabled: no admin token is configured");
    }
    const std::string_view authorization = head.header("Authorization");
    if (authorization.empty()) return refuse(head, peer, "missing bearer token", false);
    if (!starts_with_ignoring_case(authorization, kBearer)) return refuse(head, peer, "not a bearer token", false);
    if (!constant_time_equal(authorization.substr(kBearer.size()), options.token)) {
      return refuse(head, peer, "wrong bearer token", true);
    }
    return std::nullopt;
  }

  http::Reply refuse(const http::RequestHead& head, const std::string& peer, const char* reason, bool token_presented) {
    unauthorized.fetch_add(1, std::memory_order_relaxed);
    if (unauthorized_metric != nullptr) unauthorized_metric->inc();
    if (sources.audit != nullptr) {
      sources.audit->record_unauthorized(peer, head.method, std::string(head.path()), reason);
    }
    http::Reply reply = http::error_reply(401, reason);
    // RFC 6750: no error code when no credentials were sent, invalid_token for a wrong one.
    reply.headers.emplace_back("WWW-Authenticate", token_presented ? R"(Bearer realm="hotreload", error="invalid_token")"
                                                                   : R"(Bearer realm="hotreload")");
    return reply;
  }

  // Runs once screen() has accepted the token; checked again in case a path screen() let through
  // routes here after all.
  void reload(const httplib::Request& req, httplib::Response& res) {
    const std::string peer = req.remote_addr + ":" + std::to_string(req.remote_port);
    const std::string authorization = req.get_header_value("Authorization");
    if (options.token.empty() || !starts_with_ignoring_case(authorization, kBearer) ||
        !constant_time_equal(std::string_view(authorization).substr(kBearer.size()), options.token)) {
      return reply_error(res, 401, "missing or wrong bearer token");
    }
    if (!sources.reload) return reply_error(res, 404, "no reload source is configured");
    std::vector<std::string> sections;
    if (req.has_param("sections")) {
      sections = split_sections(req.get_param_value("sections"));
      if (sections.empty()) return reply_error(res, 400, "sections is empty: name one or more sections, comma-separated");
    }
    ReloadOutcome outcome;
    {
      auto attribution = AuditLog::http_peer(peer);
      outcome = sources.reload(sections);
    }
    // A usage error (an unknown section) is the request's fault: 400; any other failure is the config's.
    const bool refused = outcome.status == ReloadStatus::failed && !outcome.errors.empty() &&
                         outcome.errors.front().code == ErrorCode::usage;
    int status = refused                                    ? 400
                 : outcome.status == ReloadStatus::failed   ? 422
                 : outcome.status == ReloadStatus::deferred ? 202
                                                            : 200;
    reply(res, status, outcome_json(outcome));
  }
};

AdminServer::AdminServer(AdminOptions options, AdminSources sources)
    : state_(std::make_unique<State>(std::move(options), std::move(sources))) {}

AdminServer::~AdminServer() { stop(); }

Result<void> AdminServer::start() {
  State& s = *state_;
  const std::string& host = s.options.host;
  if (!s.options.allow_remote && !is_loopback(host)) {
    return unexpected(Error{ErrorCode::usage,
                            "refusing to serve the admin endpoint on \"" + host +
                                "\", which is not a loopback address (allow_remote / --admin-allow-remote to override)",
                            {}, {}});
  }
  if (s.options.port < 0 || s.options.port > 65535) {
    return unexpected(Error{ErrorCode::usage, "admin port out of range: " + std::to_string(s.options.port), {}, {}});
  }
  if (!s.options.token.empty()) {
    if (auto checked = check_token(s.options.token); !checked) return unexpected(checked.error());
  }
  return s.server->start(host, s.options.port);
}

void AdminServer::stop() { state_->server->stop(); }

bool AdminServer::running() const { return state_->server->port() != 0; }

int AdminServer::port() const { return state_->server->port(); }

std::string AdminServer::address() const {
  int port = state_->server->port();
  if (port == 0) return {};
  const std::string& host = state_->options.host;
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::uint64_t AdminServer::unauthorized_count() const { return state_->unauthorized.load(std::memory_order_relaxed); }

}  // namespace hotreload
