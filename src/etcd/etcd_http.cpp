#include "etcd/etcd_http.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <cerrno>
#include <chrono>

#include "etcd/etcd_wire.hpp"
#include "net/http_client.hpp"

namespace hotreload::detail::etcd {
namespace {

httplib::Headers headers_for(const std::string& token) {
  httplib::Headers headers;
  // etcd takes the bare token, not "Bearer <token>".
  if (!token.empty()) headers.emplace("Authorization", token);
  // The gateway passes Grpc-Metadata-* headers on as gRPC metadata; "hasleader" is what etcd's
  // own client sends (WithRequireLeader): a member without a leader answers "etcdserver: no
  // leader" at once, and cancels a running watch when it loses its leader, instead of waiting
  // (a range) or staying silent (a watch) while the rest of the cluster moves on.
  headers.emplace("Grpc-Metadata-hasleader", "true");
  return headers;
}

// A POST of a JSON body that records the reply's status in `status` and hands its bytes to
// `receive`. Read through a receiver so that the body of an error reply survives: the gateway
// ends those with an HTTP trailer (Grpc-Trailer-Content-Type) that cpp-httplib 0.11 reports as a
// read error.
httplib::Request json_post(const std::string& path, const std::string& body, const std::string& token, int& status,
                           httplib::ContentReceiverWithProgress receive) {
  httplib::Request request;
  request.method = "POST";
  request.path = path;
  request.headers = headers_for(token);
  request.headers.emplace("Content-Type", "application/json");
  request.body = body;
  request.response_handler = [&status](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  request.content_receiver = std::move(receive);
  return request;
}

// Sends `request`; false with `error` set when it could not be sent or its reply not read.
bool send_request(httplib::Client& client, httplib::Request& request, httplib::Error& error) {
  httplib::Response response;
  net::SigpipeGuard no_sigpipe;
  return client.send(request, response, error);
}

}  // namespace

Connection::Connection(EtcdEndpoint endpoint, std::string layer_url, EtcdOptions options)
    : endpoint_(std::move(endpoint)), layer_url_(std::move(layer_url)), options_(std::move(options)) {}

Connection::~Connection() = default;

std::string Connection::endpoint() const { return endpoint_.text(); }

Error Connection::failure(const std::string& what) const {
  return Error{ErrorCode::io, "etcd at " + endpoint() + ": " + what, {layer_url_, 0, 0}, {}};
}

std::unique_ptr<httplib::Client> Connection::make_client(std::chrono::milliseconds read_timeout) const {
  const EtcdTls& tls = options_.tls;
  const bool https = tls.enabled || !tls.ca_file.empty() || !tls.cert_file.empty() || !tls.key_file.empty();
  const std::string base = (https ? "https://" : "http://") + endpoint();
  auto client = std::make_unique<httplib::Client>(base, tls.cert_file, tls.key_file);
  if (https) {
    if (!tls.ca_file.empty()) client->set_ca_cert_path(tls.ca_file);
    client->enable_server_certificate_verification(true);
  }
  net::set_timeouts(*client, options_.connect_timeout, read_timeout, options_.request_timeout);
  client->set_keep_alive(false);
  return client;
}

Result<std::string> Connection::post(const std::string& path, const std::string& body, const std::string& token) {
  auto client = make_client(options_.request_timeout);
  Active active;
  if (!enter(*client, active)) return unexpected(failure("interrupted"));
  int status = 0;
  std::string reply;
  httplib::Request request =
      json_post(path, body, token, status, [&](const char* data, std::size_t length, std::uint64_t, std::uint64_t) {
        if (reply.size() + length > options_.parse.limits.max_file_bytes + 4096) return false;
        reply.append(data, length);
        return true;
      });
  httplib::Error error = httplib::Error::Success;
  const bool sent = send_request(*client, request, error);
  if (leave(active)) return unexpected(failure("interrupted"));
  if (status != 0 && status != 200) {
    return unexpected(failure("HTTP " + std::to_string(status) + ": " + gateway_error_text(reply)));
  }
  if (!sent) return unexpected(failure(net::describe(error, "etcd")));
  return reply;
}

Result<void> Connection::stream(const std::string& path, const std::string& body, const std::string& token,
                                const std::function<bool(std::string_view line)>& on_line) {
  auto client = make_client(options_.watch_idle_timeout);
  Active active;
  if (!enter(*client, active)) return unexpected(failure("interrupted"));
  int status = 0;
  std::string pending;      // a line not yet complete
  std::string error_body;   // the reply of a non-200 status
  bool stopped_by_caller = false;
  auto receive = [&](const char* data, std::size_t length, std::uint64_t, std::uint64_t) {
    if (status != 200) {
      if (error_body.size() < 4096) error_body.append(data, length);
      return true;
    }
    pending.append(data, length);
    std::size_t start = 0;
    for (std::size_t newline; (newline = pending.find('\n', start)) != std::string::npos; start = newline + 1) {
      std::string_view line(pending.data() + start, newline - start);
      if (line.empty()) continue;
      if (!on_line(line)) {
        stopped_by_caller = true;
        return false;
      }
    }
    pending.erase(0, start);
    return true;
  };
  httplib::Request request = json_post(path, body, token, status, receive);
  httplib::Error error = httplib::Error::Success;
  const bool sent = send_request(*client, request, error);
  const bool interrupted = leave(active);
  if (stopped_by_caller) return {};
  if (interrupted) return unexpected(failure("interrupted"));
  if (status != 0 && status != 200) {
    return unexpected(failure("HTTP " + std::to_string(status) + ": " + gateway_error_text(error_body)));
  }
  if (!sent) {
    if (error == httplib::Error::Read) return unexpected(failure("the watch stream broke or stayed idle too long"));
    return unexpected(failure(net::describe(error, "etcd")));
  }
  return unexpected(failure("the watch stream ended"));
}

bool Connection::enter(httplib::Client& client, Active& active) {
  std::lock_guard lock(mu_);
  if (interrupted_) return false;
  active_.insert(&active);
  // Called on the requesting thread for each socket cpp-httplib creates, before it connects.
  client.set_socket_options([this, &active](int socket) {
    std::lock_guard inner(mu_);
    if (active.socket >= 0) ::close(active.socket);
    active.socket = ::fcntl(socket, F_DUPFD_CLOEXEC, 0);
    if (interrupted_ && active.socket >= 0) ::shutdown(active.socket, SHUT_RDWR);
  });
  return true;
}

bool Connection::leave(Active& active) {
  std::lock_guard lock(mu_);
  active_.erase(&active);
  if (active.socket >= 0) ::close(active.socket);
  active.socket = -1;
  return interrupted_;
}

void Connection::interrupt() {
  std::lock_guard lock(mu_);
  interrupted_ = true;
  // shutdown() acts on the socket, not the descriptor: the reader's recv() on cpp-httplib's own
  // descriptor returns at once, and so does a connect in progress.
  for (Active* active : active_) {
    if (active->socket >= 0) ::shutdown(active->socket, SHUT_RDWR);
  }
}

void Connection::reset_interrupt() {
  std::lock_guard lock(mu_);
  interrupted_ = false;
}

}  // namespace hotreload::detail::etcd
