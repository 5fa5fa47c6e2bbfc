// FlagSyncServer against gRPC's own client and the generated stub: real HTTP/2 on 127.0.0.1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "flagd/sync/v1/sync.grpc.pb.h"
#include "hotreload/flag_sync.hpp"
#include "support/exec_support.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace sync_v1 = flagd::sync::v1;

constexpr auto kBound = 20s;  // a failure bound for awaited answers, never a pace

const std::string kFlagsA = R"({"flags":{"a":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"on"}}})";
const std::string kFlagsB = R"({"flags":{"b":{"state":"ENABLED","variants":{"x":"1","y":"2"},"defaultVariant":"x"}}})";
const std::string kMerged = R"({"flags":{"a":{},"b":{}}})";

FlagSyncContent two_sources() { return {.merged = kMerged, .sources = {{"a.json", kFlagsA}, {"b.json", kFlagsB}}}; }

std::unique_ptr<FlagSyncServer> start_server(FlagSyncContent content, FlagSyncOptions options = {}) {
  auto server = FlagSyncServer::start(options, std::move(content));
  EXPECT_TRUE(server) << server.error().to_string();
  return server ? std::move(*server) : nullptr;
}

// A client of one server; each call has its own context with the failure bound as deadline.
class Client {
 public:
  explicit Client(int port, grpc::ChannelArguments args = {})
      : stub_(sync_v1::FlagSyncService::NewStub(grpc::CreateCustomChannel(
            "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args))) {}

  // Opens a SyncFlags stream, with `selector` in the flagd-selector header when not empty.
  std::unique_ptr<grpc::ClientReader<sync_v1::SyncFlagsResponse>> sync(grpc::ClientContext& context,
                                                                       const std::string& selector = "",
                                                                       const std::string& field = "") {
    context.set_deadline(std::chrono::system_clock::now() + kBound);
    if (!selector.empty()) context.AddMetadata("flagd-selector", selector);
    sync_v1::SyncFlagsRequest request;
    request.set_selector(field);
    return stub_->SyncFlags(&context, request);
  }

  grpc::Status fetch(std::string& configuration, const std::string& selector = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kBound);
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

std::string next(grpc::ClientReader<sync_v1::SyncFlagsResponse>& reader) {
  sync_v1::SyncFlagsResponse response;
  if (!reader.Read(&response)) return "<stream ended>";
  return response.flag_configuration();
}

TEST(FlagSync, AStreamGetsTheFlagsOnConnectAndAfterEveryPublish) {
  auto server = start_server({.merged = kFlagsA});
  ASSERT_TRUE(server);
  EXPECT_EQ(server->version(), 0u);
  Client client(server->port());
  grpc::ClientContext context;
  auto stream = client.sync(context);
  EXPECT_EQ(next(*stream), kFlagsA);
  EXPECT_EQ(server->connected_streams(), 1u);

  server->publish({.merged = kFlagsB});
  EXPECT_EQ(server->version(), 1u);
  EXPECT_EQ(next(*stream), kFlagsB);
  server->publish({.merged = kFlagsA});
  EXPECT_EQ(next(*stream), kFlagsA);

  context.TryCancel();
  EXPECT_TRUE(testing::eventually([&] { return server->connected_streams() == 0; }, kBound));
}

TEST(FlagSync, EveryStreamGetsEveryPublish) {
  auto server = start_server({.merged = kFlagsA});
  ASSERT_TRUE(server);
  Client client(server->port());
  grpc::ClientContext first_context;
  grpc::ClientContext second_context;
  auto first = client.sync(first_context);
  auto second = client.sync(second_context);
  EXPECT_EQ(next(*first), kFlagsA);
  EXPECT_EQ(next(*second), kFlagsA);
  server->publish({.merged = kFlagsB});
  EXPECT_EQ(next(*first), kFlagsB);
  EXPECT_EQ(next(*second), kFlagsB);
}

TEST(FlagSync, TheSelectorHeaderPicksOneSourceAndWinsOverTheField) {
  auto server = start_server(two_sources());
  ASSERT_TRUE(server);
  Client client(server->port());
  grpc::ClientContext by_header;
  auto stream = client.sync(by_header, "b.json", /*field=*/"a.json");
  EXPECT_EQ(next(*stream), kFlagsB);
  grpc::ClientContext by_field;
  auto old_style = client.sync(by_field, "", /*field=*/"a.json");
  EXPECT_EQ(next(*old_style), kFlagsA);
  grpc::ClientContext merged;
  auto all = client.sync(merged);
  EXPECT_EQ(next(*all), kMerged);

  server->publish({.merged = kMerged, .sources = {{"a.json", kFlagsA}, {"b.json", kFlagsA}}});
  EXPECT_EQ(next(*stream), kFlagsA);
}

TEST(FlagSync, AnUnknownSelectorIsNotFoundNamingTheSourcesServed) {
  auto server = start_server(two_sources());
  ASSERT_TRUE(server);
  Client client(server->port());
  grpc::ClientContext context;
  auto stream = client.sync(context, "c.json");
  EXPECT_EQ(next(*stream), "<stream ended>");
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("\"c.json\""));
  EXPECT_THAT(status.error_message(), HasSubstr("a.json, b.json"));

  std::string configuration;
  status = client.fetch(configuration, "c.json");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(FlagSync, FetchAllFlagsReturnsWhatIsServedNow) {
  auto server = start_server(two_sources());
  ASSERT_TRUE(server);
  Client client(server->port());
  std::string configuration;
  ASSERT_TRUE(client.fetch(configuration).ok());
  EXPECT_EQ(configuration, kMerged);
  ASSERT_TRUE(client.fetch(configuration, "a.json").ok());
  EXPECT_EQ(configuration, kFlagsA);
  server->publish({.merged = kFlagsB});
  ASSERT_TRUE(client.fetch(configuration).ok());
  EXPECT_EQ(configuration, kFlagsB);
}

TEST(FlagSync, GetMetadataAnswersAnEmptyStructForOlderProviders) {
  auto server = start_server({.merged = kFlagsA});
  ASSERT_TRUE(server);
  Client client(server->port());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kBound);
  sync_v1::GetMetadataResponse response;
  ASSERT_TRUE(client.stub().GetMetadata(&context, sync_v1::GetMetadataRequest(), &response).ok());
  EXPECT_TRUE(response.has_metadata());
  EXPECT_EQ(response.metadata().fields_size(), 0);
}

TEST(FlagSync, StreamsBeyondTheLimitAreRefusedUntilOneCloses) {
  auto server = start_server({.merged = kFlagsA}, {.max_streams = 1});
  ASSERT_TRUE(server);
  Client client(server->port());
  grpc::ClientContext first_context;
  auto first = client.sync(first_context);
  EXPECT_EQ(next(*first), kFlagsA);

  grpc::ClientContext refused_context;
  auto refused = client.sync(refused_context);
  EXPECT_EQ(next(*refused), "<stream ended>");
  grpc::Status status = refused->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("max_streams 1"));

  first_context.TryCancel();
  ASSERT_TRUE(testing::eventually([&] { return server->connected_streams() == 0; }, kBound));
  grpc::ClientContext again_context;
  auto again = client.sync(again_context);
  EXPECT_EQ(next(*again), kFlagsA);
}

TEST(FlagSync, StoppingTheServerEndsEveryStream) {
  auto server = start_server({.merged = kFlagsA});
  ASSERT_TRUE(server);
  Client client(server->port());
  grpc::ClientContext context;
  auto stream = client.sync(context);
  EXPECT_EQ(next(*stream), kFlagsA);
  server.reset();
  EXPECT_EQ(next(*stream), "<stream ended>");
  EXPECT_FALSE(stream->Finish().ok());
}

TEST(FlagSync, RefusesARemoteHostWithoutAllowRemoteAndABadPort) {
  auto remote = FlagSyncServer::start({.host = "0.0.0.0"}, {.merged = kFlagsA});
  ASSERT_FALSE(remote);
  EXPECT_EQ(remote.error().code, ErrorCode::usage);
  EXPECT_THAT(remote.error().message, HasSubstr("not a loopback address"));
  auto port = FlagSyncServer::start({.port = 70000}, {.merged = kFlagsA});
  ASSERT_FALSE(port);
  EXPECT_THAT(port.error().message, HasSubstr("port out of range: 70000"));
  auto limit = FlagSyncServer::start({.max_streams = 0}, {.merged = kFlagsA});
  ASSERT_FALSE(limit);
  EXPECT_EQ(limit.error().code, ErrorCode::usage);
}

TEST(FlagSync, APortInUseIsAnIoError) {
  auto first = start_server({.merged = kFlagsA});
  ASSERT_TRUE(first);
  auto second = FlagSyncServer::start({.port = first->port()}, {.merged = kFlagsA});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::io);
  EXPECT_THAT(second.error().message, HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(first->port())));
}

// A client that pings its idle stream often (as providers do, every 30 s; here every second, the
// fastest gRPC's client goes, against a server tolerating 100 ms) keeps it: the read ends only at the client's own deadline. The wait
// is the subject of the test, not a synchronisation.
grpc::StatusCode idle_stream_end(std::chrono::milliseconds server_min_ping_interval) {
  auto server = start_server({.merged = kFlagsA}, {.min_ping_interval = server_min_ping_interval});
  if (!server) return grpc::StatusCode::INTERNAL;
  grpc::ChannelArguments pinging;
  pinging.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 200);
  pinging.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  pinging.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  pinging.SetInt(GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS, 200);
  Client client(server->port(), pinging);
  grpc::ClientContext context;
  // gRPC's client pings at most once a second: time for several pings, and the server's strikes.
  context.set_deadline(std::chrono::system_clock::now() + 6s);
  auto idle = client.stub().SyncFlags(&context, sync_v1::SyncFlagsRequest());
  if (next(*idle) != kFlagsA) return grpc::StatusCode::INTERNAL;
  sync_v1::SyncFlagsResponse response;
  while (idle->Read(&response)) {
  }
  return idle->Finish().error_code();
}

TEST(FlagSync, ClientsPingingOftenKeepTheirStreams) {
  EXPECT_EQ(idle_stream_end(100ms), grpc::StatusCode::DEADLINE_EXCEEDED);
}

// The control: gRPC's default tolerance (one ping per 5 minutes) closes the same client.
TEST(FlagSync, WithoutTheToleranceTheSameClientIsClosed) {
  EXPECT_EQ(idle_stream_end(5min), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace hotreload
