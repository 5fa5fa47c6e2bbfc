// redact_errors: error messages that quote a value never show a secret one.
#include <gtest/gtest.h>

#include "hotreload/document.hpp"
#include "hotreload/fields.hpp"
#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

Value root_of(std::string_view yaml) {
  auto doc = parse(yaml, Format::yaml, "config.yaml");
  EXPECT_TRUE(doc) << doc.error().to_string();
  return doc ? doc->root : Value{};
}

Error error_at(std::string path, std::string message) { return {ErrorCode::validation, std::move(message), {}, std::move(path)}; }

TEST(RedactErrors, ASecretQuotedInAnyMessageIsReplaced) {
  FieldRules rules;
  rules.secret("database.password").secret("*.token");
  Value root = root_of("database:\n  password: hunter2-secret\n  port: 5432\napi:\n  token: tok-123456\n");
  Errors errors = {error_at("database.password", "\"hunter2-secret\" is shorter than the minimum length 20"),
                   error_at("database.port", "must differ from hunter2-secret and tok-123456"),
                   error_at("database.port", "5432 is not a multiple of 7")};
  redact_errors(errors, root, rules);
  EXPECT_EQ(errors[0].message, "<redacted> is shorter than the minimum length 20");
  EXPECT_EQ(errors[1].message, "must differ from <redacted> and <redacted>");
  EXPECT_EQ(errors[2].message, "5432 is not a multiple of 7");  // not a secret
}

// Messages shorten long values ("\"abcdefgh...\""): at a secret path the shown start goes too.
TEST(RedactErrors, ATruncatedSecretAtASecretPathIsReplaced) {
  FieldRules rules;
  rules.secret("key");
  const std::string secret(100, 'k');
  Value root = root_of("key: " + secret + "\nname: x\n");
  Errors errors = {error_at("key", "\"" + secret.substr(0, 59) + "...\" does not match the pattern \"^a\""),
                   error_at("name", "kkkkkkkkkk is fine here: name is not secret")};
  redact_errors(errors, root, rules);
  EXPECT_EQ(errors[0].message, "\"<redacted>...\" does not match the pattern \"^a\"");
  EXPECT_EQ(errors[1].message, "kkkkkkkkkk is fine here: name is not secret");
}

TEST(RedactErrors, SecretsInsideASecretSectionAndNonStringSecretsAreReplaced) {
  FieldRules rules;
  rules.secret("credentials");
  Value root = root_of("credentials:\n  user: admin-user\n  pin: 987654\n");
  Errors errors = {error_at("", "admin-user and 987654 were rejected")};
  redact_errors(errors, root, rules);
  EXPECT_EQ(errors[0].message, "<redacted> and <redacted> were rejected");
}

TEST(RedactErrors, NothingChangesWithoutSecrets) {
  FieldRules rules;
  Value root = root_of("password: hunter2\n");
  Errors errors = {error_at("password", "\"hunter2\" is too short")};
  redact_errors(errors, root, rules);
  EXPECT_EQ(errors[0].message, "\"hunter2\" is too short");
}

}  // namespace
}  // namespace hotreload

// Not in an anonymous namespace: clang flags the macro's unused to_json there.
namespace hotreload::secret_errors_test {

struct Database {
  std::string password;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Database, password)
struct SecretConfig {
  Database database;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SecretConfig, database)

}  // namespace hotreload::secret_errors_test

namespace hotreload {
namespace {

using secret_errors_test::SecretConfig;

// Through the pipeline: a validator quoting the value (as a schema would) reports nothing secret,
// in the outcome, the reload.failed event or its CloudEvents line, at start and on reloads.
TEST(RedactErrors, ThePipelineScrubsErrorsOfFailedLoadsAndReloads) {
  testing::TempDir dir;
  const std::string file = dir.write("config.yaml", "database:\n  password: short-pw\n");
  ReloadOptions options;
  options.layers.files = {{file}};
  options.layers.environment = Environment{};
  options.fields.secret("database.password");
  Reloader<SecretConfig> reloader(options);
  reloader.add_validator([](const SecretConfig*, const SecretConfig& next) {
    Errors errors;
    if (next.database.password.size() < 10) {
      errors.push_back({ErrorCode::validation, "\"" + next.database.password + "\" is shorter than 10", {}, "database.password"});
    }
    return errors;
  });
  auto queue = reloader.events().open_queue();
  auto refused = reloader.start();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().at(0).message, "<redacted> is shorter than 10");

  dir.write("config.yaml", "database:\n  password: a-long-enough-password\n");
  ASSERT_TRUE(reloader.start());
  dir.write("config.yaml", "database:\n  password: tiny-pw\n");
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_EQ(outcome.errors.at(0).message, "<redacted> is shorter than 10");
  EXPECT_EQ(outcome.errors.at(0).to_string().find("tiny-pw"), std::string::npos);
  while (auto event = queue->try_recv()) {
    const std::string line = to_cloudevent_line(*event, "test");
    EXPECT_EQ(line.find("tiny-pw"), std::string::npos) << line;
    EXPECT_EQ(line.find("short-pw"), std::string::npos) << line;
    EXPECT_EQ(line.find("a-long-enough-password"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace hotreload
