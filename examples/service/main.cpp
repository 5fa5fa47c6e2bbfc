// example_service: a small HTTP service on 127.0.0.1 whose greeting, rate limit, log level and
// feature flags change live from its YAML config, with the admin endpoint on.
//
//   example_service CONFIG.yaml [MORE.yaml...]
//
//   GET /hello?user=NAME   200 "Hello, NAME", 429 when the rate limit is exceeded, 503 when the
//                          `greetings` kill switch is off; `sparkles` decorates the greeting for
//                          a share of users
//
// It reloads when a config file changes (and on SIGHUP), refuses a bad change with its position
// and keeps serving the old config, and stops cleanly on SIGINT or SIGTERM. The admin token for
// POST /reload comes from HOTRELOAD_ADMIN_TOKEN, or is generated into admin.token beside the
// first config file (mode 0600). It prints, on stdout, once each is accepting connections:
//   service: listening on http://127.0.0.1:PORT
//   admin: listening on http://127.0.0.1:PORT (token in FILE)
#include <fcntl.h>
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <hotreload/admin.hpp>
#include <hotreload/config_flags.hpp>
#include <hotreload/log.hpp>
#include <hotreload/metrics.hpp>
#include <hotreload/reload_metrics.hpp>
#include <hotreload/reloader.hpp>
#include <hotreload/watch_reload.hpp>

namespace service {

struct Server {
  int port = 8080;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Server, port)
struct Admin {
  int port = 8081;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Admin, port)
struct RateLimit {
  double requests_per_second = 5;
  int burst = 10;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RateLimit, requests_per_second, burst)
struct Config {
  Server server;
  Admin admin;
  std::string log_level = "info";
  std::string greeting = "Hello";
  RateLimit rate_limit;
  std::string api_key;
  std::vector<hotreload::FlagConfig> feature_flags;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Config, server, admin, log_level, greeting, rate_limit, api_key,
                                                feature_flags)

hotreload::Errors check(const Config*, const Config& next) {
  hotreload::Errors errors;
  auto fail = [&](std::string path, std::string message) {
    errors.push_back({hotreload::ErrorCode::validation, std::move(message), {}, std::move(path)});
  };
  if (!(next.rate_limit.requests_per_second > 0)) fail("rate_limit.requests_per_second", "must be greater than 0");
  if (next.rate_limit.burst < 1) fail("rate_limit.burst", "must be at least 1");
  if (!hotreload::parse_log_level(next.log_level)) {
    fail("log_level", "must be one of trace, debug, info, warn, error, off");
  }
  return errors;
}

// A token bucket whose rate and size are read from the live config on every request, so a
// reload takes effect at the next request without any callback.
class TokenBucket {
 public:
  bool take(const RateLimit& limit) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    const double refilled = tokens_ ? *tokens_ + elapsed * limit.requests_per_second : limit.burst;
    tokens_ = std::min<double>(limit.burst, refilled);
    if (*tokens_ < 1) return false;
    *tokens_ -= 1;
    return true;
  }

 private:
  std::mutex mutex_;
  std::optional<double> tokens_;  // full on the first request
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// The admin token: from the environment, or a fresh random one written where only we can read it.
hotreload::Result<std::pair<std::string, std::string>> admin_token(const std::filesystem::path& config) {
  auto from_env = hotreload::token_from_env();
  if (!from_env) return hotreload::unexpected(from_env.error());
  if (*from_env) return std::pair{**from_env, std::string("$HOTRELOAD_ADMIN_TOKEN")};
  std::random_device random;
  std::string token;
  for (int i = 0; i < 32; ++i) token += "0123456789abcdef"[random() % 16];
  const auto file = std::filesystem::absolute(config).parent_path() / "admin.token";
  auto failed = [&] {
    return hotreload::unexpected(
        hotreload::Error{hotreload::ErrorCode::io, "cannot write the admin token", {file.string(), 0, 0}, ""});
  };
  // Created 0600, and fchmod'ed in case it existed: hotreload refuses a token file others can read.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return failed();
  const std::string line = token + "\n";
  bool written = ::fchmod(fd, 0600) == 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) return failed();
  return std::pair{token, file.string()};
}

int run(const std::vector<std::string>& files) {
  // SIGINT and SIGTERM are taken by sigwait() below; block them before any thread starts so that
  // every thread inherits the mask. SIGHUP stays unblocked: the reloader takes it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  hotreload::ReloadOptions options;
  for (const std::string& file : files) options.layers.files.push_back({file});
  options.fields.restart("server.*").restart("admin.*").secret("api_key");
  options.reload_on_sighup = true;

  hotreload::Reloader<Config> reloader(options);
  reloader.add_validator(check);
  hotreload::StderrSink log;
  auto logging = hotreload::log_events(reloader.events(), log);
  hotreload::MetricsRegistry registry;
  hotreload::ReloadMetrics metrics(reloader.events(), registry);
  if (auto started = reloader.start(); !started) {
    for (const auto& error : started.error()) std::cerr << error.to_string() << '\n';
    return 1;
  }
  log.set_level(*hotreload::parse_log_level(reloader.read()->log_level));
  reloader.on_change("log level", [&log](const Config&, const Config& next) -> hotreload::Result<void, std::string> {
    log.set_level(*hotreload::parse_log_level(next.log_level));  // the validator vouched for it
    return {};
  });
  hotreload::FlagSet flags;
  if (auto loaded = hotreload::reload_flags_with(reloader, flags, [](const Config& c) -> const auto& { return c.feature_flags; });
      !loaded) {
    std::cerr << loaded.error().to_string() << '\n';
    return 1;
  }
  auto watcher = hotreload::watch_layer_files(reloader);
  if (!watcher) {
    std::cerr << watcher.error().to_string() << '\n';
    return 1;
  }
  metrics.set_watched_files(files.size());

  TokenBucket bucket;
  httplib::Server server;
  server.Get("/hello", [&](const httplib::Request& request, httplib::Response& response) {
    const auto config = reloader.read();
    const std::string user = request.has_param("user") ? request.get_param_value("user") : "world";
    const auto view = flags.view();
    const bool open = view.is_enabled("greetings");
    metrics.count_flag_evaluation("greetings", open ? "ENABLED" : "DISABLED");
    if (!open) {
      response.status = 503;
      response.set_content("greetings are switched off\n", "text/plain");
    } else if (!bucket.take(config->rate_limit)) {
      response.status = 429;
      response.set_content("slow down\n", "text/plain");
    } else {
      const bool sparkles = view.is_enabled_for_user("sparkles", user);
      metrics.count_flag_evaluation("sparkles", sparkles ? "TARGETING_MATCH" : "DEFAULT");
      const std::string text = config->greeting + ", " + user;
      response.set_content((sparkles ? "*** " + text + " ***" : text) + "\n", "text/plain");
    }
    if (log.enabled(hotreload::LogLevel::debug)) {
      log.debug("GET /hello user=" + user + " -> " + std::to_string(response.status));
    }
  });
  const int port = reloader.read()->server.port;
  const int bound = port == 0 ? server.bind_to_any_port("127.0.0.1") : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound < 0) {
    std::cerr << "cannot listen on 127.0.0.1:" << port << '\n';
    return 1;
  }
  // Bound means listening: connections queue in the kernel until the thread accepts them.
  std::thread serving([&server] { server.listen_after_bind(); });
  std::cout << "service: listening on http://127.0.0.1:" << bound << std::endl;

  auto token = admin_token(files.front());
  if (!token) {
    std::cerr << token.error().to_string() << '\n';
    server.stop();
    serving.join();
    return 1;
  }
  hotreload::AdminServer admin({.port = reloader.read()->admin.port, .token = token->first},
                               hotreload::admin_sources(reloader, options.fields, &registry, &flags));
  if (auto started = admin.start(); !started) {
    std::cerr << started.error().to_string() << '\n';
    server.stop();
    serving.join();
    return 1;
  }
  std::cout << "admin: listening on http://" << admin.address() << " (token in " << token->second << ")" << std::endl;

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  admin.stop();
  server.stop();
  serving.join();
  watcher->reset();
  log.info("stopped on signal " + std::to_string(signal_number));
  return 0;
}

}  // namespace service

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: example_service CONFIG.yaml [MORE.yaml...]\n";
    return 2;
  }
  return service::run(std::vector<std::string>(argv + 1, argv + argc));
}
