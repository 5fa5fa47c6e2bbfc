// The admin endpoint's request handling, end to end: one AdminServer on 127.0.0.1 (an ephemeral
// port) for the whole run; each input is sent as raw bytes over a new TCP connection and the
// response read to the end. Going through the socket keeps src/admin unchanged and fuzzes what
// a client can actually reach: the serving layer's framing and limits (src/http/), cpp-httplib's
// parsing, the routing and the bearer check. Checks: the server answers HTTP (or closes), and a reload runs only when the request
// carried the token.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "hotreload/admin.hpp"
#include "hotreload/audit.hpp"
#include "hotreload/events.hpp"
#include "hotreload/fields.hpp"
#include "hotreload/flagd.hpp"
#include "hotreload/metrics.hpp"

namespace {

using namespace hotreload;

constexpr std::string_view kToken = "fuzz-token-5f2c-0123";
constexpr std::string_view kSecret = "hunter2-5f2c";

// Everything the server reads from; built once and never destroyed, so the server's threads can
// still be running when the process exits.
struct Fixture {
  MetricsRegistry metrics;
  EventBus events;
  AuditLog audit{[](std::string_view) {}};
  FlagdStore flagd;
  Document document;
  FieldRules fields;
  std::atomic<std::uint64_t> reloads{0};
  std::unique_ptr<AdminServer> server;

  Fixture() {
    document = *parse("database:\n  host: db\n  password: " + std::string(kSecret) + "\nservers: [1, 2]\n", Format::yaml, "config.yaml");
    fields.secret("database.password");
    (void)flagd.load(R"({"flags":{"f":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"on"}}})",
                     "flags.json");
    AdminSources sources;
    sources.config = [this] { return config_json(document, fields, 1); };
    sources.reload = [this](const std::vector<std::string>& sections) {
      reloads.fetch_add(1);
      ReloadOutcome outcome;
      outcome.status = sections.empty() ? ReloadStatus::applied : ReloadStatus::failed;
      for (const std::string& section : sections) {
        outcome.errors.push_back(Error{ErrorCode::validation, "rejected", {}, section});
      }
      return outcome;
    };
    sources.flags = [this] { return flags_json(nullptr, &flagd); };
    sources.metrics = &metrics;
    sources.events = &events;
    sources.audit = &audit;
    server = std::make_unique<AdminServer>(AdminOptions{.token = std::string(kToken), .max_payload = 4096, .max_uri = 512},
                                           std::move(sources));
    auto started = server->start();
    HOTRELOAD_FUZZ_CHECK(static_cast<bool>(started), started ? "" : started.error().to_string());
    Event event;
    event.type = "reload.completed";
    events.publish(std::move(event));
  }
};

Fixture& fixture() {
  static Fixture* instance = new Fixture();  // intentionally leaked: see Fixture
  return *instance;
}

// Sends the request, half-closes so the server sees its end, and reads until the server closes.
std::string exchange(int port, std::string_view request) {
  int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  HOTRELOAD_FUZZ_CHECK(sock >= 0, "socket");
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  // Whichever side closes first keeps the connection in TIME_WAIT for a minute, and thousands of
  // connections a second would use up the ports between two addresses within seconds. All of
  // 127/8 is loopback, so each connection comes from the next of 250 source addresses.
  static std::uint32_t next_source = 0;
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl((127u << 24) | (1u << 8) | (1 + next_source++ % 250));  // 127.0.1.1-250
  HOTRELOAD_FUZZ_CHECK(::bind(sock, reinterpret_cast<sockaddr*>(&source), sizeof(source)) == 0,
                       std::string("bind: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // libFuzzer's timers interrupt system calls (EINTR): an interrupted connect() goes on in the
  // background, so wait for it, and retry the reads and writes.
  if (::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    HOTRELOAD_FUZZ_CHECK(errno == EINTR, std::string("connect: ") + std::strerror(errno));
    pollfd writable{.fd = sock, .events = POLLOUT, .revents = 0};
    while (::poll(&writable, 1, -1) < 0 && errno == EINTR) {
    }
    int error = 0;
    socklen_t length = sizeof(error);
    ::getsockopt(sock, SOL_SOCKET, SO_ERROR, &error, &length);
    HOTRELOAD_FUZZ_CHECK(error == 0, std::string("connect: ") + std::strerror(error));
  }
  // The server may answer (413, 400) and close before it read everything: stop sending then.
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(sock, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(sock, SHUT_WR);
  std::string response;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::recv(sock, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(sock);
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& f = fixture();
  std::string_view request = fuzz::as_text(data, size);
  const std::uint64_t reloads_before = f.reloads.load();
  std::string response = exchange(f.server->port(), request);
  HOTRELOAD_FUZZ_CHECK(response.empty() || response.starts_with("HTTP/1.1 "), response.substr(0, 200));
  if (request.find(kSecret) == std::string_view::npos) {
    HOTRELOAD_FUZZ_CHECK(response.find(kSecret) == std::string::npos, response);
  }
  // Requests are answered one at a time, so any reload since the send was this request's.
  if (f.reloads.load() != reloads_before) {
    HOTRELOAD_FUZZ_CHECK(request.find(kToken) != std::string_view::npos, std::string(request));
  }
  return 0;
}
