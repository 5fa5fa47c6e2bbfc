// Unary calls to an etcd cluster's JSON gateway with failover: the member in use first, then each
// other in a ring, authenticating with the member about to answer (etcd's simple tokens are only
// valid on the member that issued them). What the source's watch does for reads, for the writers
// (the fleet reporter's lease and key) and one-shot readers (fleet status).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "etcd/etcd_http.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/result.hpp"

namespace hotreload::detail::etcd {

// Thread-safety: call() from one thread at a time; interrupt() and reset_interrupt() from any.
class Client {
 public:
  Client(EtcdLocation location, EtcdOptions options);

  // POSTs `body` to `path` (e.g. "/v3/kv/put"); the parsed reply of the first member that
  // answers. Errors (io): the one member's failure, or with several "none of the N members
  // answered: ..." naming each; a reply that is not JSON.
  Result<nlohmann::json> call(const std::string& path, const nlohmann::json& body);

  // Makes calls in flight return promptly and later ones fail until reset_interrupt().
  void interrupt();
  void reset_interrupt();

  const EtcdLocation& location() const { return location_; }

 private:
  Result<nlohmann::json> call_member(Connection& member, const std::string& path, const std::string& body);

  const EtcdLocation location_;
  const EtcdOptions options_;
  std::vector<std::unique_ptr<Connection>> members_;  // one per endpoint, fixed
  std::mutex mu_;
  std::size_t current_ = 0;  // guarded by mu_: the member that answered last
};

}  // namespace hotreload::detail::etcd
