#include "support/etcd_server.hpp"
#include "support/test_certificates.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "etcd/etcd_wire.hpp"

namespace hotreload::testing {
namespace {

using namespace std::chrono_literals;

std::int64_t revision_of(const std::string& body) {
  auto reply = nlohmann::json::parse(body, nullptr, false);
  if (reply.is_discarded() || !reply.contains("header")) return 0;
  return std::stoll(reply["header"].value("revision", "0"));
}

}  // namespace

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::optional<std::string> EtcdServer::binary() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::filesystem::path candidate = std::filesystem::path(dir) / "etcd";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

EtcdServer::EtcdServer() {
  client_port_ = free_loopback_port();
  do {
    peer_port_ = free_loopback_port();
  } while (peer_port_ == client_port_);
}

EtcdServer::~EtcdServer() { stop(); }

bool EtcdServer::start() {
  if (process_) return true;
  auto etcd = binary();
  if (!etcd) return false;
  const std::string client = (tls_ ? "https://" : "http://") + endpoint();
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{*etcd, "--name", "t", "--data-dir", dir_.file("data"), "--listen-client-urls", client,
                               "--advertise-client-urls", client, "--listen-peer-urls", peer,
                               "--initial-advertise-peer-urls", peer, "--initial-cluster", "t=" + peer,
                               "--cert-file", tls_ ? dir_.file("server.pem") : "", "--key-file",
                               tls_ ? dir_.file("server.key") : ""},
      dir_.file("etcd.log"));
  httplib::Client health(client);
  if (tls_) health.set_ca_cert_path(ca_file());
  health.set_connection_timeout(0, 200000);
  health.set_read_timeout(1, 0);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto reply = health.Get("/health");
    if (reply && reply->status == 200 && reply->body.find("true") != std::string::npos) return true;
    if (process_->wait(50ms)) break;  // exited: a port taken meanwhile, say
  }
  ADD_FAILURE() << "etcd did not become healthy; log:\n" << log();
  process_.reset();
  return false;
}

void EtcdServer::stop() {
  if (!process_) return;
  process_->send_signal(SIGTERM);
  if (!process_->wait(20s)) process_->send_signal(SIGKILL);
  process_.reset();
}

bool EtcdServer::enable_tls() {
  if (!make_test_certificates(dir_.path().string())) return false;
  tls_ = true;
  return true;
}

void EtcdServer::wipe() {
  stop();
  std::filesystem::remove_all(dir_.file("data"));
}

std::string EtcdServer::log() const {
  std::ifstream in(dir_.file("etcd.log"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

std::optional<std::string> EtcdServer::post(const std::string& path, const std::string& body) {
  httplib::Client client((tls_ ? "https://" : "http://") + endpoint());
  if (tls_) client.set_ca_cert_path(ca_file());
  client.set_read_timeout(10, 0);
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", token_);
  auto reply = client.Post(path, headers, body, "application/json");
  if (!reply || reply->status != 200) return std::nullopt;
  return reply->body;
}

std::int64_t EtcdServer::put(const std::string& key, const std::string& value) {
  using detail::etcd::base64_encode;
  nlohmann::json body = {{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  auto reply = post("/v3/kv/put", body.dump());
  EXPECT_TRUE(reply.has_value()) << "put " << key;
  return reply ? revision_of(*reply) : 0;
}

std::int64_t EtcdServer::remove(const std::string& key) {
  nlohmann::json body = {{"key", detail::etcd::base64_encode(key)}};
  auto reply = post("/v3/kv/deleterange", body.dump());
  EXPECT_TRUE(reply.has_value()) << "delete " << key;
  return reply ? revision_of(*reply) : 0;
}

std::int64_t EtcdServer::put_all(const std::vector<std::pair<std::string, std::string>>& pairs) {
  using detail::etcd::base64_encode;
  nlohmann::json success = nlohmann::json::array();
  for (const auto& [key, value] : pairs) {
    success.push_back({{"request_put", {{"key", base64_encode(key)}, {"value", base64_encode(value)}}}});
  }
  auto reply = post("/v3/kv/txn", nlohmann::json{{"success", success}}.dump());
  EXPECT_TRUE(reply.has_value()) << "txn";
  return reply ? revision_of(*reply) : 0;
}

std::int64_t EtcdServer::revision() {
  nlohmann::json body = {{"key", detail::etcd::base64_encode("/")}, {"count_only", true}};
  auto reply = post("/v3/kv/range", body.dump());
  return reply ? revision_of(*reply) : 0;
}

bool EtcdServer::enable_auth(const std::string& user, const std::string& password) {
  if (!post("/v3/auth/user/add", nlohmann::json{{"name", user}, {"password", password}}.dump())) return false;
  if (!post("/v3/auth/user/grant", nlohmann::json{{"user", user}, {"role", "root"}}.dump())) return false;
  if (!post("/v3/auth/enable", "{}")) return false;
  auto reply = post("/v3/auth/authenticate", nlohmann::json{{"name", user}, {"password", password}}.dump());
  if (!reply) return false;
  token_ = nlohmann::json::parse(*reply).value("token", "");
  return !token_.empty();
}

bool EtcdServer::compact(std::int64_t revision) {
  nlohmann::json body = {{"revision", std::to_string(revision)}, {"physical", true}};
  return post("/v3/kv/compaction", body.dump()).has_value();
}

}  // namespace hotreload::testing
