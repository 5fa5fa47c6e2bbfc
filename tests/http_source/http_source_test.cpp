// The HTTP source against real servers on 127.0.0.1: conditional GETs, formats, auth, every
// fault, and a reloader fed by it through watch_sources().
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "hotreload/http_source.hpp"
#include "hotreload/json.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/watch_sources.hpp"
#include "support/config_server.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certificates.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::ConfigServer;
using testing::HangingServer;
using testing::RawServer;

constexpr auto kBound = 10s;  // generous: only a broken source waits this long

HttpSourceOptions quick() {
  HttpSourceOptions options;
  options.interval = 20ms;
  options.connect_timeout = 2s;
  options.request_timeout = 2s;
  options.backoff = {.enabled = true, .base = 10ms, .cap = 40ms, .jitter = 0.0};
  return options;
}

std::string loaded_text(const HttpSource& source) {
  auto doc = source.load();
  if (!doc) return "error: " + to_string(doc.error());
  return to_json(doc->root).dump();
}

TEST(HttpSource, SyncReadsTheDocumentWithItsEtagAsRevision) {
  ConfigServer server;
  server.serve("answer: 42\nname: app\n", "\"v1\"");
  HttpSource source(server.url("/app.yaml"), quick());
  ASSERT_TRUE(source.sync()) << source.status().last_error->to_string();
  auto doc = source.load();
  ASSERT_TRUE(doc);
  EXPECT_EQ(to_json(doc->root), nlohmann::json::parse(R"({"answer":42,"name":"app"})"));
  ASSERT_FALSE(doc->sources.empty());
  EXPECT_EQ(doc->sources.front().version, "\"v1\"");
  EXPECT_EQ(source.status().revision, "\"v1\"");
  EXPECT_EQ(source.kind(), "url");
  EXPECT_EQ(source.name(), server.url("/app.yaml"));
}

TEST(HttpSource, AnUnchangedDocumentCostsA304) {
  ConfigServer server;
  server.serve("answer: 42\n", "\"v1\"");
  HttpSource source(server.url("/app.yaml"), quick());
  for (int poll = 0; poll < 3; ++poll) {
    auto synced = source.sync();
    ASSERT_TRUE(synced) << synced.error().to_string();
  }
  EXPECT_EQ(server.full_replies(), 1u);
  EXPECT_EQ(server.not_modified_replies(), 2u);
  EXPECT_EQ(server.last_header("If-None-Match"), "\"v1\"");
  EXPECT_EQ(source.status().fetched, 1u);
  EXPECT_EQ(source.status().not_modified, 2u);
}

TEST(HttpSource, WithoutEtagTheRevisionIsAHashOfTheBody) {
  ConfigServer server;
  server.serve("answer: 42\n", "");
  HttpSource source(server.url("/app.yaml"), quick());
  ASSERT_TRUE(source.sync());
  const std::string first = source.status().revision;
  EXPECT_EQ(first.size(), 16u);
  server.serve("answer: 43\n", "");
  ASSERT_TRUE(source.sync());
  EXPECT_NE(source.status().revision, first);
}

TEST(HttpSource, TheFormatComesFromTheContentTypeWhenThePathHasNoExtension) {
  ConfigServer server;
  server.serve(R"({"answer": 42})", "\"j\"", "application/json; charset=utf-8");
  HttpSource source(server.url("/config/app"), quick());
  ASSERT_TRUE(source.sync());
  EXPECT_EQ(loaded_text(source), R"({"answer":42})");
  auto doc = source.load();
  EXPECT_EQ(doc->sources.front().format, Format::json);
}

TEST(HttpSource, AnUnknownFormatIsAnErrorThatSaysHowToFixIt) {
  ConfigServer server;
  server.serve("answer = 42\n", "\"t\"", "text/plain");
  HttpSource source(server.url("/config/app"), quick());
  auto synced = source.sync();
  ASSERT_FALSE(synced);
  EXPECT_NE(synced.error().message.find("cannot tell the document's format"), std::string::npos) << synced.error().to_string();
}

TEST(HttpSource, SendsHeadersAndABearerTokenReadFromAFile) {
  testing::TempDir dir;
  const std::string token_file = dir.write("token", "s3cret-token\n");
  ConfigServer server;
  server.require_token("s3cret-token");
  server.serve("answer: 1\n", "\"a\"");
  HttpSourceOptions options = quick();
  options.bearer_token_file = token_file;
  options.headers = {{"X-Tenant", "blue"}};
  HttpSource source(server.url("/app.yaml"), options);
  ASSERT_TRUE(source.sync()) << source.status().last_error->to_string();
  EXPECT_EQ(server.last_header("X-Tenant"), "blue");

  HttpSource without(server.url("/app.yaml"), quick());
  auto refused = without.sync();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("HTTP 401"), std::string::npos) << refused.error().to_string();
}

TEST(HttpSource, AnUnreadableTokenFileIsAnErrorNamingTheFile) {
  ConfigServer server;
  server.serve("answer: 1\n", "\"a\"");
  HttpSourceOptions options = quick();
  options.bearer_token_file = "/nonexistent/token";
  HttpSource source(server.url("/app.yaml"), options);
  auto synced = source.sync();
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().location.file, "/nonexistent/token");
  EXPECT_EQ(server.requests(), 0u);
}

TEST(HttpSource, AServerThatIsDownIsAnErrorAndTheLayerStaysEmpty) {
  int port = 0;
  {
    ConfigServer gone;  // a port that was just free: nothing listens there now
    port = gone.port();
  }
  HttpSource source("http://127.0.0.1:" + std::to_string(port) + "/app.yaml", quick());
  auto synced = source.sync();
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().code, ErrorCode::io);
  EXPECT_NE(synced.error().message.find("cannot connect"), std::string::npos) << synced.error().to_string();
  auto doc = source.load();
  ASSERT_TRUE(doc);
  EXPECT_EQ(to_json(doc->root), nlohmann::json::object());
  EXPECT_EQ(doc->sources.front().version, "unavailable");
}

TEST(HttpSource, A5xxKeepsWhatWasLastRead) {
  ConfigServer server;
  server.serve("answer: 42\n", "\"v1\"");
  HttpSource source(server.url("/app.yaml"), quick());
  ASSERT_TRUE(source.sync());
  server.fail_with(503);
  auto synced = source.sync();
  ASSERT_FALSE(synced);
  EXPECT_NE(synced.error().message.find("HTTP 503"), std::string::npos) << synced.error().to_string();
  EXPECT_EQ(loaded_text(source), R"({"answer":42})");
  ASSERT_TRUE(source.status().last_error);
}

TEST(HttpSource, ATimeoutIsAnError) {
  RawServer silent("");  // accepts into its backlog, never answers
  HttpSourceOptions options = quick();
  options.request_timeout = 200ms;
  HttpSource source(silent.url("/app.yaml"), options);
  auto synced = source.sync();
  ASSERT_FALSE(synced);
  EXPECT_NE(synced.error().message.find("timed out"), std::string::npos) << synced.error().to_string();
}

TEST(HttpSource, DroppingTheWatchCutsAGetInFlightShortAndReportsNoFailure) {
  HangingServer server;
  HttpSourceOptions options = quick();
  options.request_timeout = 10min;  // only the stop can end the GET
  HttpSource source(server.url("/app.yaml"), options);
  std::atomic<int> failures{0};
  auto watch = source.watch({.changed = {}, .failed = [&](const Error&) { failures.fetch_add(1); }});
  ASSERT_TRUE(server.await_connection(kBound));
  auto dropped = std::async(std::launch::async, [&] { watch.reset(); });
  EXPECT_EQ(dropped.wait_for(kBound), std::future_status::ready) << "the watch waited for the server";
  server.hang_up();  // lets a watch that did wait end, so that the test does
  dropped.wait();
  EXPECT_EQ(failures.load(), 0) << "a GET the stop cut short is not the server's failure";
}

TEST(HttpSource, ABodyCutShortIsAnError) {
  RawServer truncated(
      "HTTP/1.1 200 OK\r\nContent-Type: application/yaml\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"
      "answer: 42\n");
  HttpSource source(truncated.url("/app.yaml"), quick());
  auto synced = source.sync();
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().code, ErrorCode::io) << synced.error().to_string();
  EXPECT_EQ(to_json(source.load()->root), nlohmann::json::object());
}

TEST(HttpSource, AnInvalidBodyIsReportedAtItsLineAndColumnAndNotCached) {
  ConfigServer server;
  server.serve("answer: 42\n", "\"v1\"");
  HttpSource source(server.url("/app.yaml"), quick());
  ASSERT_TRUE(source.sync());
  server.serve("answer: 42\nlist: [1, 2\n", "\"v2\"");
  auto synced = source.sync();
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().code, ErrorCode::parse);
  EXPECT_EQ(synced.error().location.file, server.url("/app.yaml"));
  EXPECT_EQ(synced.error().location.line, 2u);
  EXPECT_EQ(loaded_text(source), R"({"answer":42})");
  EXPECT_EQ(source.status().revision, "\"v1\"");
}

TEST(HttpSource, ABodyOverTheSizeLimitIsRefused) {
  ConfigServer server;
  server.serve("answer: " + std::string(2000, '9') + "\n", "\"big\"");
  HttpSourceOptions options = quick();
  options.parse.limits.max_file_bytes = 1000;
  HttpSource source(server.url("/app.yaml"), options);
  auto synced = source.sync();
  ASSERT_FALSE(synced);
  EXPECT_NE(synced.error().message.find("1000-byte limit"), std::string::npos) << synced.error().to_string();
}

TEST(HttpSource, AnOptionalUrlThatAnswers404IsAnEmptyLayer) {
  ConfigServer server;
  server.fail_with(404);
  HttpSourceOptions options = quick();
  options.optional = true;
  HttpSource optional(server.url("/app.yaml"), options);
  ASSERT_TRUE(optional.sync());
  EXPECT_EQ(loaded_text(optional), "{}");

  HttpSource required(server.url("/app.yaml"), quick());
  auto synced = required.sync();
  ASSERT_FALSE(synced);
  EXPECT_NE(synced.error().message.find("HTTP 404"), std::string::npos);
}

TEST(HttpSource, HttpsIsVerifiedAgainstTheGivenCa) {
  testing::TempDir dir;
  if (!testing::make_test_certificates(dir.path().string())) GTEST_SKIP() << "needs the openssl command";
  httplib::SSLServer server(dir.file("server.pem").c_str(), dir.file("server.key").c_str());
  server.Get("/app.yaml", [](const httplib::Request&, httplib::Response& response) {
    response.set_header("ETag", "\"tls\"");
    response.set_content("answer: 42\n", "application/yaml");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/app.yaml";

  HttpSourceOptions trusting = quick();
  trusting.ca_file = dir.file("ca.pem");
  HttpSource verified(url, trusting);
  auto synced = verified.sync();
  EXPECT_TRUE(synced) << synced.error().to_string();
  EXPECT_EQ(loaded_text(verified), R"({"answer":42})");

  HttpSource unverified(url, quick());  // the system store does not know the test CA
  auto refused = unverified.sync();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("TLS"), std::string::npos) << refused.error().to_string();

  server.stop();
  serving.join();
}

TEST(HttpSource, MalformedUrlsAreUsageErrors) {
  for (const char* url : {"http://", "http://host:0/x", "http://host:99999/x", "http://:80/x", "ftp://host/x",
                          "http://user:pw@host/x"}) {
    auto parsed = parse_http_url(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error().code, ErrorCode::usage) << url;
  }
  EXPECT_TRUE(parse_http_url("http://127.0.0.1:8080/app.yaml?profile=prod"));
  EXPECT_TRUE(parse_http_url("https://[::1]:8443/app.json"));
  EXPECT_TRUE(parse_http_url("http://config.example"));
}

// The reloader side: the source's changes reload with trigger "url", its faults are url.error
// events, and the old config stays live through them.
class HttpSourceReload : public ::testing::Test {
 protected:
  void SetUp() override {
    server.serve("answer: 1\n", "\"v1\"");
    source = std::make_shared<HttpSource>(server.url("/app.yaml"), quick());
    ReloadOptions options;
    options.layers.files = {{.path = source->name(), .source = source}};
    options.backoff.enabled = false;
    reloader = std::make_unique<Reloader<nlohmann::json>>(options);
    queue = reloader->events().open_queue();
  }
  void TearDown() override {
    watching.reset();
    reloader.reset();
  }

  // The next event of `type`, skipping others.
  std::optional<Event> next(std::string_view type) {
    const auto deadline = std::chrono::steady_clock::now() + kBound;
    while (std::chrono::steady_clock::now() < deadline) {
      auto event = queue->recv(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!event) return std::nullopt;
      if (event->type == type) return event;
    }
    return std::nullopt;
  }

  ConfigServer server;
  std::shared_ptr<HttpSource> source;
  std::unique_ptr<Reloader<nlohmann::json>> reloader;
  std::shared_ptr<EventQueue> queue;
  std::unique_ptr<SourceWatches> watching;
};

TEST_F(HttpSourceReload, AnEtagChangeReloadsOnceWithTriggerUrl) {
  auto started = watch_sources(*reloader);
  ASSERT_TRUE(started);
  watching = std::move(*started);
  EXPECT_EQ(reloader->read()->at("answer"), 1);
  auto initial = next(event_type::completed);
  ASSERT_TRUE(initial);
  EXPECT_EQ(initial->trigger, Trigger::initial);

  server.serve("answer: 2\n", "\"v2\"");
  auto changed = next(event_type::completed);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->trigger, Trigger::url);
  EXPECT_EQ(changed->status, "applied");
  ASSERT_EQ(changed->source_versions.size(), 1u);
  EXPECT_EQ(changed->source_versions.front().second, "\"v2\"");
  EXPECT_EQ(reloader->read()->at("answer"), 2);

  // Several more polls, each a 304: no further reload.
  const unsigned seen = server.not_modified_replies();
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (server.not_modified_replies() < seen + 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_GE(server.not_modified_replies(), seen + 3);
  EXPECT_EQ(server.full_replies(), 2u);
  while (auto event = queue->try_recv()) {
    EXPECT_NE(event->type, event_type::completed) << "a reload without a change";
    EXPECT_NE(event->type, event_type::started);
  }
}

TEST_F(HttpSourceReload, FaultsAreUrlErrorEventsAndTheOldConfigStaysUntilTheServerRecovers) {
  auto started = watch_sources(*reloader);
  ASSERT_TRUE(started);
  watching = std::move(*started);
  ASSERT_TRUE(next(event_type::completed));

  server.fail_with(500);
  auto error = next("url.error");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->trigger, Trigger::url);
  ASSERT_EQ(error->files.size(), 1u);
  EXPECT_EQ(error->files.front(), source->name());
  ASSERT_FALSE(error->errors.empty());
  EXPECT_NE(error->errors.front().message.find("HTTP 500"), std::string::npos);
  EXPECT_EQ(reloader->read()->at("answer"), 1);

  server.serve("answer: [unclosed\n", "\"bad\"");
  auto invalid = next("url.error");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->errors.front().code, ErrorCode::parse);
  EXPECT_EQ(reloader->read()->at("answer"), 1);

  server.serve("answer: 3\n", "\"v3\"");
  auto recovered = next(event_type::completed);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->trigger, Trigger::url);
  EXPECT_EQ(reloader->read()->at("answer"), 3);
}

TEST_F(HttpSourceReload, AServerDownAtStartServesTheOtherLayersAndReportsIt) {
  server.fail_with(503);
  auto started = watch_sources(*reloader);
  ASSERT_TRUE(started);  // the layer is empty, not an error: the other layers would serve
  watching = std::move(*started);
  auto error = next("url.error");
  ASSERT_TRUE(error);
  EXPECT_EQ(*reloader->read(), nlohmann::json::object());
  server.serve("answer: 4\n", "\"v4\"");
  auto applied = next(event_type::completed);
  while (applied && applied->trigger != Trigger::url) applied = next(event_type::completed);
  ASSERT_TRUE(applied);
  EXPECT_EQ(reloader->read()->at("answer"), 4);
}

TEST(HttpSourceTrigger, SourceKindsNameTheirTriggers) {
  EXPECT_EQ(Trigger::source("etcd"), Trigger::etcd);
  EXPECT_EQ(Trigger::source("url"), Trigger::url);
  const Trigger consul = Trigger::source("consul");
  EXPECT_STREQ(consul.name(), "consul");
  EXPECT_TRUE(consul.automatic());
  EXPECT_FALSE(Trigger::http.automatic());
  EXPECT_FALSE(Trigger::api.automatic());
  EXPECT_EQ(Trigger::source("consul"), consul);
}

}  // namespace
}  // namespace hotreload
