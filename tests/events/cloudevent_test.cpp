#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "hotreload/events.hpp"

namespace hotreload {
namespace {

using Json = nlohmann::ordered_json;
using std::chrono::system_clock;

// 2024-05-01T12:34:56.789012Z
system_clock::time_point fixed_time() {
  using namespace std::chrono;
  return system_clock::time_point{sys_days{year{2024} / May / 1}} + 12h + 34min + 56s +
         789012us + 345ns;
}

Event make(std::string_view type) {
  Event event;
  event.type = std::string(type);
  event.reload_id = 7;
  event.sequence = 3;
  event.trigger = Trigger::file;
  event.time = fixed_time();
  return event;
}

std::vector<std::string> keys(const Json& object) {
  std::vector<std::string> out;
  for (const auto& [key, value] : object.items()) out.push_back(key);
  return out;
}

TEST(CloudEvent, EnvelopeHasTheCloudEventsAttributes) {
  Json ce = to_cloudevent(make(event_type::started), "hotreload://test");
  EXPECT_EQ(keys(ce), (std::vector<std::string>{"specversion", "id", "source", "type", "time",
                                                "datacontenttype", "data"}));
  EXPECT_EQ(ce["specversion"], "1.0");
  EXPECT_EQ(ce["id"], "7-3");
  EXPECT_EQ(ce["source"], "hotreload://test");
  EXPECT_EQ(ce["type"], "reload.started");
  EXPECT_EQ(ce["time"], "2024-05-01T12:34:56.789012Z");
  EXPECT_EQ(ce["datacontenttype"], "application/json");
  EXPECT_TRUE(ce["data"].is_object());
}

TEST(CloudEvent, TimeIsRfc3339InUtcWithMicroseconds) {
  using namespace std::chrono;
  EXPECT_EQ(to_rfc3339(system_clock::time_point{}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(to_rfc3339(system_clock::time_point{sys_days{year{2000} / February / 29}} + 23h + 59min + 59s),
            "2000-02-29T23:59:59.000000Z");
  // Before the epoch the fraction still counts forward from the second below.
  EXPECT_EQ(to_rfc3339(system_clock::time_point{} - 500ms), "1969-12-31T23:59:59.500000Z");
}

TEST(CloudEvent, StartedCarriesReloadIdTriggerAndTimestamp) {
  Json data = to_cloudevent(make(event_type::started), "s")["data"];
  EXPECT_EQ(data, Json::parse(R"({"reloadId":7,"trigger":"file","timestamp":"2024-05-01T12:34:56.789012Z"})"));
}

TEST(CloudEvent, ValidatedCarriesTheChangeList) {
  Event event = make(event_type::validated);
  event.changes.push_back({"server.port", ChangeOp::modified, Value(8080), Value(9090)});
  event.changes.push_back({"features", ChangeOp::added, std::nullopt, Value(Array{Value("a")})});
  event.changes.push_back({"old.key", ChangeOp::removed, Value("x"), std::nullopt});
  Json data = to_cloudevent(event, "s")["data"];
  EXPECT_EQ(data["changeCount"], 3);
  EXPECT_EQ(data["changes"], Json::parse(R"([
    {"path":"server.port","op":"modified","old":8080,"new":9090},
    {"path":"features","op":"added","old":null,"new":["a"]},
    {"path":"old.key","op":"removed","old":"x","new":null}])"));
}

TEST(CloudEvent, SecretChangeShowsRedactedNotTheValue) {
  Event event = make(event_type::completed);
  Change change{"database.password", ChangeOp::modified, Value("hunter2"), Value("swordfish")};
  change.secret = true;
  event.changes.push_back(change);
  std::string line = to_cloudevent_line(event, "s");
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
  EXPECT_EQ(line.find("swordfish"), std::string::npos);
  Json changed = Json::parse(line)["data"]["changes"][0];
  EXPECT_EQ(changed["old"], "<redacted>");
  EXPECT_EQ(changed["new"], "<redacted>");
}

TEST(CloudEvent, CompletedCarriesDurationGenerationAndPendingRestart) {
  Event event = make(event_type::completed);
  event.duration = std::chrono::microseconds(1500);
  event.generation = 4;
  event.pending_restart = {"server.port"};
  Json data = to_cloudevent(event, "s")["data"];
  EXPECT_EQ(keys(data), (std::vector<std::string>{"reloadId", "trigger", "durationMs", "status", "changeCount",
                                                  "changes", "generation", "pendingRestart"}));
  EXPECT_EQ(data["status"], "applied");  // a completed event without a status applied its changes
  EXPECT_TRUE(data["durationMs"].is_number_float());
  EXPECT_DOUBLE_EQ(data["durationMs"].get<double>(), 1.5);
  EXPECT_EQ(data["changeCount"], 0);
  EXPECT_EQ(data["generation"], 4);
  EXPECT_EQ(data["pendingRestart"], Json::parse(R"(["server.port"])"));
}

TEST(CloudEvent, FailedCarriesFirstErrorAllErrorsAndFailedModule) {
  Event event = make(event_type::failed);
  event.duration = std::chrono::milliseconds(2);
  event.errors.push_back({ErrorCode::type, "expected integer, got string \"ten\"",
                          {"config.yaml", 12, 7}, "database.max_conns"});
  event.errors.push_back({ErrorCode::validation, "too small", {}, ""});
  Json data = to_cloudevent(event, "s")["data"];
  EXPECT_EQ(keys(data), (std::vector<std::string>{"reloadId", "trigger", "failedModule", "durationMs",
                                                  "consecutiveFailures", "backoffMs", "error", "errors"}));
  EXPECT_TRUE(data["failedModule"].is_null());
  EXPECT_EQ(data["error"], "config.yaml:12:7: database.max_conns: expected integer, got string \"ten\"");
  EXPECT_EQ(data["errors"], Json::parse(R"([
    {"code":"type","message":"expected integer, got string \"ten\"","file":"config.yaml","line":12,
     "column":7,"path":"database.max_conns"},
    {"code":"validation","message":"too small","file":null,"line":null,"column":null,"path":null}])"));

  event.module = "database";
  EXPECT_EQ(to_cloudevent(event, "s")["data"]["failedModule"], "database");
  event.consecutive_failures = 3;
  event.backoff = std::chrono::milliseconds(4000);
  data = to_cloudevent(event, "s")["data"];
  EXPECT_EQ(data["consecutiveFailures"], 3);
  EXPECT_DOUBLE_EQ(data["backoffMs"].get<double>(), 4000.0);
}

TEST(CloudEvent, SkippedAndOverdueCarryTheirReason) {
  Event event = make(event_type::skipped);
  event.reason = "automatic reloads are disabled";
  Json data = to_cloudevent(event, "s")["data"];
  EXPECT_EQ(data["reason"], "automatic reloads are disabled");
  EXPECT_EQ(data["consecutiveFailures"], 0);
  event.type = std::string(event_type::deferral_overdue);
  EXPECT_EQ(to_cloudevent(event, "s")["data"]["reason"], "automatic reloads are disabled");
}

TEST(CloudEvent, ModuleEventsNameTheModule) {
  Event started = make(event_type::module_started);
  started.module = "cache";
  EXPECT_EQ(to_cloudevent(started, "s")["data"],
            Json::parse(R"({"reloadId":7,"trigger":"file","module":"cache"})"));
  Event completed = make(event_type::module_completed);
  completed.module = "cache";
  completed.duration = std::chrono::milliseconds(3);
  EXPECT_EQ(to_cloudevent(completed, "s")["data"],
            Json::parse(R"({"reloadId":7,"trigger":"file","module":"cache","durationMs":3.0})"));
}

TEST(CloudEvent, RolledBackCarriesTheReason) {
  Event event = make(event_type::rolled_back);
  event.reason = "module cache failed to commit";
  EXPECT_EQ(to_cloudevent(event, "s")["data"],
            Json::parse(R"({"reloadId":7,"trigger":"file","reason":"module cache failed to commit"})"));
}

TEST(CloudEvent, FileEventsCarryFilesAndNoReloadFields) {
  Event event = make(event_type::file_changed);
  event.reload_id = 0;
  event.files = {"/etc/app/config.yaml"};
  Json ce = to_cloudevent(event, "s");
  EXPECT_EQ(ce["id"], "0-3");
  EXPECT_EQ(ce["data"], Json::parse(R"({"files":["/etc/app/config.yaml"]})"));
}

TEST(CloudEvent, OtherFieldsAppearWhenSet) {
  Event event = make(event_type::file_missing);
  event.reload_id = 9;
  event.files = {"config.local.yaml"};
  event.errors.push_back({ErrorCode::io, "no such file", {"config.local.yaml", 0, 0}, ""});
  Json data = to_cloudevent(event, "s")["data"];
  EXPECT_EQ(keys(data), (std::vector<std::string>{"reloadId", "error", "errors", "files"}));
  EXPECT_EQ(data["error"], "config.local.yaml: no such file");
}

TEST(CloudEvent, ConfigIsIncludedOnlyWhenSet) {
  Event event = make(event_type::completed);
  EXPECT_FALSE(to_cloudevent(event, "s")["data"].contains("config"));
  Object server;
  server.insert_or_assign("port", Value(8080));
  Object root;
  root.insert_or_assign("server", Value(std::move(server)));
  root.insert_or_assign("password", Value("<redacted>"));
  event.config = Value(std::move(root));
  EXPECT_EQ(to_cloudevent(event, "s")["data"]["config"],
            Json::parse(R"({"server":{"port":8080},"password":"<redacted>"})"));
}

TEST(CloudEvent, LineIsOneJsonObjectWithoutTrailingNewline) {
  Event event = make(event_type::validated);
  event.changes.push_back({"motd", ChangeOp::modified, Value("a\nb"), Value("c")});
  std::string line = to_cloudevent_line(event, "hotreload://test");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.front(), '{');
  EXPECT_EQ(line.back(), '}');
  EXPECT_EQ(Json::parse(line), to_cloudevent(event, "hotreload://test"));
}

TEST(CloudEvent, InvalidUtf8IsReplacedInsteadOfThrowing) {
  Event event = make(event_type::validated);
  event.changes.push_back({"name", ChangeOp::modified, Value("ok"), Value(std::string("bad\xff"))});
  std::string line;
  ASSERT_NO_THROW(line = to_cloudevent_line(event, "s"));
  EXPECT_NE(line.find("bad\xef\xbf\xbd"), std::string::npos);
}

}  // namespace
}  // namespace hotreload
