// A gRPC client of flagd's FlagSyncService (the generated stub) for the tests: each call has its own
// context with a failure bound as its deadline.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "flagd/sync/v1/sync.grpc.pb.h"

namespace hotreload::testing {

namespace sync_v1 = flagd::sync::v1;

constexpr std::chrono::seconds kSyncBound{20};  // a failure bound for awaited answers, never a pace

// A client of one server; each call has its own context with the failure bound as deadline.
class SyncClient {
 public:
  explicit SyncClient(int port, grpc::ChannelArguments args = {})
      : stub_(sync_v1::FlagSyncService::NewStub(grpc::CreateCustomChannel(
            "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args))) {}

  // Opens a SyncFlags stream, with `selector` in the flagd-selector header when not empty.
  std::unique_ptr<grpc::ClientReader<sync_v1::SyncFlagsResponse>> sync(grpc::ClientContext& context,
                                                                       const std::string& selector = "",
                                                                       const std::string& field = "") {
    context.set_deadline(std::chrono::system_clock::now() + kSyncBound);
    if (!selector.empty()) context.AddMetadata("flagd-selector", selector);
    sync_v1::SyncFlagsRequest request;
    request.set_selector(field);
    return stub_->SyncFlags(&context, request);
  }

  grpc::Status fetch(std::string& configuration, const std::string& selector = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kSyncBound);
    if (!selector.empty()) context.AddMetadata("flagd-selector", selector);
    sync_v1::FetchAllFlagsResponse response;
    grpc::Status status = stub_->FetchAllFlags(&context, sync_v1::FetchAllFlagsRequest(), &response);
    configuration = response.flag_configuration();
    return status;
  }

  sync_v1::FlagSyncService::Stub& stub() { return *stub_; }

 private:
  std::unique_ptr<sync_v1::FlagSyncService::Stub> stub_;
};

inline std::string next(grpc::ClientReader<sync_v1::SyncFlagsResponse>& reader) {
  sync_v1::SyncFlagsResponse response;
  if (!reader.Read(&response)) return "<stream ended>";
  return response.flag_configuration();
}

}  // namespace hotreload::testing
