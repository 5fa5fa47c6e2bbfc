#include "hotreload/fields.hpp"

#include <gtest/gtest.h>

#include "hotreload/diff.hpp"

namespace hotreload {
namespace {

TEST(FieldRules, DefaultPolicyIsDynamic) {
  FieldRules rules;
  EXPECT_EQ(rules.policy_of("log.level"), ReloadPolicy::dynamic);
  rules.default_policy = ReloadPolicy::restart;
  EXPECT_EQ(rules.policy_of("log.level"), ReloadPolicy::restart);
}

TEST(FieldRules, RuleCoversItsSubtreeAndMostSpecificWins) {
  FieldRules rules;
  rules.restart("database").dynamic("database.max_conns");
  EXPECT_EQ(rules.policy_of("database.host"), ReloadPolicy::restart);
  EXPECT_EQ(rules.policy_of("database"), ReloadPolicy::restart);
  EXPECT_EQ(rules.policy_of("database.max_conns"), ReloadPolicy::dynamic);
  EXPECT_EQ(rules.policy_of("databases"), ReloadPolicy::dynamic);
}

TEST(FieldRules, WildcardsMatchKeysAndIndices) {
  FieldRules rules;
  rules.secret("*.password").restart("servers[*].port");
  EXPECT_TRUE(rules.is_secret("database.password"));
  EXPECT_TRUE(rules.is_secret("cache.password.old"));
  EXPECT_FALSE(rules.is_secret("password"));
  EXPECT_EQ(rules.policy_of("servers[3].port"), ReloadPolicy::restart);
  EXPECT_EQ(rules.policy_of("servers[3].name"), ReloadPolicy::dynamic);
}

TEST(FieldRules, RestartPatternsBelowASection) {
  FieldRules rules;
  rules.restart("server.port").restart("database.host");
  EXPECT_EQ(rules.restart_patterns_below("server"), std::vector<std::string>{"server.port"});
  EXPECT_TRUE(rules.restart_patterns_below("server.port").empty());
  EXPECT_EQ(rules.restart_patterns_below("").size(), 2u);
}

TEST(FieldRules, InvalidPatternThrowsAtDeclaration) {
  FieldRules rules;
  EXPECT_THROW(rules.secret("a..b"), std::invalid_argument);
  EXPECT_THROW(rules.restart(""), std::invalid_argument);
}

TEST(FieldRules, RedactReplacesNestedSecrets) {
  FieldRules rules;
  rules.secret("database.password");
  Object database;
  database.insert_or_assign("host", Value("db"));
  database.insert_or_assign("password", Value("hunter2"));
  Object root;
  root.insert_or_assign("database", Value(database));
  Value redacted = rules.redact(Value(root));
  EXPECT_EQ(*redacted.find_dotted("database.password"), Value("<redacted>"));
  EXPECT_EQ(*redacted.find_dotted("database.host"), Value("db"));
  EXPECT_EQ(to_json_text(redacted).find("hunter2"), std::string::npos);
}

TEST(FieldRules, RedactChangesScrubsSecretValues) {
  FieldRules rules;
  rules.secret("database.password");
  Object database;
  database.insert_or_assign("password", Value("hunter2"));
  std::vector<Change> changes{
      {"database.password", ChangeOp::modified, Value("old-secret"), Value("hunter2"), false},
      {"database", ChangeOp::added, std::nullopt, Value(database), false},
  };
  redact_changes(changes, rules);
  EXPECT_TRUE(changes[0].secret);
  EXPECT_EQ(to_line(changes[0]), "database.password: <redacted> -> <redacted>");
  EXPECT_FALSE(changes[1].secret);
  EXPECT_EQ(to_line(changes[1]), "database: (absent) -> {\"password\":\"<redacted>\"}");
}

}  // namespace
}  // namespace hotreload
