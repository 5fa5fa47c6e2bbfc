// The OFREP endpoints over the serving layer (src/http/): authentication and limits from the
// request's head, evaluation on the workers, change notices to the event streams.
#include <httplib.h>

#include <chrono>
#include <mutex>

#include "hotreload/admin.hpp"
#include "hotreload/audit.hpp"
#include "hotreload/json_text.hpp"
#include "hotreload/metrics.hpp"
#include "hotreload/ofrep.hpp"
#include "http/server.hpp"
#include "ofrep/protocol.hpp"

namespace hotreload {
namespace {

constexpr const char* kJson = "application/json";
constexpr std::string_view kFlagsPath = "/ofrep/v1/evaluate/flags";
constexpr std::string_view kEventsPath = "/ofrep/v1/events";
constexpr std::string_view kBearer = "bearer ";
// Event ids count a server's changes; the process's start time in front keeps the id a client
// kept from a previous run from passing for a current one.
const auto kStarted = std::chrono::system_clock::now();

void reply(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
  res.status = status;
  res.set_content(dump_json(body), kJson);
}

std::string route_of(std::string_view path) {
  if (path == kFlagsPath) return "flags";
  if (path.substr(0, kFlagsPath.size() + 1) == std::string(kFlagsPath) + "/") return "flag";
  if (path == kEventsPath) return "events";
  if (path == "/healthz" || path == "/metrics") return std::string(path.substr(1));
  return "other";
}

}  // namespace

struct OfrepServer::State {
  const FlagdStore& flags;
  OfrepOptions options;
  MetricsRegistry* metrics;
  CounterFamily* evaluations = nullptr;
  CounterFamily* requests = nullptr;
  Counter* changes = nullptr;
  CallbackMetric streams_metric;

  std::mutex events_mu;
  std::uint64_t changes_announced = 0;  // guarded by events_mu
  std::unique_ptr<http::Server> server;  // last: stopped before anything its handlers use

  State(const FlagdStore& f, OfrepOptions o, MetricsRegistry* m) : flags(f), options(std::move(o)), metrics(m) {
    if (metrics != nullptr) {
      evaluations = &metrics->counter("hotreload_ofrep_evaluations_total",
                                      "OFREP flag evaluations by flag, reason and error code (flag \"\" when unknown).",
                                      {"flag", "reason", "error_code"});
      requests = &metrics->counter("hotreload_ofrep_requests_total", "OFREP HTTP requests by route and status.",
                                   {"route", "status"});
      changes = &metrics->counter("hotreload_ofrep_flag_changes_total",
                                  "Flag changes announced to the event streams.")
                     .with();
    }
    http::Limits limits;
    limits.max_connections = options.max_connections;
    limits.request_timeout = options.request_timeout;
    limits.max_body = options.max_body;
    limits.max_streams = options.max_streams;
    limits.workers = options.workers;
    http::Routes routes;
    routes.screen = [this](const http::RequestHead& head, const std::string&) { return screen(head); };
    routes.setup = [this](httplib::Server& s) { setup(s); };
    routes.stream = [this](const http::RequestHead& head) { return stream(head); };
    server = std::make_unique<http::Server>(limits, std::move(routes));
    if (metrics != nullptr) {
      streams_metric = metrics->gauge_callback("hotreload_ofrep_event_streams", "OFREP event-stream clients connected.",
                                               [this]() -> std::optional<double> {
                                                 return static_cast<double>(server->stream_count());
                                               });
    }
  }

  void count_request(std::string_view path, int status) {
    if (requests != nullptr) requests->with({route_of(path), std::to_string(status)}).inc();
  }

  void count_evaluation(std::string_view key, bool known, std::string_view reason, std::string_view error_code) {
    // Unknown keys share one label value: a client must not be able to grow the series at will.
    if (evaluations != nullptr) evaluations->with({known ? key : std::string_view(), reason, error_code}).inc();
  }

  // ---- the serving thread: before a body is read ----

  http::Reply refusal(int status, const std::string& path, nlohmann::ordered_json body) {
    count_request(path, status);
    return http::Reply{status, {}, dump_json(body)};
  }

  std::optional<http::Reply> screen(const http::RequestHead& head) {
    const std::string path(head.path());
    // Only the probes are open: any other path, however spelled, needs the token.
    if (path == "/healthz" || path == "/metrics") return std::nullopt;
    if (!options.token.empty()) {
      const std::string_view authorization = head.header("Authorization");
      const std::string_view api_key = head.header("X-API-Key");
      if (authorization.empty() && api_key.empty()) {
        http::Reply reply = refusal(401, path, {{"errorDetails", "credentials required: Authorization: Bearer or X-API-Key"}});
        reply.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="hotreload")");
        return reply;
      }
      const bool bearer_ok = http::equal_ignoring_case(authorization.substr(0, kBearer.size()), kBearer) &&
                             constant_time_equal(authorization.substr(kBearer.size()), options.token);
      const bool key_ok = !api_key.empty() && constant_time_equal(api_key, options.token);
      if (!bearer_ok && !key_ok) return refusal(403, path, {{"errorDetails", "the credentials presented are not accepted"}});
    }
    // The body would be the context: too large a one is the spec's invalid context, refused unread.
    if (head.method == "POST" && head.content_length > options.max_body) {
      std::optional<std::string_view> key;
      const std::string prefix = std::string(kFlagsPath) + "/";
      if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) key = std::string_view(path).substr(prefix.size());
      return refusal(400, path, ofrep::failure(key, "INVALID_CONTEXT",
                                               "the request body is " + std::to_string(head.content_length) +
                                                   " bytes; at most " + std::to_string(options.max_body) + " are read"));
    }
    return std::nullopt;
  }

  std::optional<http::StreamReply> stream(const http::RequestHead& head) {
    if (head.method != "GET" || head.path() != kEventsPath) return std::nullopt;
    count_request(kEventsPath, 200);
    http::StreamReply reply;
    reply.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
    reply.opening = ": hotreload OFREP change notifications\n\n";
    // A client that missed changes while it was away is told to re-fetch at once.
    const std::string_view last_seen = head.header("Last-Event-ID");
    {
      std::lock_guard lock(events_mu);
      if (!last_seen.empty() && last_seen != event_id(changes_announced)) reply.opening += refetch_event(changes_announced);
    }
    reply.keepalive = ": keepalive\n\n";
    reply.keepalive_interval = options.stream_keepalive;
    return reply;
  }

  static std::string event_id(std::uint64_t change) {
    const auto started = std::chrono::duration_cast<std::chrono::milliseconds>(kStarted.time_since_epoch()).count();
    return std::to_string(started) + "-" + std::to_string(change);
  }

  static std::string refetch_event(std::uint64_t change) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    nlohmann::ordered_json data{{"type", "refetchEvaluation"},
                                {"etag", event_id(change)},
                                {"lastModified", now.count()}};
    return "id: " + event_id(change) + "\nevent: message\ndata: " + dump_json(data) + "\n\n";
  }

  void announce() {
    if (changes != nullptr) changes->inc();
    // Under the lock, so that streams get the events in the order of their ids.
    std::lock_guard lock(events_mu);
    server->broadcast(refetch_event(++changes_announced));
  }

  // ---- the workers: whole requests ----

  void setup(httplib::Server& s) {
    s.set_logger([this](const httplib::Request& req, const httplib::Response& res) { count_request(req.path, res.status); });
    s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      reply(res, res.status, {{"errorDetails", res.status == 404 ? "not found" : "error " + std::to_string(res.status)}});
      return httplib::Server::HandlerResponse::Handled;
    }));
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      reply(res, 500, {{"errorDetails", "internal error"}});
    });

    s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { reply(res, 200, {{"status", "ok"}}); });
    s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      if (metrics == nullptr) return reply(res, 404, {{"errorDetails", "metrics are not configured"}});
      res.status = 200;
      res.set_content(metrics->expose(), std::string(MetricsRegistry::content_type).c_str());
    });
    // Bodies are read through a ContentReader: cpp-httplib would otherwise parse a form-encoded
    // body into parameters (and cap it at 8 KiB) instead of handing it over.
    s.Post(std::string(kFlagsPath) + "/(.+)",
           [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
             evaluate_one(req.matches[1].str(), read_body(read), res);
           });
    s.Post(std::string(kFlagsPath),
           [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
             evaluate_all(req, read_body(read), res);
           });
    auto post_only = [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Allow", "POST");
      reply(res, 405, {{"errorDetails", "method not allowed: use POST"}});
    };
    s.Get(std::string(kFlagsPath), post_only);
    s.Get(std::string(kFlagsPath) + "/(.+)", post_only);
  }

  static std::string read_body(const httplib::ContentReader& read) {
    std::string body;
    read([&](const char* data, std::size_t size) {
      body.append(data, size);
      return true;
    });
    return body;
  }

  ofrep::ContextLimits context_limits() const {
    return {.max_values = options.max_context_values,
            .max_depth = options.max_context_depth,
            .require_targeting_key = options.require_targeting_key};
  }

  void evaluate_one(const std::string& key, const std::string& body, httplib::Response& res) {
    auto view = flags.view();
    const bool known = view.type_of(key).has_value();
    auto request = ofrep::parse_request(body, context_limits());
    if (request.error) {
      count_evaluation(key, known, "ERROR", request.error->code);
      return reply(res, 400, ofrep::failure(key, request.error->code, request.error->details));
    }
    auto resolution = view.evaluate(key, std::nullopt, nullptr, *request.context);
    count_evaluation(key, known, to_string(resolution.reason), to_string(resolution.error));
    auto rendered = ofrep::render(key, resolution);
    reply(res, rendered.status, rendered.body);
  }

  void evaluate_all(const httplib::Request& req, const std::string& body, httplib::Response& res) {
    auto request = ofrep::parse_request(body, context_limits());
    if (request.error) {
      count_evaluation({}, false, "ERROR", request.error->code);
      return reply(res, 400, ofrep::failure(std::nullopt, request.error->code, request.error->details));
    }
    auto view = flags.view();
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["flags"] = nlohmann::ordered_json::array();
    for (const std::string& key : view.keys()) {
      auto resolution = view.evaluate(key, std::nullopt, nullptr, *request.context);
      count_evaluation(key, true, to_string(resolution.reason), to_string(resolution.error));
      out["flags"].push_back(ofrep::render(key, resolution).body);
    }
    if (!view.metadata().empty()) out["metadata"] = view.metadata();
    // No origin: the provider joins the path to the base URL it was configured with, which is
    // right behind a proxy too.
    out["eventStreams"] = nlohmann::ordered_json::array(
        {{{"type", "sse"}, {"endpoint", {{"requestUri", std::string(kEventsPath)}}}}});
    const std::string text = dump_json(out);
    const std::string etag = "\"" + sha256_hex(text).substr(0, 32) + "\"";
    res.set_header("ETag", etag);
    if (ofrep::etag_matches(req.get_header_value("If-None-Match"), etag)) {
      res.status = 304;
      return;
    }
    res.status = 200;
    res.set_content(text, kJson);
  }
};

OfrepServer::OfrepServer(const FlagdStore& flags, OfrepOptions options, MetricsRegistry* metrics)
    : state_(std::make_unique<State>(flags, std::move(options), metrics)) {}

OfrepServer::~OfrepServer() {
  stop();
  state_->streams_metric.reset();  // before the server the callback reads
}

Result<void> OfrepServer::start() {
  State& s = *state_;
  const std::string& host = s.options.host;
  if (!s.options.allow_remote && !is_loopback(host)) {
    return unexpected(Error{ErrorCode::usage,
                            "refusing to serve OFREP on \"" + host +
                                "\", which is not a loopback address (allow_remote / --allow-remote to override)",
                            {}, {}});
  }
  if (s.options.port < 0 || s.options.port > 65535) {
    return unexpected(Error{ErrorCode::usage, "OFREP port out of range: " + std::to_string(s.options.port), {}, {}});
  }
  if (!s.options.token.empty()) {
    if (auto checked = check_token(s.options.token); !checked) return unexpected(checked.error());
  }
  return s.server->start(host, s.options.port);
}

void OfrepServer::stop() { state_->server->stop(); }

void OfrepServer::flags_changed() { state_->announce(); }

int OfrepServer::port() const { return state_->server->port(); }

std::string OfrepServer::address() const {
  const int port = state_->server->port();
  if (port == 0) return {};
  const std::string& host = state_->options.host;
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::size_t OfrepServer::stream_count() const { return state_->server->stream_count(); }

}  // namespace hotreload
