// ReloadOptions::schema: a real Reloader over real files, judged by a JSON Schema whose x-reload
// and x-secret keywords join the field rules.
#include <gtest/gtest.h>

#include <atomic>

#include "hotreload/reloader.hpp"
#include "hotreload/schema_rules.hpp"
#include "support/reload_support.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::reloader_schema_test {

using Config = testing::ServiceConfig;

constexpr std::string_view kSchema =
    "type: object\n"
    "required: [log_level, port]\n"
    "properties:\n"
    "  log_level: {enum: [debug, info, warn]}\n"
    "  port: {type: integer, maximum: 65535, x-reload: restart}\n"
    "  max_conns: {type: integer, minimum: 1}\n"
    "  password: {type: string, minLength: 8, x-secret: true}\n";

// The schema wants passwords of 8 characters or more.
std::string config_text(std::string_view log_level, int port, int max_conns, std::string_view password = "hunter2-long") {
  return testing::config_text(log_level, port, max_conns, password);
}

class ReloaderSchemaTest : public ::testing::Test {
 protected:
  ReloadOptions options() {
    ReloadOptions opts;
    opts.layers.files = {{path_, false, std::nullopt, ""}};
    opts.layers.environment = Environment{};
    auto schema = ConfigSchema::load(schema_path_);
    EXPECT_TRUE(schema) << to_string(schema.error());
    if (schema) opts.schema = std::move(*schema);
    return opts;
  }

  testing::TempDir dir_;
  std::string schema_path_ = dir_.write("config.schema.yaml", kSchema);
  std::string path_ = dir_.write("config.yaml", config_text("info", 8080, 10));
};

TEST_F(ReloaderSchemaTest, AnInvalidValueFailsTheReloadAtItsPositionAndKeepsTheOldConfig) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text("loud", 8080, 0));

  ReloadOutcome outcome = reloader.reload(Trigger::file);
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  ASSERT_EQ(outcome.errors.size(), 2u) << to_string(outcome.errors);
  EXPECT_EQ(outcome.errors[0].to_string().rfind(path_ + ":1:12: log_level: ", 0), 0u) << to_string(outcome.errors);
  EXPECT_EQ(outcome.errors[1].to_string().rfind(path_ + ":3:12: max_conns: ", 0), 0u) << to_string(outcome.errors);
  EXPECT_EQ(outcome.errors[1].code, ErrorCode::validation);
  auto failed = testing::events_of(*queue, event_type::failed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].errors, outcome.errors);
  EXPECT_EQ(reloader.read()->log_level, "info");
  EXPECT_EQ(reloader.read()->max_conns, 10);
  EXPECT_EQ(reloader.generation(), 1u);
}

TEST_F(ReloaderSchemaTest, TheSchemaJudgesBeforeBindingAndTheValidators) {
  std::atomic<int> validator_calls{0};
  dir_.write("config.yaml", "log_level: info\nport: eighty\n");
  Reloader<Config> reloader(options());
  reloader.add_validator([&](const Config*, const Config&) -> Errors {
    ++validator_calls;
    return {};
  });
  auto started = reloader.start();
  ASSERT_FALSE(started.has_value());
  // The schema's error (a binding error would be ErrorCode::type), and the validator never ran.
  ASSERT_EQ(started.error().size(), 1u) << to_string(started.error());
  EXPECT_EQ(started.error()[0].code, ErrorCode::validation);
  EXPECT_EQ(started.error()[0].to_string().rfind(path_ + ":2:7: port: ", 0), 0u) << to_string(started.error());
  EXPECT_EQ(validator_calls.load(), 0);

  dir_.write("config.yaml", config_text("info", 8080, 10));
  ASSERT_TRUE(reloader.start().has_value());
  EXPECT_EQ(validator_calls.load(), 1);
}

TEST_F(ReloaderSchemaTest, AnXReloadRestartFieldIsRestartOnly) {
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("info", 9090, 20));
  ReloadOutcome refused = reloader.reload(Trigger::file);
  ASSERT_EQ(refused.status, ReloadStatus::failed);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].code, ErrorCode::restart_required);
  EXPECT_EQ(refused.errors[0].to_string(), path_ + ":2:7: port: changed from 8080 to 9090, but this field needs a restart");
  EXPECT_EQ(reloader.read()->max_conns, 10);

  ReloadOptions pending = options();
  pending.apply_dynamic_with_pending_restart = true;
  dir_.write("config.yaml", config_text("info", 8080, 10));
  Reloader<Config> lenient(pending);
  ASSERT_TRUE(lenient.start().has_value());
  dir_.write("config.yaml", config_text("info", 9090, 20));
  ReloadOutcome applied = lenient.reload(Trigger::file);
  ASSERT_EQ(applied.status, ReloadStatus::applied) << to_string(applied.errors);
  EXPECT_EQ(applied.pending_restart, std::vector<std::string>{"port"});
  EXPECT_EQ(lenient.read()->port, 8080);
  EXPECT_EQ(lenient.read()->max_conns, 20);
}

TEST_F(ReloaderSchemaTest, AnXSecretFieldIsRedactedInChangesEventsAndErrors) {
  ReloadOptions opts = options();
  opts.config_in_events = true;
  Reloader<Config> reloader(opts);
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text("info", 8080, 10, "correct-horse"));

  ReloadOutcome outcome = reloader.reload(Trigger::file);
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  ASSERT_EQ(outcome.changes.size(), 1u);
  EXPECT_TRUE(outcome.changes[0].secret);
  EXPECT_EQ(to_line(outcome.changes[0]), "password: <redacted> -> <redacted>");
  auto completed = testing::events_of(*queue, event_type::completed);
  ASSERT_EQ(completed.size(), 1u);
  ASSERT_EQ(completed[0].changes.size(), 1u);
  EXPECT_EQ(to_json_text(*completed[0].changes[0].new_value), "\"<redacted>\"");
  ASSERT_TRUE(completed[0].config.has_value());
  EXPECT_EQ(to_json_text(*completed[0].config->find_dotted("password")), "\"<redacted>\"");
  EXPECT_EQ(reloader.read()->password, "correct-horse");  // the program still sees it

  // A schema message quotes the value it rejects; a secret one never reaches the event.
  dir_.write("config.yaml", config_text("info", 8080, 10, "tiny-pw"));
  ReloadOutcome refused = reloader.reload(Trigger::file);
  ASSERT_EQ(refused.status, ReloadStatus::failed);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].path, "password");
  EXPECT_EQ(refused.errors[0].message.find("tiny-pw"), std::string::npos) << refused.errors[0].message;
  EXPECT_NE(refused.errors[0].message.find("<redacted>"), std::string::npos) << refused.errors[0].message;
}

TEST_F(ReloaderSchemaTest, TheCodesRulesWinTiesAndTheMergedRulesAreVisible) {
  ReloadOptions opts = options();
  opts.fields.dynamic("port").secret("log_level");
  Reloader<Config> reloader(opts);
  EXPECT_EQ(reloader.options().fields.policy_of("port"), ReloadPolicy::dynamic);
  EXPECT_TRUE(reloader.options().fields.is_secret("password"));  // the schema's
  EXPECT_TRUE(reloader.options().fields.is_secret("log_level"));  // the code's
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("info", 9090, 10));
  ReloadOutcome outcome = reloader.reload(Trigger::file);
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  EXPECT_EQ(reloader.read()->port, 9090);
}

TEST_F(ReloaderSchemaTest, ASectionReloadIsJudgedAsAWhole) {
  // `max_conns` may only be raised together with a debug log level (a cross-field rule).
  dir_.write("config.schema.yaml",
             std::string(kSchema) + "if: {properties: {max_conns: {minimum: 100}}}\nthen: {properties: {log_level: {const: debug}}}\n");
  Reloader<Config> reloader(options());
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text("debug", 8080, 200));
  // Only max_conns is taken; the live log level (info) stays and breaks the rule.
  ReloadOutcome outcome = reloader.request_reload({"max_conns"});
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  ASSERT_EQ(outcome.errors.size(), 1u) << to_string(outcome.errors);
  EXPECT_EQ(outcome.errors[0].path, "log_level");
  EXPECT_EQ(reloader.read()->max_conns, 10);
  EXPECT_EQ(reloader.request_reload().status, ReloadStatus::applied);
  EXPECT_EQ(reloader.read()->max_conns, 200);
}

}  // namespace hotreload::reloader_schema_test
