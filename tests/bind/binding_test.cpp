#include "hotreload/binding.hpp"
#include "hotreload/json.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace hotreload::binding_test {

struct Database {
  std::string host;
  int max_conns = 0;
  std::chrono::milliseconds timeout{0};
  std::string password;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Database, host, max_conns, timeout, password)

struct Server {
  int port = 0;
};
void from_json(const nlohmann::json& j, Server& server) {
  j.at("port").get_to(server.port);
  if (server.port <= 0 || server.port > 65535) reject(j.at("port"), "port must be between 1 and 65535");
}
void to_json(nlohmann::json& j, const Server& server) { j = {{"port", server.port}}; }

struct Config {
  Database database;
  std::vector<Server> servers;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, database, servers)

Document yaml(std::string_view text) {
  auto doc = parse(text, Format::yaml, "config.yaml");
  EXPECT_TRUE(doc.has_value()) << (doc ? "" : doc.error().to_string());
  return std::move(doc).value();
}

constexpr std::string_view kValid =
    "database:\n"
    "  host: db.local\n"
    "  max_conns: 100\n"
    "  timeout: 1500ms\n"
    "  password: hunter2\n"
    "servers:\n"
    "  - port: 80\n"
    "  - port: 443\n";

TEST(Binding, BindsNestedStructsAndDurations) {
  auto config = bind<Config>(yaml(kValid));
  ASSERT_TRUE(config.has_value()) << to_string(config.error());
  EXPECT_EQ(config->database.host, "db.local");
  EXPECT_EQ(config->database.max_conns, 100);
  EXPECT_EQ(config->database.timeout, std::chrono::milliseconds(1500));
  ASSERT_EQ(config->servers.size(), 2u);
  EXPECT_EQ(config->servers[1].port, 443);
}

TEST(Binding, WrongTypeNamesPathPositionAndValue) {
  std::string text(kValid);
  text.replace(text.find("100"), 3, "ten");
  auto config = bind<Config>(yaml(text));
  ASSERT_FALSE(config.has_value());
  ASSERT_EQ(config.error().size(), 1u);
  EXPECT_EQ(config.error()[0].to_string(),
            "config.yaml:3:14: database.max_conns: expected number, got string \"ten\"");
  EXPECT_EQ(config.error()[0].code, ErrorCode::type);
}

// A torrc read as keyvalue binds like any layer: its values are typed as environment values are.
struct Torrc {
  int SocksPort = 0;
  std::string Nickname;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Torrc, SocksPort, Nickname)

TEST(Binding, KeyvalueNumberBindsToAnInt) {
  auto doc = parse("SocksPort 9050\nNickname relay1\n", Format::keyvalue, "torrc");
  ASSERT_TRUE(doc) << doc.error().to_string();
  auto torrc = bind<Torrc>(*doc);
  ASSERT_TRUE(torrc.has_value()) << to_string(torrc.error());
  EXPECT_EQ(torrc->SocksPort, 9050);
  EXPECT_EQ(torrc->Nickname, "relay1");

  auto wrong = bind<Torrc>(*parse("SocksPort auto\nNickname relay1\n", Format::keyvalue, "torrc"));
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error()[0].to_string(), "torrc:1:11: SocksPort: expected number, got string \"auto\"");
}

TEST(Binding, MissingKeyPointsAtItsParent) {
  auto config = bind<Config>(yaml("database:\n  host: x\n  max_conns: 1\n  timeout: 1s\nservers: []\n"));
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error()[0].to_string(), "config.yaml:2:3: database.password: missing required key");
}

TEST(Binding, BadDurationIsAValidationErrorWithPosition) {
  std::string text(kValid);
  text.replace(text.find("1500ms"), 6, "soon");
  auto config = bind<Config>(yaml(text));
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error()[0].to_string(),
            "config.yaml:4:12: database.timeout: invalid duration \"soon\": "
            "expected a number and a unit (ns, us, ms, s, m, h, d)");
}

TEST(Binding, RejectFromCustomFromJsonKeepsPosition) {
  std::string text(kValid);
  text.replace(text.find("443"), 3, "70000");
  auto config = bind<Config>(yaml(text));
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error()[0].to_string(), "config.yaml:8:11: servers[1].port: port must be between 1 and 65535");
}

TEST(Binding, SecretValuesStayOutOfMessages) {
  std::string text = "password: hunter2\n";
  FieldRules rules;
  rules.secret("password");
  nlohmann::json j = to_nlohmann_json(yaml(text).root);
  try {
    (void)j.at("password").get<int>();
    FAIL();
  } catch (const std::exception& failure) {
    Error error = detail::binding_error(yaml(text), failure, &rules);
    EXPECT_EQ(error.to_string(), "config.yaml:1:11: password: expected number, got string");
    Error shown = detail::binding_error(yaml(text), failure, nullptr);
    EXPECT_NE(shown.message.find("hunter2"), std::string::npos);
  }
}

TEST(Binding, SecretValuesStayOutOfCustomMessages) {
  FieldRules rules;
  rules.secret("database.timeout");
  std::string text(kValid);
  text.replace(text.find("1500ms"), 6, "hunter2");
  auto config = bind<Config>(yaml(text), &rules);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error()[0].to_string(), "config.yaml:4:12: database.timeout: invalid value (secret, not shown)");
}

TEST(Binding, NonJsonExceptionsBecomeErrors) {
  auto doc = yaml("a: 1\n");
  Error error = detail::binding_error(doc, std::runtime_error("boom"), nullptr);
  EXPECT_EQ(error.code, ErrorCode::type);
  EXPECT_EQ(error.to_string(), "boom");
}

TEST(Binding, NumericKeysAreKeysNotIndices) {
  auto doc = yaml("ports:\n  \"0\": zero\n");
  nlohmann::json j = to_nlohmann_json(doc.root);
  try {
    (void)j.at("ports").at("0").get<int>();
    FAIL();
  } catch (const std::exception& failure) {
    EXPECT_EQ(detail::binding_error(doc, failure, nullptr).to_string(),
              "config.yaml:2:8: ports.0: expected number, got string \"zero\"");
  }
}

// to_json_as fills each container whole; keys in any order land sorted (nlohmann::json) or in
// document order (ordered_json), and nlohmann's parent links still name a failing value's path.
TEST(Binding, JsonRenderingsKeepEveryKeyInTheirOrder) {
  auto doc = yaml("zeta: 1\nalpha:\n  m: [1, {y: 2, b: 3}]\n  c: x\nmid: null\n");
  nlohmann::json sorted = to_nlohmann_json(doc.root);
  EXPECT_EQ(sorted.dump(), R"({"alpha":{"c":"x","m":[1,{"b":3,"y":2}]},"mid":null,"zeta":1})");
  EXPECT_EQ(to_json(doc.root).dump(), R"({"zeta":1,"alpha":{"m":[1,{"y":2,"b":3}],"c":"x"},"mid":null})");
  try {
    (void)sorted.at("alpha").at("m").at(1).at("y").get<std::string>();
    FAIL();
  } catch (const std::exception& failure) {
    EXPECT_EQ(detail::binding_error(doc, failure, nullptr).to_string(),
              "config.yaml:3:14: alpha.m[1].y: expected string, got number 2");
  }
}

}  // namespace hotreload::binding_test
