// The OFREP endpoints over real HTTP on 127.0.0.1: payloads, every error, ETag/304, the event
// stream, authentication, limits and metrics.
#include "hotreload/ofrep.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>

#include "hotreload/metrics.hpp"
#include "support/raw_http.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;
using testing::body_of;
using testing::status_of;

constexpr auto kPatience = 10s;  // a failure bound on waits, never a pace
constexpr const char* kToken = "ofrep-token-0123456789";

// Loaded leniently, as flagd would, so that "broken" (an unknown operator) evaluates to PARSE_ERROR.
constexpr const char* kFlags = R"({
  "metadata": {"flagSetId": "test", "version": "1"},
  "flags": {
    "bool-flag": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on",
                  "metadata": {"team": "web"}},
    "string-flag": {"state": "ENABLED", "variants": {"yes": "hello", "no": "bye"}, "defaultVariant": "no",
                    "targeting": {"if": [{"ends_with": [{"var": "email"}, "@example.com"]}, "yes", null]}},
    "int-flag": {"state": "ENABLED", "variants": {"small": 3, "big": 300}, "defaultVariant": "small"},
    "float-flag": {"state": "ENABLED", "variants": {"half": 0.5, "twice": 2.5}, "defaultVariant": "twice"},
    "object-flag": {"state": "ENABLED", "variants": {"a": {"color": "red", "size": 2}}, "defaultVariant": "a"},
    "split": {"state": "ENABLED", "variants": {"a": "A", "b": "B"}, "defaultVariant": "a",
              "targeting": {"fractional": [["a", 50], ["b", 50]]}},
    "no-default": {"state": "ENABLED", "variants": {"on": true, "off": false}},
    "disabled": {"state": "DISABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
    "broken": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on",
               "targeting": {"no_such_operator": [1]}},
    "bad-variant": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on",
                    "targeting": {"var": "pick"}}
  }
})";

nlohmann::json parse(const std::string& text) { return nlohmann::json::parse(text); }

class OfrepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = flags_.load(kFlags, "flags.json", Format::json, {.strict = false});
    ASSERT_TRUE(loaded.has_value());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  void start(OfrepOptions options = {}) {
    server_ = std::make_unique<OfrepServer>(flags_, std::move(options), &registry_);
    auto started = server_->start();
    ASSERT_TRUE(started.has_value()) << started.error().to_string();
    ASSERT_GT(server_->port(), 0);
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(20, 0);
    return c;
  }

  httplib::Result evaluate(const std::string& key, const std::string& body, const httplib::Headers& headers = {}) const {
    return client().Post("/ofrep/v1/evaluate/flags/" + key, headers, body, "application/json");
  }

  httplib::Result evaluate_all(const std::string& body, const httplib::Headers& headers = {}) const {
    return client().Post("/ofrep/v1/evaluate/flags", headers, body, "application/json");
  }

  // An event stream whose head has arrived: from then on every announced change reaches it.
  RawConnection open_stream() const {
    RawConnection c(server_->port());
    EXPECT_TRUE(c.send("GET /ofrep/v1/events HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto head = c.read_until("\r\n\r\n", kPatience);
    EXPECT_TRUE(head.has_value());
    if (head) {
      EXPECT_EQ(status_of(*head), 200) << *head;
      EXPECT_NE(head->find("Content-Type: text/event-stream"), std::string::npos) << *head;
    }
    return c;
  }

  FlagdStore flags_;
  MetricsRegistry registry_;
  std::unique_ptr<OfrepServer> server_;
};

TEST_F(OfrepTest, EvaluatesAStaticBooleanWithItsMetadata) {
  start();
  auto res = evaluate("bool-flag", R"({"context": {"targetingKey": "u1"}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(parse(res->body), parse(R"({"key": "bool-flag", "value": true, "variant": "on", "reason": "STATIC",
                                        "metadata": {"flagSetId": "test", "version": "1", "team": "web"}})"));
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
}

TEST_F(OfrepTest, TargetingReadsTheContext) {
  start();
  auto matched = evaluate("string-flag", R"({"context": {"targetingKey": "u1", "email": "ann@example.com"}})");
  ASSERT_TRUE(matched);
  EXPECT_EQ(parse(matched->body).at("value"), "hello");
  EXPECT_EQ(parse(matched->body).at("reason"), "TARGETING_MATCH");
  auto other = evaluate("string-flag", R"({"context": {"targetingKey": "u1", "email": "bob@elsewhere.org"}})");
  ASSERT_TRUE(other);
  EXPECT_EQ(parse(other->body).at("value"), "bye");
  EXPECT_EQ(parse(other->body).at("reason"), "DEFAULT");
}

TEST_F(OfrepTest, NumbersAndObjectsKeepTheirJsonType) {
  start();
  auto integer = parse(evaluate("int-flag", R"({"context": {}})")->body);
  EXPECT_TRUE(integer.at("value").is_number_integer());
  EXPECT_EQ(integer.at("value"), 3);
  auto floating = parse(evaluate("float-flag", R"({"context": {}})")->body);
  EXPECT_EQ(floating.at("value"), 2.5);
  auto object = parse(evaluate("object-flag", R"({"context": {}})")->body);
  EXPECT_EQ(object.at("value"), parse(R"({"color": "red", "size": 2})"));
}

TEST_F(OfrepTest, FractionalSplitAgreesWithTheInProcessEvaluator) {
  start();
  int seen_a = 0;
  int seen_b = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string user = "user-" + std::to_string(i);
    auto res = evaluate("split", R"({"context": {"targetingKey": ")" + user + R"("}})");
    ASSERT_TRUE(res);
    auto body = parse(res->body);
    auto expected = flags_.view().evaluate("split", std::nullopt, nullptr, {.targeting_key = user});
    EXPECT_EQ(body.at("value"), expected.value) << user;
    EXPECT_EQ(body.at("variant"), std::string(expected.variant)) << user;
    EXPECT_EQ(body.at("reason"), "TARGETING_MATCH");
    (body.at("variant") == "a" ? seen_a : seen_b)++;
  }
  EXPECT_GT(seen_a, 0);
  EXPECT_GT(seen_b, 0);
}

TEST_F(OfrepTest, CodeDefaultFlagsHaveNoValue) {
  start();
  auto no_default = parse(evaluate("no-default", R"({"context": {}})")->body);
  EXPECT_EQ(no_default, parse(R"({"key": "no-default", "reason": "DEFAULT",
                                 "metadata": {"flagSetId": "test", "version": "1"}})"));
  auto disabled = evaluate("disabled", R"({"context": {}})");
  EXPECT_EQ(disabled->status, 200);
  EXPECT_FALSE(parse(disabled->body).contains("value"));
  EXPECT_EQ(parse(disabled->body).at("reason"), "DISABLED");
}

TEST_F(OfrepTest, MissingFlagIs404FlagNotFound) {
  start();
  auto res = evaluate("nope", R"({"context": {"targetingKey": "u1"}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  auto body = parse(res->body);
  EXPECT_EQ(body.at("key"), "nope");
  EXPECT_EQ(body.at("errorCode"), "FLAG_NOT_FOUND");
  EXPECT_EQ(body.at("errorDetails"), "flag \"nope\" not found");
}

TEST_F(OfrepTest, KeysAreDecodedAndInvalidUtf8IsAnsweredNotThrown) {
  start();
  auto slashed = evaluate("a%2Fb", R"({"context": {}})");
  EXPECT_EQ(slashed->status, 404);
  EXPECT_EQ(parse(slashed->body).at("key"), "a/b");
  auto invalid = evaluate("%FF", R"({"context": {}})");
  EXPECT_EQ(invalid->status, 404);
  EXPECT_EQ(parse(invalid->body).at("key"), "\xEF\xBF\xBD");  // U+FFFD
}

TEST_F(OfrepTest, BodyThatIsNotJsonIsParseError) {
  start();
  for (const char* text : {"{not json", ""}) {
    auto res = evaluate("bool-flag", text);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << text;
    EXPECT_EQ(parse(res->body), parse(R"({"key": "bool-flag", "errorCode": "PARSE_ERROR",
                                          "errorDetails": "the request body is not JSON"})"));
  }
  auto bulk = evaluate_all("[1,");
  EXPECT_EQ(bulk->status, 400);
  EXPECT_EQ(parse(bulk->body), parse(R"({"errorCode": "PARSE_ERROR", "errorDetails": "the request body is not JSON"})"));
}

TEST_F(OfrepTest, ContextOfTheWrongShapeIsInvalidContext) {
  start();
  const std::pair<const char*, const char*> cases[] = {
      {"[]", "the request body must be an object {\"context\": {...}}"},
      {"{}", "the request body has no \"context\""},
      {R"({"context": "u1"})", "\"context\" must be an object"},
      {R"({"context": {"targetingKey": 7}})", "\"targetingKey\" must be a string"},
  };
  for (const auto& [text, details] : cases) {
    auto res = evaluate("bool-flag", text);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << text;
    EXPECT_EQ(parse(res->body).at("errorCode"), "INVALID_CONTEXT") << text;
    EXPECT_EQ(parse(res->body).at("errorDetails"), details) << text;
    auto bulk = evaluate_all(text);
    EXPECT_EQ(bulk->status, 400) << text;
    EXPECT_EQ(parse(bulk->body).at("errorCode"), "INVALID_CONTEXT") << text;
    EXPECT_FALSE(parse(bulk->body).contains("key"));
  }
}

TEST_F(OfrepTest, TargetingKeyIsRequiredOnlyWhenConfigured) {
  start({.require_targeting_key = true});
  auto missing = evaluate("bool-flag", R"({"context": {"email": "a@b.c"}})");
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(parse(missing->body).at("errorCode"), "TARGETING_KEY_MISSING");
  auto empty = evaluate_all(R"({"context": {"targetingKey": ""}})");
  EXPECT_EQ(empty->status, 400);
  EXPECT_EQ(parse(empty->body).at("errorCode"), "TARGETING_KEY_MISSING");
  EXPECT_EQ(evaluate("bool-flag", R"({"context": {"targetingKey": "u1"}})")->status, 200);

  server_.reset();
  start();
  EXPECT_EQ(evaluate("bool-flag", R"({"context": {}})")->status, 200);
}

TEST_F(OfrepTest, FlagErrorsAre400WithTheirCode) {
  start();
  auto broken = evaluate("broken", R"({"context": {}})");
  EXPECT_EQ(broken->status, 400);
  EXPECT_EQ(parse(broken->body).at("errorCode"), "PARSE_ERROR");
  EXPECT_EQ(parse(broken->body).at("key"), "broken");
  auto general = evaluate("bad-variant", R"({"context": {"pick": "purple"}})");
  EXPECT_EQ(general->status, 400);
  EXPECT_EQ(parse(general->body).at("errorCode"), "GENERAL");
  EXPECT_NE(parse(general->body).at("errorDetails").get<std::string>().find("purple"), std::string::npos);
}

TEST_F(OfrepTest, BulkEvaluatesEveryFlagInFileOrder) {
  start();
  auto res = evaluate_all(R"({"context": {"targetingKey": "u1", "email": "ann@example.com"}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto body = parse(res->body);
  ASSERT_EQ(body.at("flags").size(), 10u);
  EXPECT_EQ(body.at("flags").at(0).at("key"), "bool-flag");
  EXPECT_EQ(body.at("flags").at(1).at("value"), "hello");
  EXPECT_FALSE(body.at("flags").at(6).contains("value"));  // no-default
  EXPECT_EQ(body.at("flags").at(8).at("errorCode"), "PARSE_ERROR");  // a failure in a successful bulk
  EXPECT_EQ(body.at("metadata"), parse(R"({"flagSetId": "test", "version": "1"})"));
  EXPECT_EQ(body.at("eventStreams"), parse(R"([{"type": "sse", "endpoint": {"requestUri": "/ofrep/v1/events"}}])"));
  EXPECT_FALSE(res->get_header_value("ETag").empty());
}

TEST_F(OfrepTest, BulkETagAnswers304UntilTheFlagsChange) {
  start();
  const std::string context = R"({"context": {"targetingKey": "u1"}})";
  auto first = evaluate_all(context);
  const std::string etag = first->get_header_value("ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;  // a quoted hash

  auto again = evaluate_all(context, {{"If-None-Match", etag}});
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->get_header_value("ETag"), etag);
  EXPECT_EQ(evaluate_all(context, {{"If-None-Match", "\"other\", W/" + etag}})->status, 304);
  EXPECT_EQ(evaluate_all(context, {{"If-None-Match", "\"other\""}})->status, 200);

  // Another context is another answer: never a 304 for someone else's flags.
  auto other = evaluate_all(R"({"context": {"targetingKey": "u1", "email": "ann@example.com"}})", {{"If-None-Match", etag}});
  EXPECT_EQ(other->status, 200);
  EXPECT_NE(other->get_header_value("ETag"), etag);

  // Reloading the same flags changes nothing; changing one changes the tag.
  ASSERT_TRUE(flags_.load(kFlags, "flags.json", Format::json, {.strict = false}).has_value());
  EXPECT_EQ(evaluate_all(context, {{"If-None-Match", etag}})->status, 304);
  std::string changed = kFlags;
  changed.replace(changed.find("\"small\": 3"), 10, "\"small\": 4");
  ASSERT_TRUE(flags_.load(changed, "flags.json", Format::json, {.strict = false}).has_value());
  auto after = evaluate_all(context, {{"If-None-Match", etag}});
  EXPECT_EQ(after->status, 200);
  EXPECT_NE(after->get_header_value("ETag"), etag);
  EXPECT_EQ(parse(after->body).at("flags").at(2).at("value"), 4);
}

TEST_F(OfrepTest, EventStreamAnnouncesEachChange) {
  start();
  RawConnection stream = open_stream();
  EXPECT_EQ(server_->stream_count(), 1u);
  server_->flags_changed();
  auto first = stream.read_until("\n\n", kPatience);
  ASSERT_TRUE(first.has_value());
  auto event = first->substr(first->find("id: "));
  EXPECT_NE(event.find("event: message\n"), std::string::npos) << event;
  auto data_at = event.find("data: ");
  ASSERT_NE(data_at, std::string::npos);
  auto data = parse(event.substr(data_at + 6, event.find('\n', data_at) - data_at - 6));
  EXPECT_EQ(data.at("type"), "refetchEvaluation");
  EXPECT_TRUE(data.at("etag").is_string());
  EXPECT_TRUE(data.at("lastModified").is_number_integer());
  const std::string id = event.substr(4, event.find('\n') - 4);

  server_->flags_changed();
  auto second = stream.read_until("refetchEvaluation", kPatience);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->find("id: " + id + "\n"), std::string::npos) << "ids differ per change";

  // A client that reconnects with an older id is told to re-fetch at once.
  RawConnection behind(server_->port());
  ASSERT_TRUE(behind.send("GET /ofrep/v1/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: " + id + "\r\n\r\n"));
  EXPECT_TRUE(behind.read_until("refetchEvaluation", kPatience).has_value());
  // One that is up to date is not.
  const std::string latest = second->substr(second->rfind("id: ") + 4, second->find('\n', second->rfind("id: ")) - second->rfind("id: ") - 4);
  RawConnection current(server_->port());
  ASSERT_TRUE(current.send("GET /ofrep/v1/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: " + latest + "\r\n\r\n"));
  auto opening = current.read_until("\r\n\r\n", kPatience);
  ASSERT_TRUE(opening.has_value());
  EXPECT_EQ(opening->find("refetchEvaluation"), std::string::npos) << *opening;
}

TEST_F(OfrepTest, StopClosesTheEventStreams) {
  start();
  RawConnection stream = open_stream();
  server_->stop();
  EXPECT_TRUE(stream.read_until_closed(kPatience).has_value());
}

TEST_F(OfrepTest, StreamKeepaliveArrivesWhenNothingChanges) {
  start({.stream_keepalive = 1ms});
  RawConnection stream = open_stream();
  EXPECT_TRUE(stream.read_until(": keepalive\n\n", kPatience).has_value());
}

TEST_F(OfrepTest, TokenIsRequiredAsBearerOrApiKey) {
  start({.token = kToken});
  auto none = evaluate("bool-flag", R"({"context": {}})");
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), R"(Bearer realm="hotreload")");
  EXPECT_TRUE(parse(none->body).contains("errorDetails"));
  EXPECT_EQ(evaluate("bool-flag", R"({"context": {}})", {{"Authorization", "Bearer wrong-token-0123456789"}})->status, 403);
  EXPECT_EQ(evaluate("bool-flag", R"({"context": {}})", {{"X-API-Key", "wrong"}})->status, 403);
  EXPECT_EQ(evaluate_all(R"({"context": {}})", {{"Authorization", "Basic abc"}})->status, 403);
  EXPECT_EQ(evaluate("bool-flag", R"({"context": {}})", {{"Authorization", std::string("bearer ") + kToken}})->status, 200);
  EXPECT_EQ(evaluate_all(R"({"context": {}})", {{"X-API-Key", kToken}})->status, 200);
  // The probes stay open; the event stream does not.
  EXPECT_EQ(client().Get("/healthz")->status, 200);
  EXPECT_EQ(client().Get("/metrics")->status, 200);
  RawConnection stream(server_->port());
  ASSERT_TRUE(stream.send("GET /ofrep/v1/events HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_of(stream.read_until_closed(kPatience).value_or("")), 401);
  EXPECT_EQ(server_->stream_count(), 0u);
}

TEST_F(OfrepTest, TokenIsRefusedWhenTooShort) {
  server_ = std::make_unique<OfrepServer>(flags_, OfrepOptions{.token = "short"});
  auto started = server_->start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, ErrorCode::usage);
}

TEST_F(OfrepTest, NonLoopbackHostNeedsAllowRemote) {
  server_ = std::make_unique<OfrepServer>(flags_, OfrepOptions{.host = "0.0.0.0"});
  auto started = server_->start();
  ASSERT_FALSE(started.has_value());
  EXPECT_NE(started.error().message.find("not a loopback address"), std::string::npos);
}

TEST_F(OfrepTest, OversizedBodyIsInvalidContextWithoutBeingRead) {
  start({.max_body = 100});
  RawConnection c(server_->port());
  // The head alone: the answer comes before any byte of the body is sent.
  ASSERT_TRUE(c.send("POST /ofrep/v1/evaluate/flags/bool-flag HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  auto response = c.read_until_closed(kPatience);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(status_of(*response), 400);
  auto body = parse(body_of(*response));
  EXPECT_EQ(body.at("key"), "bool-flag");
  EXPECT_EQ(body.at("errorCode"), "INVALID_CONTEXT");
  EXPECT_EQ(body.at("errorDetails"), "the request body is 5000 bytes; at most 100 are read");
}

TEST_F(OfrepTest, DeepOrLargeContextIsInvalidContext) {
  start({.max_context_values = 20, .max_context_depth = 3});
  auto deep = evaluate("bool-flag", R"({"context": {"a": {"b": {"c": {}}}}})");
  EXPECT_EQ(deep->status, 400);
  EXPECT_EQ(parse(deep->body).at("errorDetails"), "the context is nested more than 3 levels deep");
  EXPECT_EQ(evaluate("bool-flag", R"({"context": {"a": {"b": {"c": 1}}}})")->status, 200);
  std::string many = R"({"context": {"list": [)";
  for (int i = 0; i < 30; ++i) many += (i ? "," : "") + std::to_string(i);
  many += "]}}";
  auto large = evaluate_all(many);
  EXPECT_EQ(large->status, 400);
  EXPECT_EQ(parse(large->body).at("errorCode"), "INVALID_CONTEXT");
  EXPECT_EQ(parse(large->body).at("errorDetails"), "the context has more than 20 values");
}

TEST_F(OfrepTest, WrongMethodIs405AndUnknownPathIs404) {
  start();
  auto get = client().Get("/ofrep/v1/evaluate/flags/bool-flag");
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  auto unknown = client().Post("/ofrep/v2/evaluate", R"({"context": {}})", "application/json");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(parse(unknown->body).at("errorDetails"), "not found");
}

TEST_F(OfrepTest, MetricsCountEvaluationsByFlagReasonAndError) {
  start();
  evaluate("bool-flag", R"({"context": {}})");
  evaluate("bool-flag", R"({"context": {}})");
  evaluate("no-such-flag", R"({"context": {}})");
  evaluate("bool-flag", "nope");
  server_->flags_changed();
  auto metrics = client().Get("/metrics");
  ASSERT_TRUE(metrics);
  const std::string& text = metrics->body;
  EXPECT_NE(text.find(R"(hotreload_ofrep_evaluations_total{flag="bool-flag",reason="STATIC",error_code=""} 2)"),
            std::string::npos) << text;
  // Unknown keys share one series.
  EXPECT_NE(text.find(R"(hotreload_ofrep_evaluations_total{flag="",reason="ERROR",error_code="FLAG_NOT_FOUND"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(hotreload_ofrep_evaluations_total{flag="bool-flag",reason="ERROR",error_code="PARSE_ERROR"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(hotreload_ofrep_requests_total{route="flag",status="404"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("hotreload_ofrep_flag_changes_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("hotreload_ofrep_event_streams 0"), std::string::npos) << text;
}

TEST_F(OfrepTest, HealthzAnswers) {
  start();
  auto res = client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(parse(res->body), parse(R"({"status": "ok"})"));
}

}  // namespace
}  // namespace hotreload
