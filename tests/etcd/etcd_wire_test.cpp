// The etcd layer without an etcd: URLs, the gateway's wire format, and keys mapped to a tree.
#include <gtest/gtest.h>

#include "etcd/etcd_wire.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/layers.hpp"

namespace hotreload {
namespace {

using detail::etcd::KeyValue;

TEST(EtcdUrl, ParsesADocumentKeyAndAPrefix) {
  auto document = parse_etcd_url("etcd://127.0.0.1:2379/app/config.yaml");
  ASSERT_TRUE(document) << document.error().to_string();
  ASSERT_EQ(document->endpoints.size(), 1u);
  EXPECT_EQ(document->endpoints[0].host, "127.0.0.1");
  EXPECT_EQ(document->endpoints[0].port, 2379);
  EXPECT_EQ(document->key, "/app/config.yaml");
  EXPECT_FALSE(document->is_prefix());
  EXPECT_EQ(document->url(), "etcd://127.0.0.1:2379/app/config.yaml");

  auto tree = parse_etcd_url("etcd://etcd.internal/app/");
  ASSERT_TRUE(tree);
  EXPECT_EQ(tree->endpoints.at(0).port, 2379);
  EXPECT_TRUE(tree->is_prefix());
  EXPECT_EQ(tree->url(), "etcd://etcd.internal:2379/app/");

  auto ipv6 = parse_etcd_url("etcd://[::1]:23790/a");
  ASSERT_TRUE(ipv6);
  EXPECT_EQ(ipv6->endpoints.at(0).host, "::1");
  EXPECT_EQ(ipv6->url(), "etcd://[::1]:23790/a");
  EXPECT_TRUE(is_etcd_url("etcd://x/y"));
  EXPECT_FALSE(is_etcd_url("config.yaml"));
}

TEST(EtcdUrl, RefusesMalformedUrlsWithAUsageError) {
  for (const char* bad : {"http://h:1/a", "etcd://", "etcd://h:1", "etcd://h:1/", "etcd://:1/a", "etcd://h:0/a",
                          "etcd://h:70000/a", "etcd://h:x/a", "etcd://h:/a", "etcd://h:1//", "etcd://h:1/a//b",
                          "etcd://::1:2/a", "etcd://[::1/a", "etcd://[::1]x/a"}) {
    auto parsed = parse_etcd_url(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::usage);
    EXPECT_NE(parsed.error().message.find(bad), std::string::npos) << parsed.error().message;
  }
}

TEST(EtcdUrl, ParsesAListOfMembersInOrder) {
  auto cluster = parse_etcd_url("etcd://10.0.0.1:2379,etcd-b,[::1]:23790/app/config.yaml");
  ASSERT_TRUE(cluster) << cluster.error().to_string();
  ASSERT_EQ(cluster->endpoints.size(), 3u);
  EXPECT_EQ(cluster->endpoints[0], (EtcdEndpoint{"10.0.0.1", 2379}));
  EXPECT_EQ(cluster->endpoints[1], (EtcdEndpoint{"etcd-b", 2379}));  // the port defaults per member
  EXPECT_EQ(cluster->endpoints[2], (EtcdEndpoint{"::1", 23790}));
  EXPECT_EQ(cluster->key, "/app/config.yaml");
  EXPECT_EQ(cluster->url(), "etcd://10.0.0.1:2379,etcd-b:2379,[::1]:23790/app/config.yaml");

  auto prefix = parse_etcd_url("etcd://h1:1,h2:2/app/");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->is_prefix());
  EXPECT_EQ(prefix->endpoints.size(), 2u);
  EXPECT_EQ(prefix->url(), "etcd://h1:1,h2:2/app/");
}

// A bad member list is a usage error that names the member and says why.
TEST(EtcdUrl, RefusesABadMemberListNamingTheMember) {
  const std::pair<const char*, const char*> cases[] = {
      {"etcd://h1:1,,h3:3/app/", "member 2 of the endpoint list is empty"},
      {"etcd://,h2:2/app/", "member 1 of the endpoint list is empty"},
      {"etcd://h1:1,h2:2,/app/", "member 3 of the endpoint list is empty"},
      {"etcd://h1:1,h2:0/app/", "member 2 (\"h2:0\"): the port must be 1..65535"},
      {"etcd://h1:1,h2:x/a", "member 2 (\"h2:x\"): the port must be 1..65535"},
      {"etcd://h1:1,h2:70000/a", "member 2 (\"h2:70000\"): the port must be 1..65535"},
      {"etcd://h1:1,:2/a", "member 2 (\":2\"): no host"},
      {"etcd://h1:1,::1:2/a", "member 2 (\"::1:2\"): an IPv6 host needs brackets"},
      {"etcd://h1:1,h2:2,h1:1/a", "member 3 (\"h1:1\"): it repeats member 1 (h1:1)"},
      {"etcd://h1,h2,H1:2379/a", "member 3 (\"H1:2379\"): it repeats member 1 (h1:2379)"},
      {"etcd://[::1]:5,[::1]:5/a", "member 2 (\"[::1]:5\"): it repeats member 1 ([::1]:5)"},
  };
  for (const auto& [bad, why] : cases) {
    auto parsed = parse_etcd_url(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::usage) << bad;
    EXPECT_NE(parsed.error().message.find(std::string("bad etcd layer \"") + bad + "\": " + why), std::string::npos)
        << parsed.error().message;
  }
}

// A location built by hand without endpoints is refused, not a crash.
TEST(EtcdUrl, ASourceWithoutEndpointsIsAUsageError) {
  EtcdSource source(EtcdLocation{.endpoints = {}, .key = "/app/"});
  auto synced = source.sync();
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().code, ErrorCode::usage);
  EXPECT_NE(synced.error().message.find("names no endpoint"), std::string::npos) << synced.error().message;
  auto started = source.start([] {});
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::usage);
}

// A range must be linearizable (served through the leader's read index), so a member that is
// behind or cut off cannot hand out old data: serializable is left at its default, false.
TEST(EtcdWire, RangeRequestsAreLinearizable) {
  auto request = detail::etcd::range_request(*parse_etcd_url("etcd://h1:1,h2:2/app/"));
  EXPECT_FALSE(request.contains("serializable")) << request.dump();
}

TEST(EtcdWire, Base64RoundTripsAndRefusesJunk) {
  using detail::etcd::base64_decode;
  using detail::etcd::base64_encode;
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("/app/a"), "L2FwcC9h");
  EXPECT_EQ(base64_encode("1"), "MQ==");
  EXPECT_EQ(base64_encode("12"), "MTI=");
  for (std::string text : {std::string(""), std::string("a"), std::string("ab"), std::string("abc"),
                           std::string("\0\xff\x80 binary", 10)}) {
    EXPECT_EQ(base64_decode(base64_encode(text)), text);
  }
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("ab=c"));
  EXPECT_FALSE(base64_decode("a*bc"));
  EXPECT_FALSE(base64_decode("MQ==MQ=="));
}

TEST(EtcdWire, PrefixEndSelectsEveryKeyUnderThePrefix) {
  using detail::etcd::prefix_end;
  EXPECT_EQ(prefix_end("/app/"), "/app0");
  EXPECT_EQ(prefix_end("a\xff"), "b");
  EXPECT_EQ(prefix_end("\xff"), std::string(1, '\0'));
}

TEST(EtcdWire, ParsesARangeReplyWithStringRevisions) {
  auto reply = detail::etcd::parse_range_reply(
      R"({"header":{"revision":"7"},"kvs":[{"key":"L2FwcC9h","mod_revision":"2","value":"MQ=="},{"key":"L2FwcC9i","mod_revision":"3"}],"count":"2"})");
  ASSERT_TRUE(reply) << reply.error().to_string();
  EXPECT_EQ(reply->revision, 7);
  ASSERT_EQ(reply->kvs.size(), 2u);
  EXPECT_EQ(reply->kvs[0].key, "/app/a");
  EXPECT_EQ(reply->kvs[0].value, "1");
  EXPECT_EQ(reply->kvs[0].mod_revision, 2);
  EXPECT_EQ(reply->kvs[1].value, "");  // an empty value is left out of the JSON

  auto empty = detail::etcd::parse_range_reply(R"({"header":{"revision":"9"}})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->kvs.empty());
}

TEST(EtcdWire, MalformedRepliesAreParseErrors) {
  for (const char* bad : {"", "[]", "not json", R"({"header":{"revision":"x"}})", R"({"header":1})",
                          R"({"kvs":{}})", R"({"kvs":[{"key":"%%%%"}]})", R"({"kvs":[1]})",
                          R"({"kvs":[{"key":"YQ==","mod_revision":true}]})"}) {
    auto reply = detail::etcd::parse_range_reply(bad);
    ASSERT_FALSE(reply) << bad;
    EXPECT_EQ(reply.error().code, ErrorCode::parse);
  }
  for (const char* bad : {"", "{}", "nope", R"({"result":1})", R"({"result":{"events":{}}})",
                          R"({"result":{"events":[{"type":"DELETE"}]}})", R"({"result":{"events":[2]}})",
                          R"({"result":{"compact_revision":"z"}})"}) {
    auto message = detail::etcd::parse_watch_line(bad);
    ASSERT_FALSE(message) << bad;
    EXPECT_EQ(message.error().code, ErrorCode::parse);
  }
}

TEST(EtcdWire, ParsesWatchMessages) {
  using detail::etcd::parse_watch_line;
  auto created = parse_watch_line(R"({"result":{"header":{"revision":"2"},"created":true}})");
  ASSERT_TRUE(created);
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->header_revision, 2);

  auto events = parse_watch_line(
      R"({"result":{"header":{"revision":"5"},"events":[{"kv":{"key":"L2FwcC9h","mod_revision":"4","value":"Mg=="}},{"type":"DELETE","kv":{"key":"L2FwcC9i","mod_revision":"5"}}]}})");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->events.size(), 2u);
  EXPECT_FALSE(events->events[0].deleted);
  EXPECT_EQ(events->events[0].kv.value, "2");
  EXPECT_TRUE(events->events[1].deleted);
  EXPECT_EQ(events->events[1].kv.mod_revision, 5);

  auto compacted = parse_watch_line(R"({"result":{"header":{"revision":"9"},"canceled":true,"compact_revision":"8"}})");
  ASSERT_TRUE(compacted);
  EXPECT_TRUE(compacted->canceled);
  EXPECT_EQ(compacted->compact_revision, 8);

  auto stopping = parse_watch_line(R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: server stopped"}})");
  ASSERT_TRUE(stopping);
  EXPECT_EQ(stopping->error, "etcdserver: server stopped");
  EXPECT_EQ(stopping->grpc_code, 14);
}

TEST(EtcdWire, GatewayErrorTextPrefersTheMessage) {
  EXPECT_EQ(detail::etcd::gateway_error_text(R"({"error":"x","code":11,"message":"compacted"})"), "compacted");
  EXPECT_EQ(detail::etcd::gateway_error_text("plain"), "plain");
  EXPECT_EQ(detail::etcd::gateway_error_text(""), "no reply body");
}

std::map<std::string, KeyValue> keys(std::initializer_list<std::pair<const char*, const char*>> pairs) {
  std::map<std::string, KeyValue> out;
  std::int64_t revision = 1;
  for (const auto& [key, value] : pairs) out[key] = KeyValue{key, value, ++revision};
  return out;
}

TEST(EtcdLayer, APrefixBecomesATreeOfYamlScalars) {
  auto location = *parse_etcd_url("etcd://h:1/app/");
  auto layer = detail::etcd::build_layer(location, {},
                                         keys({{"/app/database/max_conns", "200"}, {"/app/database/host", "db"},
                                               {"/app/debug", "true"}, {"/app/ratio", "0.5"}, {"/app/name", ""},
                                               {"/other", "ignored"}}),
                                         42);
  ASSERT_TRUE(layer) << to_string(layer.error());
  EXPECT_EQ(*layer->root.find_dotted("database.max_conns"), Value(200));
  EXPECT_EQ(*layer->root.find_dotted("database.host"), Value("db"));
  EXPECT_EQ(*layer->root.find_dotted("debug"), Value(true));
  EXPECT_EQ(*layer->root.find_dotted("ratio"), Value(0.5));
  EXPECT_TRUE(layer->root.find_dotted("name")->is_null());
  EXPECT_EQ(layer->root.find_dotted("other"), nullptr);
  const Value* max_conns = layer->root.find_dotted("database.max_conns");
  EXPECT_EQ(layer->location_of(max_conns->origin).to_string(), "etcd://h:1/app/database/max_conns");
  EXPECT_EQ(source_versions(*layer), (std::vector<std::pair<std::string, std::string>>{{"etcd://h:1/app/", "42"}}));
}

TEST(EtcdLayer, KeysThatCannotBePathsAreErrorsNamingKeyAndRevision) {
  auto location = *parse_etcd_url("etcd://h:1/app/");
  auto conflict = detail::etcd::build_layer(location, {}, keys({{"/app/a", "1"}, {"/app/a/b", "2"}}), 9);
  ASSERT_FALSE(conflict);
  ASSERT_EQ(conflict.error().size(), 1u);
  EXPECT_EQ(conflict.error()[0].location.file, "etcd://h:1/app/a/b");
  EXPECT_NE(conflict.error()[0].message.find("etcd revision 3"), std::string::npos) << conflict.error()[0].message;

  auto empty_segment = detail::etcd::build_layer(location, {}, keys({{"/app/a//b", "1"}, {"/app/", "x"}, {"/app/c/", "y"}}), 9);
  ASSERT_FALSE(empty_segment);
  EXPECT_EQ(empty_segment.error().size(), 3u);
}

TEST(EtcdLayer, KeysAndValuesThatAreNotUtf8AreRefusedAtTheByte) {
  auto location = *parse_etcd_url("etcd://h:1/app/");
  auto layer = detail::etcd::build_layer(location, {}, keys({{"/app/a", "x\xff"}, {"/app/b\xfe", "1"}, {"/app/c", "ok"}}), 9);
  ASSERT_FALSE(layer);
  ASSERT_EQ(layer.error().size(), 2u);
  EXPECT_EQ(layer.error()[0].to_string(),
            "etcd://h:1/app/a: etcd key /app/a: invalid UTF-8 in the value (etcd revision 2)");
  EXPECT_EQ(layer.error()[1].to_string(), "etcd://h:1/app/b\xEF\xBF\xBD: etcd key /app/b\xEF\xBF\xBD: invalid UTF-8 "
                                          "at byte 7 of the key (etcd revision 3)");
}

TEST(EtcdLayer, ADocumentKeyIsParsedByItsExtension) {
  auto location = *parse_etcd_url("etcd://h:1/app/config.json");
  auto layer = detail::etcd::build_layer(location, {}, keys({{"/app/config.json", R"({"a": {"b": 1}})"}}), 5);
  ASSERT_TRUE(layer) << to_string(layer.error());
  EXPECT_EQ(*layer->root.find_dotted("a.b"), Value(1));
  EXPECT_EQ(layer->location_of(layer->root.find_dotted("a.b")->origin).to_string(), "etcd://h:1/app/config.json:1:13");
  EXPECT_EQ(source_versions(*layer)[0].second, "5");

  auto yaml = detail::etcd::build_layer(*parse_etcd_url("etcd://h:1/app/config"), {}, keys({{"/app/config", "a: 1\n"}}), 5);
  ASSERT_TRUE(yaml);
  EXPECT_EQ(*yaml->root.find_dotted("a"), Value(1));
}

TEST(EtcdLayer, AnInvalidDocumentNamesTheKeyAndItsRevision) {
  auto location = *parse_etcd_url("etcd://h:1/app/config.yaml");
  auto layer = detail::etcd::build_layer(location, {}, keys({{"/app/config.yaml", "a: [1, 2\n"}}), 5);
  ASSERT_FALSE(layer);
  const std::string text = to_string(layer.error());
  EXPECT_NE(text.find("etcd://h:1/app/config.yaml:"), std::string::npos) << text;
  EXPECT_NE(text.find("(etcd revision 2)"), std::string::npos) << text;

  auto not_a_map = detail::etcd::build_layer(location, {}, keys({{"/app/config.yaml", "- 1\n"}}), 5);
  EXPECT_FALSE(not_a_map);
}

TEST(EtcdLayer, AMissingDocumentKeyIsAnErrorUnlessOptional) {
  auto location = *parse_etcd_url("etcd://h:1/app/config.yaml");
  auto missing = detail::etcd::build_layer(location, {}, {}, 12);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error()[0].to_string(), "etcd://h:1/app/config.yaml: etcd key /app/config.yaml does not exist (etcd revision 12)");
  auto optional = detail::etcd::build_layer(location, {.optional = true}, {}, 12);
  ASSERT_TRUE(optional);
  EXPECT_TRUE(optional->root.as_object().empty());
}

}  // namespace
}  // namespace hotreload
