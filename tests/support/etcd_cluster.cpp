#include "support/etcd_cluster.hpp"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "etcd/etcd_wire.hpp"
#include "support/etcd_server.hpp"

namespace hotreload::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kBound = 30s;  // a failure bound, never a pace

std::string peer_url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

}  // namespace

EtcdCluster::EtcdCluster() : members_(kMembers) {
  std::set<int> taken;
  auto fresh_port = [&] {
    int port = 0;
    do {
      port = free_loopback_port();
    } while (port == 0 || !taken.insert(port).second);
    return port;
  };
  for (std::size_t i = 0; i < kMembers; ++i) {
    members_[i].client_port = fresh_port();
    members_[i].peer_port = fresh_port();
    initial_cluster_ += (i == 0 ? "" : ",") + ("m" + std::to_string(i)) + "=" + peer_url(members_[i].peer_port);
  }
}

EtcdCluster::~EtcdCluster() {
  for (std::size_t i = 0; i < kMembers; ++i) stop(i);
}

void EtcdCluster::launch(std::size_t member) {
  auto etcd = EtcdServer::binary();
  if (!etcd || members_[member].process) return;
  const std::string name = "m" + std::to_string(member);
  const std::string client = "http://" + endpoint(member);
  const std::string peer = peer_url(members_[member].peer_port);
  // The initial-cluster flags only matter the first time; a restart reads its data dir.
  members_[member].process = std::make_unique<ChildProcess>(
      std::vector<std::string>{*etcd, "--name", name, "--data-dir", dir_.file(name), "--listen-client-urls", client,
                               "--advertise-client-urls", client, "--listen-peer-urls", peer,
                               "--initial-advertise-peer-urls", peer, "--initial-cluster", initial_cluster_,
                               "--initial-cluster-state", "new", "--initial-cluster-token",
                               "hotreload-test-" + dir_.path().filename().string()},
      dir_.file(name + ".log"));
}

bool EtcdCluster::wait_healthy(std::size_t member) {
  httplib::Client health("http://" + endpoint(member));
  health.set_connection_timeout(0, 200000);
  health.set_read_timeout(2, 0);
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < deadline && members_[member].process) {
    auto reply = health.Get("/health");
    if (reply && reply->status == 200 && reply->body.find("\"true\"") != std::string::npos) return true;
    if (members_[member].process->wait(50ms)) break;  // exited: a port taken meanwhile, say
  }
  ADD_FAILURE() << "etcd member " << member << " did not become healthy; log:\n" << log(member);
  return false;
}

bool EtcdCluster::start() {
  for (std::size_t i = 0; i < kMembers; ++i) launch(i);
  bool healthy = true;
  for (std::size_t i = 0; i < kMembers; ++i) healthy = wait_healthy(i) && healthy;
  return healthy;
}

void EtcdCluster::stop(std::size_t member) {
  auto& process = members_[member].process;
  if (!process) return;
  if (members_[member].frozen) process->send_signal(SIGCONT);
  process->send_signal(SIGTERM);
  if (!process->wait(kBound)) process->send_signal(SIGKILL);
  process.reset();
  members_[member].frozen = false;
}

void EtcdCluster::kill(std::size_t member) {
  auto& process = members_[member].process;
  if (!process) return;
  process->send_signal(SIGKILL);
  (void)process->wait(kBound);
  process.reset();
  members_[member].frozen = false;
}

void EtcdCluster::freeze(std::size_t member) {
  if (!members_[member].process) return;
  members_[member].process->send_signal(SIGSTOP);
  members_[member].frozen = true;
}

bool EtcdCluster::restart(std::initializer_list<std::size_t> members) {
  for (std::size_t member : members) launch(member);
  bool healthy = true;
  for (std::size_t member : members) healthy = wait_healthy(member) && healthy;
  return healthy;
}

std::string EtcdCluster::endpoint(std::size_t member) const {
  return "127.0.0.1:" + std::to_string(members_[member].client_port);
}

std::optional<std::size_t> EtcdCluster::member_at(const std::string& endpoint) const {
  for (std::size_t i = 0; i < kMembers; ++i) {
    if (this->endpoint(i) == endpoint) return i;
  }
  return std::nullopt;
}

std::string EtcdCluster::url(const std::string& key, std::vector<std::size_t> order) const {
  if (order.empty()) order = {0, 1, 2};
  std::string out = "etcd://";
  for (std::size_t i = 0; i < order.size(); ++i) out += (i == 0 ? "" : ",") + endpoint(order[i]);
  return out + key;
}

std::optional<std::string> EtcdCluster::post(std::size_t member, const std::string& path, const std::string& body) const {
  httplib::Client client("http://" + endpoint(member));
  client.set_connection_timeout(0, 500000);
  client.set_read_timeout(10, 0);
  auto reply = client.Post(path, body, "application/json");
  if (!reply || reply->status != 200) return std::nullopt;
  return reply->body;
}

std::optional<std::size_t> EtcdCluster::leader() {
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < deadline) {
    // member id -> index, and the leader id each running member reports.
    std::map<std::string, std::size_t> ids;
    std::set<std::string> leaders;
    bool all_answered = true;
    for (std::size_t i = 0; i < kMembers; ++i) {
      if (!running(i) || members_[i].frozen) continue;
      auto reply = post(i, "/v3/maintenance/status", "{}");
      auto status = reply ? nlohmann::json::parse(*reply, nullptr, false) : nlohmann::json();
      if (!status.is_object() || !status.contains("header")) {
        all_answered = false;
        break;
      }
      ids[status["header"].value("member_id", "")] = i;
      leaders.insert(status.value("leader", "0"));
    }
    if (all_answered && leaders.size() == 1 && *leaders.begin() != "0") {
      auto found = ids.find(*leaders.begin());
      if (found != ids.end()) return found->second;
    }
    std::this_thread::sleep_for(50ms);  // polling within a bound, not pacing the test
  }
  ADD_FAILURE() << "the running etcd members did not agree on a leader";
  return std::nullopt;
}

std::int64_t EtcdCluster::put(const std::string& key, const std::string& value) {
  using detail::etcd::base64_encode;
  const std::string body = nlohmann::json{{"key", base64_encode(key)}, {"value", base64_encode(value)}}.dump();
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < kMembers; ++i) {
      if (!running(i) || members_[i].frozen) continue;
      if (auto reply = post(i, "/v3/kv/put", body)) {
        auto parsed = nlohmann::json::parse(*reply, nullptr, false);
        if (parsed.is_object() && parsed.contains("header")) return std::stoll(parsed["header"].value("revision", "0"));
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "no etcd member accepted the put of " << key;
  return 0;
}

std::string EtcdCluster::log(std::size_t member) const {
  std::ifstream in(dir_.file("m" + std::to_string(member) + ".log"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

}  // namespace hotreload::testing
