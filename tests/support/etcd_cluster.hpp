// A real 3-member etcd cluster on 127.0.0.1 for failover tests: free ports, a data dir per member,
// the leader as the members see it, and members stopped, killed and restarted on their data.
// Tests skip when the `etcd` binary is not installed (HOTRELOAD_REQUIRE_ETCD).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::testing {

class EtcdCluster {
 public:
  static constexpr std::size_t kMembers = 3;

  EtcdCluster();   // picks ports and data dirs; does not start
  ~EtcdCluster();  // stops every member
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // Starts every member as a new cluster and waits (bounded) until each answers /health, which
  // etcd does once the cluster has a leader; false with the logs' tails on failure.
  bool start();
  // SIGTERM and wait: a leader hands leadership over before it goes.
  void stop(std::size_t member);
  // SIGKILL: the member dies; if it led, the others notice only by the missed heartbeats.
  void kill(std::size_t member);
  // SIGSTOP: the member hangs with its connections open (kill() it afterwards); put() and
  // leader() leave it out.
  void freeze(std::size_t member);
  // Starts stopped members again on their data dirs and waits until each is healthy (a member
  // alone is not: restart enough of them together to make a quorum).
  bool restart(std::initializer_list<std::size_t> members);
  bool running(std::size_t member) const { return members_[member].process != nullptr; }

  // "127.0.0.1:PORT", a member's client endpoint.
  std::string endpoint(std::size_t member) const;
  // The member whose client endpoint is `endpoint`, or nullopt.
  std::optional<std::size_t> member_at(const std::string& endpoint) const;
  // "etcd://A,B,C" + key, the members in `order` (default: 0, 1, 2).
  std::string url(const std::string& key, std::vector<std::size_t> order = {}) const;

  // The leader, once every running member names the same one (bounded wait); nullopt otherwise.
  std::optional<std::size_t> leader();

  // Writes through the first running member that accepts it, retrying within a bound (a write
  // during an election is refused): the revision of the write, 0 on failure (a gtest failure).
  std::int64_t put(const std::string& key, const std::string& value);
  std::string log(std::size_t member) const;

 private:
  struct Member {
    int client_port = 0;
    int peer_port = 0;
    std::unique_ptr<ChildProcess> process;
    bool frozen = false;  // SIGSTOPped: put() and leader() do not wait on it
  };
  void launch(std::size_t member);
  bool wait_healthy(std::size_t member);
  std::optional<std::string> post(std::size_t member, const std::string& path, const std::string& body) const;

  TempDir dir_;
  std::vector<Member> members_;
  std::string initial_cluster_;  // "m0=http://127.0.0.1:P0,m1=...,m2=..."
};

}  // namespace hotreload::testing
