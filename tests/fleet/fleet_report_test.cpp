// FleetReporter against a real etcd: the key PREFIX/instances/<id> says what the instance runs,
// is bound to a lease (gone when the reporter stops, put again when the lease is lost), follows
// every reload attempt, and never holds a secret; etcd being down blocks no reload.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "etcd/etcd_test_support.hpp"
#include "etcd/etcd_wire.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/fleet_report.hpp"
#include "hotreload/fleet_status.hpp"
#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::EtcdServer;
using testing::eventually;

constexpr std::string_view kSecret = "hunter2-very-secret";

// The value and lease of one key, as etcd holds it now; nullopt when the key does not exist.
struct StoredKey {
  nlohmann::json value;
  std::string raw;
  std::int64_t lease = 0;
};

std::optional<StoredKey> stored(EtcdServer& etcd, const std::string& key) {
  nlohmann::json request = {{"key", detail::etcd::base64_encode(key)}};
  auto reply = etcd.post("/v3/kv/range", request.dump());
  if (!reply) return std::nullopt;
  nlohmann::json parsed = nlohmann::json::parse(*reply, nullptr, false);
  if (!parsed.contains("kvs") || parsed["kvs"].empty()) return std::nullopt;
  const auto& kv = parsed["kvs"][0];
  StoredKey out;
  out.raw = *detail::etcd::base64_decode(kv["value"].get<std::string>());
  out.value = nlohmann::json::parse(out.raw, nullptr, false);
  if (kv.contains("lease")) out.lease = std::stoll(kv["lease"].get<std::string>());
  return out;
}

// A reloader over defaults.yaml and the etcd prefix /app/, database.password secret, with a
// validator that quotes the password in its error (the reloader must scrub it), and a reporter
// writing under /fleet/ as "web-1".
struct Instance {
  Instance(EtcdServer& app_etcd, EtcdServer& report_etcd) {
    defaults = dir.write("defaults.yaml", "database:\n  max_conns: 10\n");
    EtcdOptions etcd_options;
    etcd_options.debounce = 20ms;
    etcd_options.reconnect = {.enabled = true, .base = 50ms, .cap = 500ms, .jitter = 0.2};
    source = std::make_shared<EtcdSource>(*parse_etcd_url(app_etcd.url("/app/")), etcd_options);
    (void)source->sync();
    options.layers.files = {{.path = defaults}, {.path = source->name(), .source = source}};
    options.backoff = {.enabled = true, .base = 20ms, .cap = 100ms, .jitter = 0.0};
    options.fields.secret("database.password");
    reloader = std::make_unique<Reloader<nlohmann::json>>(options);
    reloader->add_validator([](const nlohmann::json*, const nlohmann::json& next) -> Errors {
      const auto& database = next["database"];
      if (database.contains("max_conns") && database["max_conns"].is_number_integer() && database["max_conns"] < 0) {
        std::string password = database.contains("password") ? database["password"].dump() : "";
        return {{ErrorCode::validation, "max_conns must not be negative (password " + password + ")", {},
                 "database.password"}};
      }
      return {};
    });
    queue = reloader->events().open_queue(100000);
    FleetReportOptions report_options{.instance_id = "web-1", .etcd = {}, .lease_ttl = 2s};
    report_options.etcd.reconnect = {.enabled = true, .base = 50ms, .cap = 300ms, .jitter = 0.2};
    reporter = FleetReporter::for_reloader(*reloader, *parse_etcd_url(report_etcd.url("/fleet/")), report_options);
  }
  ~Instance() {
    reporter.reset();
    source->stop();
  }
  bool start() {
    if (auto started = reporter->start(); !started) {
      ADD_FAILURE() << started.error().to_string();
      return false;
    }
    if (auto started = reloader->start(); !started) {
      ADD_FAILURE() << to_string(started.error());
      return false;
    }
    if (auto watching = source->start([this] { (void)reloader->reload(Trigger::etcd); }); !watching) {
      ADD_FAILURE() << watching.error().to_string();
      return false;
    }
    return true;
  }
  std::optional<Event> next(std::string_view type) {
    const auto deadline = std::chrono::steady_clock::now() + testing::kEtcdBound;
    while (std::chrono::steady_clock::now() < deadline) {
      auto event = queue->recv(100ms);
      if (event && event->type == type) return event;
    }
    return std::nullopt;
  }

  testing::TempDir dir;
  std::string defaults;
  std::shared_ptr<EtcdSource> source;
  ReloadOptions options;
  std::unique_ptr<Reloader<nlohmann::json>> reloader;
  std::shared_ptr<EventQueue> queue;
  std::unique_ptr<FleetReporter> reporter;
};

class FleetReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HOTRELOAD_REQUIRE_ETCD();
    ASSERT_TRUE(etcd.start());
  }
  EtcdServer etcd;
};

TEST_F(FleetReportTest, TheKeySaysWhatTheInstanceRunsUnderALease) {
  const std::int64_t revision = etcd.put("/app/database/password", std::string(kSecret));
  Instance instance(etcd, etcd);
  ASSERT_TRUE(instance.start());
  const std::string key = "/fleet/instances/web-1";
  EXPECT_EQ(instance.reporter->key(), key);
  ASSERT_TRUE(eventually([&] { return stored(etcd, key).has_value(); }));

  auto held = stored(etcd, key);
  ASSERT_TRUE(held);
  const nlohmann::json& report = held->value;
  EXPECT_EQ(report["id"], "web-1");
  EXPECT_EQ(report["generation"], 1);
  EXPECT_EQ(report["status"], "applied");
  EXPECT_EQ(report["sources"], nlohmann::json({{etcd.url("/app/"), std::to_string(revision)}}));
  EXPECT_EQ(report["configHash"].get<std::string>().size(), 64u);
  EXPECT_EQ(report["errors"], nlohmann::json::array());
  EXPECT_EQ(report["trigger"], "initial");
  EXPECT_FALSE(report["time"].get<std::string>().empty());
  EXPECT_EQ(held->raw.find(kSecret), std::string::npos) << held->raw;
  EXPECT_NE(held->lease, 0);
  EXPECT_EQ(held->lease, instance.reporter->lease_id());

  // The hash is of the redacted config: another secret, same hash; another value, another hash.
  const std::string hash = report["configHash"];
  etcd.put("/app/database/password", "another-secret");
  ASSERT_TRUE(eventually([&] {
    auto now = stored(etcd, key);
    return now && now->value["generation"] == 2;
  }));
  EXPECT_EQ(stored(etcd, key)->value["configHash"], hash);
  etcd.put("/app/database/max_conns", "20");
  ASSERT_TRUE(eventually([&] {
    auto now = stored(etcd, key);
    return now && now->value["generation"] == 3;
  }));
  EXPECT_NE(stored(etcd, key)->value["configHash"], hash);
}

TEST_F(FleetReportTest, AFailedReloadIsReportedWithItsErrorAndNoSecret) {
  const std::int64_t good = etcd.put("/app/database/password", std::string(kSecret));
  Instance instance(etcd, etcd);
  ASSERT_TRUE(instance.start());
  const std::string key = "/fleet/instances/web-1";
  ASSERT_TRUE(eventually([&] { return stored(etcd, key).has_value(); }));
  ASSERT_TRUE(eventually([&] { return instance.source->status().watching; }));

  const std::int64_t bad = etcd.put("/app/database/max_conns", "-1");
  auto failed = instance.next(event_type::failed);
  ASSERT_TRUE(failed);
  ASSERT_TRUE(eventually([&] {
    auto now = stored(etcd, key);
    return now && now->value["status"] == "failed";
  }));
  auto held = stored(etcd, key);
  const nlohmann::json& report = held->value;
  EXPECT_EQ(report["generation"], 1);  // the live config is still the first
  EXPECT_EQ(report["sources"][etcd.url("/app/")], std::to_string(good));
  EXPECT_EQ(report["attemptedSources"][etcd.url("/app/")], std::to_string(bad));
  ASSERT_EQ(report["errors"].size(), 1u);
  const std::string error = report["errors"][0];
  EXPECT_NE(error.find("max_conns must not be negative"), std::string::npos) << error;
  EXPECT_NE(error.find("<redacted>"), std::string::npos) << error;  // the validator did quote it
  EXPECT_EQ(held->raw.find(kSecret), std::string::npos) << held->raw;

  // Fixed: applied again, the errors gone.
  etcd.put("/app/database/max_conns", "5");
  ASSERT_TRUE(eventually([&] {
    auto now = stored(etcd, key);
    return now && now->value["status"] == "applied" && now->value["generation"] == 2;
  }));
  EXPECT_EQ(stored(etcd, key)->value["errors"], nlohmann::json::array());
}

TEST_F(FleetReportTest, StoppingRevokesTheLeaseSoTheKeyGoesAtOnce) {
  Instance instance(etcd, etcd);
  ASSERT_TRUE(instance.start());
  const std::string key = "/fleet/instances/web-1";
  ASSERT_TRUE(eventually([&] { return stored(etcd, key).has_value(); }));
  instance.reporter->stop();
  EXPECT_FALSE(stored(etcd, key).has_value());  // no waiting for the TTL
}

TEST_F(FleetReportTest, ALostLeaseIsReplacedAndTheKeyPutAgain) {
  Instance instance(etcd, etcd);
  ASSERT_TRUE(instance.start());
  const std::string key = "/fleet/instances/web-1";
  ASSERT_TRUE(eventually([&] { return stored(etcd, key).has_value(); }));
  const std::int64_t first = stored(etcd, key)->lease;
  // What expiry does (etcd unreachable for longer than the TTL): the lease and its key are gone.
  ASSERT_TRUE(etcd.post("/v3/lease/revoke", nlohmann::json({{"ID", std::to_string(first)}}).dump()));
  ASSERT_FALSE(stored(etcd, key).has_value());
  ASSERT_TRUE(eventually([&] {
    auto now = stored(etcd, key);
    return now && now->lease != first;
  }));
  EXPECT_EQ(stored(etcd, key)->value["status"], "applied");
}

TEST(FleetReportDown, EtcdDownBlocksNoReloadAndIsReportedAsAnEvent) {
  HOTRELOAD_REQUIRE_ETCD();
  EtcdServer app;
  ASSERT_TRUE(app.start());
  EtcdServer report_etcd;  // not started yet
  Instance instance(app, report_etcd);
  ASSERT_TRUE(instance.start());
  auto error = instance.next(report_error_event);
  ASSERT_TRUE(error);
  ASSERT_FALSE(error->errors.empty());
  EXPECT_NE(error->errors[0].message.find("fleet report /fleet/instances/web-1"), std::string::npos)
      << error->errors[0].message;
  EXPECT_EQ(error->files, std::vector<std::string>{report_etcd.url("/fleet/instances/web-1")});
  // Reloads go on while the reporter retries.
  ASSERT_TRUE(eventually([&] { return instance.source->status().watching; }));
  app.put("/app/database/max_conns", "30");
  ASSERT_TRUE(eventually([&] { return (*instance.reloader->load())["database"]["max_conns"] == 30; }));
  // etcd back: the newest report is written.
  ASSERT_TRUE(report_etcd.start());
  ASSERT_TRUE(eventually([&] {
    auto now = stored(report_etcd, "/fleet/instances/web-1");
    return now && now->value["generation"] == 2;
  }));
}

TEST(FleetReportMembers, AMemberThatIsDownIsPassedOverForTheNext) {
  HOTRELOAD_REQUIRE_ETCD();
  EtcdServer down;  // listed first, never started
  EtcdServer up;
  ASSERT_TRUE(up.start());
  testing::TempDir dir;
  ReloadOptions options;
  options.layers.files = {{.path = dir.write("config.yaml", "answer: 42\n")}};
  Reloader<nlohmann::json> reloader(options);
  auto reporter = FleetReporter::for_reloader(
      reloader, *parse_etcd_url("etcd://" + down.endpoint() + "," + up.endpoint() + "/fleet/"), {.instance_id = "m"});
  ASSERT_TRUE(reporter->start());
  ASSERT_TRUE(reloader.start());
  ASSERT_TRUE(eventually([&] { return stored(up, "/fleet/instances/m").has_value(); }));
  EXPECT_EQ(stored(up, "/fleet/instances/m")->value["sources"], nlohmann::json::object());  // files carry no version
  auto status = read_fleet_status(*parse_etcd_url("etcd://" + down.endpoint() + "," + up.endpoint() + "/fleet/"));
  ASSERT_TRUE(status) << status.error().to_string();
  EXPECT_EQ(status->live(), 1u);
  EXPECT_TRUE(status->converged());
  reporter->stop();
  EXPECT_FALSE(stored(up, "/fleet/instances/m").has_value());
}

TEST(FleetReportUsage, ALocationThatIsNotAPrefixOrAnIdWithASlashIsRefused) {
  EventBus bus;
  FleetReporter key_location(*parse_etcd_url("etcd://127.0.0.1:1/fleet"), {.instance_id = "a"}, bus, {}, {});
  auto started = key_location.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::usage);
  FleetReporter slash(*parse_etcd_url("etcd://127.0.0.1:1/fleet/"), {.instance_id = "a/b"}, bus, {}, {});
  ASSERT_FALSE(slash.start());
  FleetReporter defaulted(*parse_etcd_url("etcd://127.0.0.1:1/fleet/"), {}, bus, {}, {});
  EXPECT_EQ(defaulted.instance_id(), default_instance_id());
  EXPECT_NE(default_instance_id().find('-'), std::string::npos);
}

}  // namespace
}  // namespace hotreload
