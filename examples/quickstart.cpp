// quickstart: a service-shaped program that reloads its config on request.
//
//   example_quickstart CONFIG_DIR
//
// Loads CONFIG_DIR/config.yaml, then CONFIG_DIR/config.local.yaml (optional), then APP_*
// environment variables; prints every reload event as a CloudEvents JSON line; reloads each time
// a line "reload" arrives on stdin and answers "ready" when done (scripts/demo drives it so).
#include <chrono>
#include <iostream>
#include <string>

#include <hotreload/reloader.hpp>

namespace example {

struct Server {
  int port = 0;
};
struct RateLimit {
  int requests_per_second = 0;
  int burst = 0;
};
struct Timeouts {
  std::chrono::milliseconds read{0};
  std::chrono::milliseconds write{0};
};
struct Database {
  std::string host;
  int max_conns = 0;
  std::string password;
};
struct Config {
  Server server;
  std::string log_level;
  RateLimit rate_limit;
  Timeouts timeouts;
  Database database;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Server, port)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RateLimit, requests_per_second, burst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Timeouts, read, write)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Database, host, max_conns, password)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, server, log_level, rate_limit, timeouts, database)

}  // namespace example

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: example_quickstart CONFIG_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];

  hotreload::ReloadOptions options;
  options.layers.files = {{dir + "/config.yaml"}, {dir + "/config.local.yaml", /*optional=*/true}};
  options.layers.env = hotreload::EnvOverlay{"APP"};
  options.fields.restart("server.port").restart("database.host").secret("database.password");

  hotreload::Reloader<example::Config> reloader(options);
  reloader.add_validator([](const example::Config*, const example::Config& next) -> hotreload::Errors {
    if (next.rate_limit.burst > next.rate_limit.requests_per_second) {
      return {{hotreload::ErrorCode::validation, "burst may not exceed requests_per_second", {}, "rate_limit.burst"}};
    }
    return {};
  });
  reloader.on_change("database-pool", [](const example::Config&, const example::Config& next,
                                         const std::vector<hotreload::Change>&) -> hotreload::Result<void, std::string> {
    if (next.database.max_conns > 500) return hotreload::unexpected(std::string("more than 500 connections would exhaust the database"));
    return {};
  });
  auto printer = reloader.events().subscribe([](const hotreload::Event& event) {
    if (event.type == hotreload::event_type::completed || event.type == hotreload::event_type::failed) {
      std::cout << hotreload::to_cloudevent_line(event, "example_quickstart") << std::endl;
    }
  });

  if (auto started = reloader.start(); !started) {
    std::cerr << "cannot start:\n" << hotreload::to_string(started.error());
    return 1;
  }
  auto show = [&] {
    auto config = reloader.read();
    std::cout << "live: log_level=" << config->log_level << " rps=" << config->rate_limit.requests_per_second
              << " burst=" << config->rate_limit.burst << " max_conns=" << config->database.max_conns
              << " read_timeout=" << config->timeouts.read.count() << "ms port=" << config->server.port << std::endl;
  };
  show();

  std::string line;
  while (std::getline(std::cin, line)) {
    if (line != "reload") continue;
    hotreload::ReloadOutcome outcome = reloader.reload(hotreload::Trigger::api);
    std::cout << "reload " << outcome.reload_id << ": " << hotreload::to_string(outcome.status) << std::endl;
    for (const auto& error : outcome.errors) std::cout << "  error: " << error.to_string() << std::endl;
    for (const auto& change : outcome.changes) std::cout << "  " << hotreload::to_line(change) << std::endl;
    show();
    std::cout << "ready" << std::endl;
  }
  return 0;
}
