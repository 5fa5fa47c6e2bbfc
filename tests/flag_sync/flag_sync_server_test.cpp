// FlagSyncServer against gRPC's own client and the generated stub: real HTTP/2 on 127.0.0.1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "flag_sync/sync_client.hpp"
#include "hotreload/flag_sync.hpp"
#include "support/exec_support.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::next;
using testing::SyncClient;
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

TEST(FlagSync, AStreamGetsTheFlagsOnConnectAndAfterEveryPublish) {
  auto server = start_server({.merged = kFlagsA});
  ASSERT_TRUE(server);
  EXPECT_EQ(server->version(), 0u);
  SyncClient client(server->port());
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

TEST(FlagSync, MetricsCountStreamsAndPublishesAndLeaveWithTheServer) {
  MetricsRegistry registry;
  auto server = start_server({.merged = kFlagsA}, {.metrics = &registry});
  ASSERT_TRUE(server);
  EXPECT_THAT(registry.expose(), HasSubstr("\nhotreload_flag_sync_streams 0\n"));
  EXPECT_THAT(registry.expose(), HasSubstr("\nhotreload_flag_sync_publishes_total 0\n"));
  SyncClient client(server->port());
  grpc::ClientContext context;
  auto stream = client.sync(context);
  EXPECT_EQ(next(*stream), kFlagsA);
  server->publish({.merged = kFlagsB});
  EXPECT_EQ(next(*stream), kFlagsB);
  EXPECT_THAT(registry.expose(), HasSubstr("\nhotreload_flag_sync_streams 1\n"));
  EXPECT_THAT(registry.expose(), HasSubstr("\nhotreload_flag_sync_publishes_total 1\n"));
  server.reset();
  EXPECT_THAT(registry.expose(), Not(HasSubstr("hotreload_flag_sync")));
}

TEST(FlagSync, EveryStreamGetsEveryPublish) {
  auto server = start_server({.merged = kFlagsA});
  ASSERT_TRUE(server);
  SyncClient client(server->port());
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
  SyncClient client(server->port());
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

TEST(FlagSync, AStreamIsSentOnlyWhenItsOwnDocumentChanged) {
  auto server = start_server(two_sources());
  ASSERT_TRUE(server);
  SyncClient client(server->port());
  grpc::ClientContext context;
  auto only_a = client.sync(context, "a.json");
  EXPECT_EQ(next(*only_a), kFlagsA);
  server->publish({.merged = kFlagsB, .sources = {{"a.json", kFlagsA}, {"b.json", kFlagsA}}});  // b changed
  server->publish({.merged = kFlagsB, .sources = {{"a.json", kFlagsB}, {"b.json", kFlagsA}}});  // a changed
  EXPECT_EQ(next(*only_a), kFlagsB);
}

TEST(FlagSync, AnUnknownSelectorIsNotFoundNamingTheSourcesServed) {
  auto server = start_server(two_sources());
  ASSERT_TRUE(server);
  SyncClient client(server->port());
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
  SyncClient client(server->port());
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
  SyncClient client(server->port());
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
  SyncClient client(server->port());
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
  SyncClient client(server->port());
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
  SyncClient client(server->port(), pinging);
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
