// A real etcd on 127.0.0.1 for tests: free ports, a temporary data dir, stop/restart on the same
// data, and a few gateway calls (put, delete, transactions, compaction). Tests skip when the
// `etcd` binary is not installed (scripts/lib.sh installs etcd-server).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::testing {

// A port on 127.0.0.1 the kernel considers free now (bound to port 0, then released).
int free_loopback_port();

class EtcdServer {
 public:
  // The etcd binary on PATH, or nullopt.
  static std::optional<std::string> binary();

  EtcdServer();   // picks ports and a data dir; does not start
  ~EtcdServer();  // stops
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // Starts etcd and waits (bounded) until GET /health answers; false with the log's tail on failure.
  bool start();
  // SIGTERM and wait; the data dir stays, so start() brings back the same keys and revisions.
  void stop();
  bool running() const { return process_ != nullptr; }
  // Serves clients over HTTPS with a CA and a server certificate for 127.0.0.1 made with the
  // `openssl` command (call before start()); false when that fails. ca_file() is the CA to trust.
  bool enable_tls();
  std::string ca_file() const { return dir_.file("ca.pem"); }

  // Deletes the data dir of a stopped etcd: the next start() is a new cluster at revision 1.
  void wipe();

  int port() const { return client_port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }
  // "etcd://127.0.0.1:PORT" + key
  std::string url(const std::string& key) const { return "etcd://" + endpoint() + key; }
  std::string log() const;

  // Gateway calls; each returns the revision of the write (0 on failure, with a gtest failure).
  std::int64_t put(const std::string& key, const std::string& value);
  std::int64_t remove(const std::string& key);
  // Puts every pair in one transaction: one revision, one watch message.
  std::int64_t put_all(const std::vector<std::pair<std::string, std::string>>& pairs);
  std::int64_t revision();
  // Compacts the history up to `revision` (physical: waits until it is done).
  bool compact(std::int64_t revision);
  // Adds `user` with the root role and enables authentication; later calls authenticate as it.
  bool enable_auth(const std::string& user, const std::string& password);
  // POST path with a JSON body; the reply body, or nullopt.
  std::optional<std::string> post(const std::string& path, const std::string& body);

 private:
  TempDir dir_;
  int client_port_ = 0;
  int peer_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::string token_;  // once enable_auth() ran
  bool tls_ = false;
};

}  // namespace hotreload::testing
