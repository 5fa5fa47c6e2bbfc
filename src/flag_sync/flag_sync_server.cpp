// The flagd sync service on gRPC's callback API: a SyncFlags stream is a reactor that costs no
// thread while it waits, so thousands of providers can stay connected. Every stream writes the
// newest configuration it has not sent yet, one write at a time: a slow reader skips versions
// instead of queueing them.
#include "hotreload/flag_sync.hpp"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "flagd/sync/v1/sync.grpc.pb.h"
#include "hotreload/admin.hpp"

namespace hotreload {
namespace {

namespace sync_v1 = flagd::sync::v1;

// One published version of what is served; immutable once made.
struct Served {
  std::uint64_t version = 0;
  FlagSyncContent content;

  // The document for `selector`, or nullptr when no source has that name.
  const std::string* find(const std::string& selector) const {
    if (selector.empty()) return &content.merged;
    for (const auto& [name, document] : content.sources) {
      if (name == selector) return &document;
    }
    return nullptr;
  }
  std::string unknown(const std::string& selector) const {
    std::string names;
    for (const auto& [name, document] : content.sources) names += (names.empty() ? "" : ", ") + name;
    return "no flag source is selected by \"" + selector + "\"; served: " + (names.empty() ? "(none)" : names) +
           ", or no selector for all of them merged";
  }
};

// The header wins over the deprecated request field, as flagd does.
std::string selector_of(const grpc::CallbackServerContext& context, const std::string& field) {
  const auto& metadata = context.client_metadata();
  if (auto found = metadata.find("flagd-selector"); found != metadata.end()) {
    return std::string(found->second.data(), found->second.size());
  }
  return field;
}

class SyncStream;

}  // namespace

// Shared by the service's reactors and the owner: the current version and the open streams.
struct FlagSyncServer::State {
  explicit State(FlagSyncOptions options_in) : options(std::move(options_in)) {}

  std::shared_ptr<const Served> current() const {
    std::lock_guard lock(mu);
    return served;
  }

  FlagSyncOptions options;
  mutable std::mutex mu;  // order: mu before a stream's own mutex, never the reverse
  std::shared_ptr<const Served> served;  // guarded by mu
  std::set<SyncStream*> streams;         // guarded by mu
  std::atomic<std::size_t> open_streams{0};
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<sync_v1::FlagSyncService::CallbackService> service;
  int port = 0;
  // Declared last: removed from the registry first, before what they read goes away.
  CallbackMetric streams_metric;
  CallbackMetric publishes_metric;
};

namespace {

class SyncStream final : public grpc::ServerWriteReactor<sync_v1::SyncFlagsResponse> {
 public:
  SyncStream(FlagSyncServer::State& state, std::string selector) : state_(state), selector_(std::move(selector)) {}

  // Registers with the state (under its lock) and sends the current version.
  void open() {
    std::shared_ptr<const Served> served;
    {
      std::lock_guard lock(state_.mu);
      state_.streams.insert(this);
      served = state_.served;
    }
    if (prepare(*served)) write();
  }

  // Takes `served` as the next write unless a write is in flight (its completion offers the newest
  // then), it was sent already, or its document for this stream is the one sent last; true when the caller must write(). Called with or without
  // State::mu held. While a write is prepared the stream cannot finish, so it stays alive until
  // write() even after State::mu is released.
  bool prepare(const Served& served) {
    std::lock_guard lock(mu_);
    if (finished_ || cancelled_ || writing_ || served.version <= sent_version_) return false;
    const std::string* document = served.find(selector_);
    if (!document) return false;  // the source was dropped: keep the stream, send when it is back
    if (sent_version_ > 0 && response_.flag_configuration() == *document) {
      sent_version_ = served.version;  // another source changed: this client has nothing new
      return false;
    }
    writing_ = true;
    sent_version_ = served.version;
    response_.set_flag_configuration(*document);
    return true;
  }

  // Never called under a lock: gRPC may run the completion on this thread.
  void write() { StartWrite(&response_); }

  void OnWriteDone(bool ok) override {
    bool finish = false;
    {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok || cancelled_) finish = !std::exchange(finished_, true);
    }
    if (finish) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    if (prepare(*state_.current())) write();  // a publish() during the write
  }

  // With a write in flight, its completion (not ok) finishes instead.
  void OnCancel() override {
    bool finish = false;
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
      finish = !writing_ && !std::exchange(finished_, true);
    }
    if (finish) Finish(grpc::Status::CANCELLED);
  }

  // gRPC calls it last, once every other reaction has returned.
  void OnDone() override {
    {
      std::lock_guard lock(state_.mu);
      state_.streams.erase(this);
    }
    state_.open_streams.fetch_sub(1, std::memory_order_relaxed);
    delete this;
  }

 private:
  FlagSyncServer::State& state_;
  const std::string selector_;
  std::mutex mu_;
  bool writing_ = false;     // guarded by mu_
  bool finished_ = false;    // guarded by mu_
  bool cancelled_ = false;   // guarded by mu_
  std::uint64_t sent_version_ = 0;  // guarded by mu_; versions start at 1
  sync_v1::SyncFlagsResponse response_;  // owned by the write in flight
};

// A stream refused before it started: it only finishes.
class RefusedStream final : public grpc::ServerWriteReactor<sync_v1::SyncFlagsResponse> {
 public:
  explicit RefusedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

class Service final : public sync_v1::FlagSyncService::CallbackService {
 public:
  explicit Service(FlagSyncServer::State& state) : state_(state) {}

  grpc::ServerWriteReactor<sync_v1::SyncFlagsResponse>* SyncFlags(grpc::CallbackServerContext* context,
                                                                   const sync_v1::SyncFlagsRequest* request) override {
    const std::string selector = selector_of(*context, request->selector());
    std::shared_ptr<const Served> served = state_.current();
    if (!served->find(selector)) return new RefusedStream(grpc::Status(grpc::StatusCode::NOT_FOUND, served->unknown(selector)));
    if (state_.open_streams.fetch_add(1, std::memory_order_relaxed) >= state_.options.max_streams) {
      state_.open_streams.fetch_sub(1, std::memory_order_relaxed);
      return new RefusedStream(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                            "too many sync streams open (max_streams " +
                                                std::to_string(state_.options.max_streams) + ")"));
    }
    auto* stream = new SyncStream(state_, selector);
    stream->open();
    return stream;
  }

  grpc::ServerUnaryReactor* FetchAllFlags(grpc::CallbackServerContext* context,
                                          const sync_v1::FetchAllFlagsRequest* request,
                                          sync_v1::FetchAllFlagsResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const std::string selector = selector_of(*context, request->selector());
    std::shared_ptr<const Served> served = state_.current();
    if (const std::string* document = served->find(selector)) {
      response->set_flag_configuration(*document);
      reactor->Finish(grpc::Status::OK);
    } else {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, served->unknown(selector)));
    }
    return reactor;
  }

  grpc::ServerUnaryReactor* GetMetadata(grpc::CallbackServerContext* context, const sync_v1::GetMetadataRequest*,
                                        sync_v1::GetMetadataResponse* response) override {
    response->mutable_metadata();  // present and empty: no static context
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  FlagSyncServer::State& state_;
};

Error usage(std::string message) { return Error{ErrorCode::usage, std::move(message), {}, {}}; }

}  // namespace

Result<std::unique_ptr<FlagSyncServer>, Error> FlagSyncServer::start(FlagSyncOptions options,
                                                                     FlagSyncContent content) {
  if (!options.allow_remote && !is_loopback(options.host)) {
    return unexpected(usage("refusing to serve flag sync on \"" + options.host +
                            "\", which is not a loopback address (allow_remote / --allow-remote to override)"));
  }
  if (options.port < 0 || options.port > 65535) {
    return unexpected(usage("flag sync port out of range: " + std::to_string(options.port)));
  }
  if (options.min_ping_interval.count() <= 0 || options.keepalive_time.count() <= 0 || options.max_streams == 0) {
    return unexpected(usage("flag sync: min_ping_interval, keepalive_time and max_streams must be positive"));
  }
  auto state = std::make_unique<State>(options);
  state->served = std::make_shared<const Served>(Served{1, std::move(content)});
  state->service = std::make_unique<Service>(*state);

  const bool ipv6 = options.host.find(':') != std::string::npos;
  const std::string address = (ipv6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &state->port);
  // gRPC sets SO_REUSEPORT by default: a second server on a port in use would share it silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(state->service.get());
  // Providers ping on idle streams (every 30 s by default in flagd's): tolerate it, or gRPC answers
  // GOAWAY too_many_pings after two pings closer than its 5-minute default.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             static_cast<int>(options.min_ping_interval.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Our own pings find clients that vanished without closing (a killed pod), so streams do not leak.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(options.keepalive_time.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  state->server = builder.BuildAndStart();
  if (!state->server || state->port == 0) {
    return unexpected(Error{ErrorCode::io, "flag sync: cannot listen on " + address, {}, {}});
  }
  if (options.metrics != nullptr) {
    State* s = state.get();
    state->streams_metric = options.metrics->gauge_callback(
        "hotreload_flag_sync_streams", "flagd sync (SyncFlags) streams connected.",
        [s] { return static_cast<double>(s->open_streams.load(std::memory_order_relaxed)); });
    state->publishes_metric = options.metrics->counter_callback(
        "hotreload_flag_sync_publishes_total", "Flag configurations published to flagd sync clients after the first.",
        [s] { return static_cast<double>(s->current()->version - 1); });
  }
  return std::unique_ptr<FlagSyncServer>(new FlagSyncServer(std::move(state)));
}

FlagSyncServer::FlagSyncServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

FlagSyncServer::~FlagSyncServer() {
  // Cancels the open streams at once (their reactors finish and delete themselves), then waits for
  // every reaction to return before the state they use goes away.
  state_->server->Shutdown(std::chrono::system_clock::now());
  state_->server->Wait();
}

int FlagSyncServer::port() const { return state_->port; }

void FlagSyncServer::publish(FlagSyncContent content) {
  std::vector<SyncStream*> to_write;
  {
    std::lock_guard lock(state_->mu);
    auto next = std::make_shared<const Served>(Served{state_->served->version + 1, std::move(content)});
    state_->served = next;
    for (SyncStream* stream : state_->streams) {
      if (stream->prepare(*next)) to_write.push_back(stream);
    }
  }
  for (SyncStream* stream : to_write) stream->write();
}

std::uint64_t FlagSyncServer::version() const { return state_->current()->version - 1; }

std::size_t FlagSyncServer::connected_streams() const {
  return state_->open_streams.load(std::memory_order_relaxed);
}

}  // namespace hotreload
