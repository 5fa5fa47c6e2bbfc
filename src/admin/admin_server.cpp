// The admin HTTP server: routing, authentication and limits over cpp-httplib.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "hotreload/admin.hpp"
#include "hotreload/json_text.hpp"
#include "hotreload/metrics.hpp"

namespace hotreload {
namespace {

using HandlerResponse = httplib::Server::HandlerResponse;
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kBearer = "bearer ";

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

  std::mutex lifecycle_mu;                  // serialises start() and stop()
  std::unique_ptr<httplib::Server> server;  // guarded by lifecycle_mu
  std::thread thread;                       // guarded by lifecycle_mu; runs listen_after_bind()
  std::atomic<int> port{0};

  std::mutex events_mu;
  std::deque<Event> events;  // guarded by events_mu; the newest last
  Subscription subscription;  // last: cancelled before the history goes away

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
  }

  void setup(httplib::Server& s) {
    s.set_payload_max_length(options.max_payload);
    // cpp-httplib's default also sets SO_REUSEPORT, which would let a second server (any process
    // of the same user) bind the same port and receive a share of the admin requests and tokens.
    s.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    s.set_keep_alive_timeout(2);
    s.set_read_timeout(5);
    s.set_write_timeout(5);
    s.new_task_queue = [] { return new httplib::ThreadPool(4); };
    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.target.size() > options.max_uri) {
        reply_error(res, 414, error_text(414));
        return HandlerResponse::Handled;
      }
      return HandlerResponse::Unhandled;
    });
    // Statuses set by the library (404 no route, 413 payload, 414 target, 400) get a JSON body.
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
    s.Post("/reload", [this](const httplib::Request& req, httplib::Response& res) { reload(req, res); });

    // Every other method on a known path is 405 with the methods it allows.
    auto not_allowed = [](std::string allow) {
      return [allow = std::move(allow)](const httplib::Request&, httplib::Response& res) {
        res.set_header("Allow", allow);
        reply_error(res, 405, error_text(405));
      };
    };
    for (const char* path : {"/healthz", "/metrics", "/config", "/flags", "/events"}) {
      s.Post(path, not_allowed("GET, HEAD"));
      s.Put(path, not_allowed("GET, HEAD"));
      s.Patch(path, not_allowed("GET, HEAD"));
      s.Delete(path, not_allowed("GET, HEAD"));
      s.Options(path, not_allowed("GET, HEAD"));
    }
    s.Get("/reload", not_allowed("POST"));
    s.Put("/reload", not_allowed("POST"));
    s.Patch("/reload", not_allowed("POST"));
    s.Delete("/reload", not_allowed("POST"));
    s.Options("/reload", not_allowed("POST"));
  }

  void refuse(const httplib::Request& req, httplib::Response& res, const std::string& peer, const char* reason,
              bool token_presented) {
    unauthorized.fetch_add(1, std::memory_order_relaxed);
    if (unauthorized_metric != nullptr) unauthorized_metric->inc();
    if (sources.audit != nullptr) sources.audit->record_unauthorized(peer, req.method, req.path, reason);
    // RFC 6750: no error code when no credentials were sent, invalid_token for a wrong one.
    res.set_header("WWW-Authenticate",
                   token_presented ? R"(Bearer realm="hotreload", error="invalid_token")" : R"(Bearer realm="hotreload")");
    reply_error(res, 401, reason);
  }

  void reload(const httplib::Request& req, httplib::Response& res) {
    const std::string peer = req.remote_addr + ":" + std::to_string(req.remote_port);
    if (options.token.empty()) return reply_error(res, 403, "reloads over HTTP are disabled: no admin token is configured");
    const std::string authorization = req.get_header_value("Authorization");
    if (authorization.empty()) return refuse(req, res, peer, "missing bearer token", false);
    if (!starts_with_ignoring_case(authorization, kBearer)) return refuse(req, res, peer, "not a bearer token", false);
    std::string_view presented = std::string_view(authorization).substr(kBearer.size());
    if (!constant_time_equal(presented, options.token)) return refuse(req, res, peer, "wrong bearer token", true);

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
    int status = outcome.status == ReloadStatus::failed     ? 422
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
  std::lock_guard lock(s.lifecycle_mu);
  if (s.thread.joinable()) return {};
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
  auto server = std::make_unique<httplib::Server>();
  s.setup(*server);
  int port = s.options.port;
  if (port == 0) {
    port = server->bind_to_any_port(host);
  } else if (!server->bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return unexpected(Error{ErrorCode::io, "cannot listen on " + host + ":" + std::to_string(s.options.port) +
                                               " (address in use, or not an address of this host)",
                            {}, {}});
  }
  auto finished = std::make_shared<std::atomic<bool>>(false);
  httplib::Server* raw = server.get();
  s.thread = std::thread([raw, finished] {
    raw->listen_after_bind();
    finished->store(true);
  });
  // stop() is a no-op until the listening loop runs, so wait for it (cpp-httplib 0.11 has no
  // wait_until_ready()). It starts at once; the bound only guards against a stuck thread.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!raw->is_running() && !finished->load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  s.server = std::move(server);
  if (!s.server->is_running()) {
    s.server->stop();
    s.thread.join();
    s.server.reset();
    return unexpected(Error{ErrorCode::io, "the admin server did not start listening", {}, {}});
  }
  s.port.store(port);
  return {};
}

void AdminServer::stop() {
  State& s = *state_;
  std::lock_guard lock(s.lifecycle_mu);
  if (!s.thread.joinable()) return;
  s.server->stop();
  s.thread.join();
  s.server.reset();
  s.port.store(0);
}

bool AdminServer::running() const { return state_->port.load() != 0; }

int AdminServer::port() const { return state_->port.load(); }

std::string AdminServer::address() const {
  int port = state_->port.load();
  if (port == 0) return {};
  const std::string& host = state_->options.host;
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::uint64_t AdminServer::unauthorized_count() const { return state_->unauthorized.load(std::memory_order_relaxed); }

}  // namespace hotreload
