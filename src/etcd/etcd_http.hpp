// HTTP(S) to one etcd member's JSON gateway with cpp-httplib: unary POSTs and a streaming POST
// (the watch) that another thread can interrupt by shutting its socket down. Every request asks
// the member to refuse it (and to end a watch) while it has no leader, so a member cut off from
// its cluster fails rather than serving stale data: the source then fails over to another.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "hotreload/error.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/result.hpp"

namespace httplib {
class Client;
}

namespace hotreload::detail::etcd {

class Connection {
 public:
  // `layer_url` locates the errors (the layer's name, whichever member is in use).
  Connection(EtcdEndpoint endpoint, std::string layer_url, EtcdOptions options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // POSTs a JSON body; the body of a 200 reply, else an io error that names the endpoint and
  // says what failed (no connection, a timeout, the gateway's error message and HTTP status).
  Result<std::string> post(const std::string& path, const std::string& body, const std::string& token);

  // POSTs and hands each line of the streamed reply to on_line until the stream ends (an io
  // error), on_line returns false (success) or interrupt() is called (an io error).
  Result<void> stream(const std::string& path, const std::string& body, const std::string& token,
                      const std::function<bool(std::string_view line)>& on_line);

  // Shuts the sockets of running requests down so they return promptly; requests that start
  // afterwards fail at once until reset_interrupt(). Any thread.
  void interrupt();
  void reset_interrupt();

  // "127.0.0.1:2379", for messages.
  std::string endpoint() const;

 private:
  std::unique_ptr<httplib::Client> make_client(std::chrono::milliseconds read_timeout) const;
  Error failure(const std::string& what) const;

  const EtcdEndpoint endpoint_;
  const std::string layer_url_;
  const EtcdOptions options_;
  // A request in flight: a duplicate of its socket's descriptor, so interrupt() can shut the
  // socket down without racing cpp-httplib closing (and the kernel reusing) the original.
  struct Active {
    int socket = -1;  // guarded by mu_
  };
  // Registers a request for interrupt(); false when already interrupted.
  bool enter(httplib::Client& client, Active& active);
  bool leave(Active& active);  // true when interrupt() came meanwhile

  std::mutex mu_;
  std::set<Active*> active_;  // guarded by mu_: requests in flight
  bool interrupted_ = false;  // guarded by mu_
};

}  // namespace hotreload::detail::etcd
