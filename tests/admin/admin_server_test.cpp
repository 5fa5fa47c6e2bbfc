// The admin endpoint over real HTTP on 127.0.0.1: every endpoint, authentication, limits.
#include "hotreload/admin.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <mutex>

#include "hotreload/flagd.hpp"
#include "hotreload/flags.hpp"
#include "hotreload/metrics.hpp"
#include "hotreload/reload_metrics.hpp"
#include "support/raw_http.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

constexpr const char* kSecret = "s3cr3t-hunter2";
constexpr const char* kToken = "admin-token-0123456789";

// A reloader over one YAML file with a secret, a metrics registry, an audit log kept in memory,
// and the admin server in front of them.
class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = dir_.write("config.yaml", std::string("a: 1\nb:\n  c: x\npassword: ") + kSecret + "\n");
    options_.layers.files = {{file_}};
    options_.fields.secret("password");
    reloader_ = std::make_unique<Reloader<nlohmann::json>>(options_);
    reload_metrics_ = std::make_unique<ReloadMetrics>(reloader_->events(), registry_);
    recording_ = audit_.attach(reloader_->events());
    ASSERT_TRUE(reloader_->start().has_value());
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  // Starts the server with `options` (token kToken unless changed) on an ephemeral port.
  void start(AdminOptions options = {.token = kToken}, bool with_flags = false) {
    AdminSources sources = admin_sources(*reloader_, options_.fields, &registry_, with_flags ? &flags_ : nullptr,
                                         with_flags ? &flagd_ : nullptr);
    sources.audit = &audit_;
    server_ = std::make_unique<AdminServer>(std::move(options), std::move(sources));
    auto started = server_->start();
    ASSERT_TRUE(started.has_value()) << started.error().to_string();
    ASSERT_GT(server_->port(), 0);
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(20, 0);
    return c;
  }

  httplib::Result post_reload(const std::string& target, const std::string& token = kToken) const {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client().Post(target.c_str(), headers, "", "text/plain");
  }

  void rewrite(const std::string& content) const {
    std::string temp = dir_.write("config.yaml.tmp", content);
    std::filesystem::rename(temp, file_);
  }

  std::vector<std::string> audit_lines() {
    std::lock_guard lock(audit_mu_);
    return audit_lines_;
  }

  testing::TempDir dir_;
  std::string file_;
  ReloadOptions options_;
  MetricsRegistry registry_;
  FlagSet flags_;
  FlagdStore flagd_;
  std::mutex audit_mu_;
  std::vector<std::string> audit_lines_;  // guarded by audit_mu_
  AuditLog audit_{[this](std::string_view line) {
    std::lock_guard lock(audit_mu_);
    audit_lines_.emplace_back(line);
  }};
  std::unique_ptr<Reloader<nlohmann::json>> reloader_;
  std::unique_ptr<ReloadMetrics> reload_metrics_;
  Subscription recording_;
  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminTest, HealthzAnswersOk) {
  start();
  auto res = client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(nlohmann::json::parse(res->body), nlohmann::json::parse(R"({"status":"ok"})"));
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
}

TEST_F(AdminTest, MetricsServesTheRegistryInTheTextFormat) {
  start();
  auto res = client().Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(res->body.find("hotreload_admin_unauthorized_total 0"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("hotreload_config_generation"), std::string::npos) << res->body;
}

TEST_F(AdminTest, MetricsWithoutARegistryIs404) {
  AdminSources sources;
  server_ = std::make_unique<AdminServer>(AdminOptions{}, std::move(sources));
  ASSERT_TRUE(server_->start().has_value());
  auto c = client();
  for (const char* path : {"/metrics", "/config", "/flags", "/events"}) {
    auto res = c.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_TRUE(nlohmann::json::parse(res->body).contains("error")) << path;
  }
}

TEST_F(AdminTest, ConfigIsRedactedWithEachKeysSourceLayer) {
  start();
  auto res = client().Get("/config");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body.find(kSecret), std::string::npos);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body.at("config"), nlohmann::json::parse(R"({"a":1,"b":{"c":"x"},"password":"<redacted>"})"));
  EXPECT_EQ(body.at("sources").at("b.c"), file_);
  EXPECT_EQ(body.at("sources").at("password"), file_);
  EXPECT_EQ(body.at("generation"), 1);
}

TEST_F(AdminTest, FlagsListsFlagSetAndFlagdStates) {
  ASSERT_TRUE(flags_.set({.name = "new-player", .enabled = true, .percentage = 10}).has_value());
  std::string flagd_file = dir_.write("flags.json", R"({"flags": {"dark-mode": {"state": "ENABLED",
      "variants": {"on": true, "off": false}, "defaultVariant": "off"}}})");
  ASSERT_TRUE(flagd_.load_file(flagd_file).has_value());
  start({.token = kToken}, true);
  auto res = client().Get("/flags");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body.at("flags").at(0).at("name"), "new-player");
  EXPECT_EQ(body.at("flags").at(0).at("percentage"), 10);
  EXPECT_EQ(body.at("flagd").at("dark-mode").at("value"), false);
  EXPECT_EQ(body.at("flagd").at("dark-mode").at("variant"), "off");
  EXPECT_EQ(body.at("flagd").at("dark-mode").at("reason"), "STATIC");
}

// A flag value with invalid UTF-8 once reached /flags (YAML passed the bytes through) and
// answered 500. The file is now refused at the byte, and /flags keeps serving whole JSON.
TEST_F(AdminTest, FlagsWithInvalidUtf8AreRefusedAtLoadAndFlagsStillServe) {
  auto loaded = flagd_.load("flags:\n  f:\n    state: ENABLED\n    variants: {a: 'x\xff'}\n    defaultVariant: a\n",
                            "flags.yaml", Format::yaml);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(to_string(loaded.error()), "flags.yaml:4:21: invalid UTF-8 byte 0xFF\n");
  start({.token = kToken}, true);
  auto res = client().Get("/flags");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(nlohmann::json::accept(res->body)) << res->body;
}

TEST_F(AdminTest, ReloadAppliesTheChangeAndReturnsItRedacted) {
  start();
  rewrite("a: 2\nb:\n  c: x\npassword: other-" + std::string(kSecret) + "\n");
  auto res = post_reload("/reload");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body.find(kSecret), std::string::npos);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body.at("status"), "applied");
  EXPECT_EQ(body.at("generation"), 2);
  EXPECT_GT(body.at("reloadId"), 0);
  EXPECT_EQ(body.at("changes"), nlohmann::json::parse(R"([
      {"path":"a","op":"modified","old":1,"new":2},
      {"path":"password","op":"modified","old":"<redacted>","new":"<redacted>"}])"));
  EXPECT_EQ(body.at("errors"), nlohmann::json::array());
  EXPECT_TRUE(body.at("failedModule").is_null());
  EXPECT_TRUE(body.at("skipReason").is_null());
  EXPECT_EQ((*reloader_->load())["a"], 2);
}

TEST_F(AdminTest, ReloadIsAuditedWithThePeerAndTheFileHash) {
  start();
  std::string content = "a: 5\nb:\n  c: x\npassword: " + std::string(kSecret) + "\n";
  rewrite(content);
  auto res = post_reload("/reload");
  ASSERT_TRUE(res);
  auto lines = audit_lines();
  ASSERT_EQ(lines.size(), 2u);  // the initial load, then this one
  for (const std::string& line : lines) EXPECT_EQ(line.find(kSecret), std::string::npos) << line;
  auto record = nlohmann::json::parse(lines.back());
  EXPECT_EQ(record.at("kind"), "reload");
  EXPECT_EQ(record.at("trigger"), "http");
  EXPECT_EQ(record.at("who").get<std::string>().rfind("127.0.0.1:", 0), 0u) << record;
  EXPECT_EQ(record.at("outcome"), "applied");
  EXPECT_EQ(record.at("files").at(0).at("path"), file_);
  EXPECT_EQ(record.at("files").at(0).at("sha256"), sha256_hex(content));
}

TEST_F(AdminTest, ReloadOfSectionsAppliesOnlyThose) {
  start();
  rewrite("a: 9\nb:\n  c: y\npassword: " + std::string(kSecret) + "\n");
  auto res = post_reload("/reload?sections=b");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body.at("changes"), nlohmann::json::parse(R"([{"path":"b.c","op":"modified","old":"x","new":"y"}])"));
  auto config = reloader_->load();
  EXPECT_EQ((*config)["a"], 1);
  EXPECT_EQ((*config)["b"]["c"], "y");
}

TEST_F(AdminTest, ReloadWithAnEmptySectionsListIs400) {
  start();
  auto res = post_reload("/reload?sections=,");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(nlohmann::json::parse(res->body).at("error").get<std::string>().find("sections"), std::string::npos);
}

TEST_F(AdminTest, UnchangedReloadSaysSo) {
  start();
  auto res = post_reload("/reload");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(nlohmann::json::parse(res->body).at("status"), "unchanged");
}

TEST_F(AdminTest, FailedReloadIs422WithTheErrorAndKeepsTheOldConfig) {
  start();
  rewrite("a: [1\n");
  auto res = post_reload("/reload");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 422);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body.at("status"), "failed");
  ASSERT_FALSE(body.at("errors").empty());
  EXPECT_EQ(body.at("errors").at(0).at("file"), file_);
  EXPECT_EQ((*reloader_->load())["a"], 1);
}

TEST_F(AdminTest, EventsListsTheLastReloadEventsAsCloudEvents) {
  start({.token = kToken, .event_history = 3});
  rewrite("a: 3\nb:\n  c: x\npassword: x-" + std::string(kSecret) + "\n");
  ASSERT_TRUE(post_reload("/reload"));
  auto res = client().Get("/events");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body.find(kSecret), std::string::npos);
  auto events = nlohmann::json::parse(res->body);
  ASSERT_EQ(events.size(), 3u);  // started, validated, completed of the http reload
  EXPECT_EQ(events.at(2).at("specversion"), "1.0");
  EXPECT_EQ(events.at(2).at("type"), "reload.completed");
  EXPECT_EQ(events.at(2).at("data").at("trigger"), "http");
  EXPECT_EQ(events.at(0).at("type"), "reload.started");
}

TEST_F(AdminTest, ReloadWithoutATokenIs401CountedAndAudited) {
  start();
  auto res = post_reload("/reload", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), R"(Bearer realm="hotreload")");
  EXPECT_EQ(server_->unauthorized_count(), 1u);
  EXPECT_NE(registry_.expose().find("hotreload_admin_unauthorized_total 1"), std::string::npos);
  auto record = nlohmann::json::parse(audit_lines().back());
  EXPECT_EQ(record.at("kind"), "admin.unauthorized");
  EXPECT_EQ(record.at("method"), "POST");
  EXPECT_EQ(record.at("path"), "/reload");
  EXPECT_EQ(record.at("reason"), "missing bearer token");
  EXPECT_EQ(record.at("who").get<std::string>().rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(reloader_->generation(), 1u);
}

TEST_F(AdminTest, ReloadWithAWrongTokenIs401AndNothingReloads) {
  start();
  rewrite("a: 7\n");
  for (const std::string& token : {std::string("wrong"), std::string(kToken) + "x", std::string(kToken).substr(1)}) {
    auto res = post_reload("/reload", token);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    EXPECT_EQ(res->get_header_value("WWW-Authenticate"), R"(Bearer realm="hotreload", error="invalid_token")");
    EXPECT_EQ(res->body.find(kToken), std::string::npos);
  }
  EXPECT_EQ(server_->unauthorized_count(), 3u);
  EXPECT_EQ(nlohmann::json::parse(audit_lines().back()).at("reason"), "wrong bearer token");
  for (const std::string& line : audit_lines()) EXPECT_EQ(line.find(kToken), std::string::npos);
  EXPECT_EQ((*reloader_->load())["a"], 1);
}

TEST_F(AdminTest, ReloadWithAnotherSchemeIs401) {
  start();
  httplib::Headers headers{{"Authorization", std::string("Basic ") + kToken}};
  auto res = client().Post("/reload", headers, "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(nlohmann::json::parse(res->body).at("error"), "not a bearer token");
}

TEST_F(AdminTest, BearerSchemeIsCaseInsensitive) {
  start();
  httplib::Headers headers{{"Authorization", std::string("bearer ") + kToken}};
  auto res = client().Post("/reload", headers, "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(AdminTest, ReloadWithoutAConfiguredTokenIs403) {
  start(AdminOptions{});
  auto res = post_reload("/reload", "anything");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(reloader_->generation(), 1u);
}

TEST_F(AdminTest, WrongMethodIs405WithAllow) {
  start();
  auto c = client();
  auto post = c.Post("/healthz", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  auto del = c.Delete("/config");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  auto get = c.Get("/reload");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  auto put = c.Put("/reload", "", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  EXPECT_EQ(reloader_->generation(), 1u);
}

TEST_F(AdminTest, UnknownPathIs404) {
  start();
  auto res = client().Get("/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(nlohmann::json::parse(res->body).at("error"), "not found");
}

TEST_F(AdminTest, OversizedBodyIs413) {
  start({.token = kToken, .max_payload = 1024});
  httplib::Headers headers{{"Authorization", std::string("Bearer ") + kToken}};
  auto res = client().Post("/reload", headers, std::string(4096, 'x'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(reloader_->generation(), 1u);
}

TEST_F(AdminTest, OverlongTargetIs414) {
  start({.token = kToken, .max_uri = 256});
  auto res = client().Get(("/healthz?x=" + std::string(300, 'a')).c_str());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 414);
}

TEST_F(AdminTest, PostReloadWithoutBodyOrContentLengthIs200) {
  start();
  rewrite("a: 2\nb:\n  c: x\npassword: " + std::string(kSecret) + "\n");
  // What `curl -X POST -H "Authorization: Bearer $TOKEN" URL` sends: no body, no Content-Length.
  testing::RawConnection c(server_->port());
  ASSERT_TRUE(c.send(std::string("POST /reload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ") + kToken +
                     "\r\nAccept: */*\r\n\r\n"));
  auto response = c.read_until_closed(std::chrono::milliseconds(10000));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(testing::status_of(*response), 200) << *response;
  EXPECT_EQ(nlohmann::json::parse(testing::body_of(*response)).at("status"), "applied");
  EXPECT_EQ((*reloader_->load())["a"], 2);
}

TEST_F(AdminTest, WrongOrMissingTokenIs401WhateverTheBody) {
  start();
  rewrite("a: 7\n");
  // A body over max_payload, one announced but never sent, none, and an empty one: authentication
  // answers each before the body matters.
  for (const std::string& body_headers : {std::string("Content-Length: 1000000000\r\n"), std::string("Content-Length: 10\r\n"),
                                          std::string(""), std::string("Content-Length: 0\r\n")}) {
    for (const std::string& authorization : {std::string(""), std::string("Authorization: Bearer wrong\r\n")}) {
      testing::RawConnection c(server_->port());
      ASSERT_TRUE(c.send("POST /reload HTTP/1.1\r\nHost: 127.0.0.1\r\n" + authorization + body_headers + "\r\n"));
      auto response = c.read_until_closed(std::chrono::milliseconds(2000));
      ASSERT_TRUE(response.has_value()) << body_headers << authorization;
      EXPECT_EQ(testing::status_of(*response), 401) << body_headers << authorization;
      EXPECT_NE(response->find("WWW-Authenticate: Bearer realm=\"hotreload\""), std::string::npos);
    }
  }
  EXPECT_EQ(server_->unauthorized_count(), 8u);
  EXPECT_EQ((*reloader_->load())["a"], 1);
}

TEST_F(AdminTest, EncodedReloadPathNeedsTheTokenToo) {
  start();
  testing::RawConnection c(server_->port());
  ASSERT_TRUE(c.send("POST /%72eload HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto response = c.read_until_closed(std::chrono::milliseconds(2000));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(testing::status_of(*response), 401);
  EXPECT_EQ(reloader_->generation(), 1u);
}

TEST_F(AdminTest, FormEncodedBodyUpToMaxPayloadIsAccepted) {
  start();  // max_payload 64 KiB, as docs/OPERATIONS.md says; cpp-httplib alone capped forms at 8 KiB
  httplib::Headers headers{{"Authorization", std::string("Bearer ") + kToken}};
  auto res = client().Post("/reload", headers, "x=" + std::string(60 * 1024, 'a'), "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto over = client().Post("/reload", headers, std::string(64 * 1024 + 1, 'a'), "application/x-www-form-urlencoded");
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 413);
  EXPECT_EQ(nlohmann::json::parse(over->body).at("error"), "request body too large: at most 65536 bytes");
}

TEST_F(AdminTest, ReloadOfAnUnknownSectionIs400) {
  start();
  rewrite("a: 5\nb:\n  c: x\npassword: " + std::string(kSecret) + "\n");
  auto res = post_reload("/reload?sections=zzz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body.at("status"), "failed");
  EXPECT_EQ(body.at("errors").at(0).at("message"), R"(unknown section "zzz": neither the live config nor the files have it)");
  EXPECT_EQ((*reloader_->load())["a"], 1);
  auto known = post_reload("/reload?sections=b.c,a");
  ASSERT_TRUE(known);
  EXPECT_EQ(known->status, 200);
  EXPECT_EQ((*reloader_->load())["a"], 5);
}

TEST_F(AdminTest, ShortConfiguredTokenIsRefusedAtStart) {
  AdminServer weak({.token = "x"}, admin_sources(*reloader_, options_.fields));
  auto started = weak.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, ErrorCode::usage);
  EXPECT_EQ(started.error().message, "the admin token is 1 byte; it needs at least 16 (e.g. openssl rand -hex 16)");
  EXPECT_FALSE(weak.running());
}

TEST_F(AdminTest, NonLoopbackHostIsRefusedUnlessAllowed) {
  AdminServer remote({.host = "0.0.0.0", .token = kToken}, admin_sources(*reloader_, options_.fields));
  auto started = remote.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, ErrorCode::usage);
  EXPECT_NE(started.error().message.find("loopback"), std::string::npos);
  EXPECT_FALSE(remote.running());
}

TEST_F(AdminTest, PortInUseIsAnIoError) {
  start();
  AdminServer second({.port = server_->port(), .token = kToken}, admin_sources(*reloader_, options_.fields));
  auto started = second.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, ErrorCode::io);
  EXPECT_NE(started.error().message.find(std::to_string(server_->port())), std::string::npos);
}

TEST_F(AdminTest, StartAndStopAreIdempotent) {
  start();
  int port = server_->port();
  EXPECT_TRUE(server_->start().has_value());
  EXPECT_EQ(server_->port(), port);
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(port));
  server_->stop();
  server_->stop();
  EXPECT_FALSE(server_->running());
  EXPECT_EQ(server_->port(), 0);
  httplib::Client c("127.0.0.1", port);
  EXPECT_FALSE(c.Get("/healthz"));
  ASSERT_TRUE(server_->start().has_value());  // restarts on a new ephemeral port
  auto res = client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

}  // namespace
}  // namespace hotreload
