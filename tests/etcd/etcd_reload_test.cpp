// etcd as a layer of a Reloader: the same pipeline, events and last-known-good as files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "etcd/etcd_test_support.hpp"
#include "hotreload/admin.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::EtcdServer;
using testing::eventually;

// A reloader over defaults.yaml and one etcd layer, reloading on the source's changes, with
// every event kept in a queue.
struct Fixture {
  Fixture(EtcdServer& etcd, const std::string& key, std::chrono::milliseconds debounce = 20ms) {
    defaults = dir.write("defaults.yaml", "log_level: info\ndatabase:\n  max_conns: 10\n");
    EtcdOptions etcd_options;
    etcd_options.debounce = debounce;
    etcd_options.reconnect = {.enabled = true, .base = 50ms, .cap = 500ms, .jitter = 0.2};
    source = std::make_shared<EtcdSource>(*parse_etcd_url(etcd.url(key)), etcd_options);
    (void)source->sync();
    options.layers.files = {{.path = defaults}, {.path = source->name(), .source = source}};
    options.backoff = {.enabled = true, .base = 20ms, .cap = 100ms, .jitter = 0.0};
    reloader = std::make_unique<Reloader<nlohmann::json>>(options);
    queue = reloader->events().open_queue(100000);
  }
  bool start() {
    auto started = reloader->start();
    if (!started) {
      ADD_FAILURE() << to_string(started.error());
      return false;
    }
    if (auto watching = source->start([this] { (void)reloader->reload(Trigger::etcd); }); !watching) {
      ADD_FAILURE() << watching.error().to_string();
      return false;
    }
    return true;
  }
  nlohmann::json config() const { return *reloader->load(); }
  // The next event of `type` from the queue, within the bound.
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
};

class EtcdReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HOTRELOAD_REQUIRE_ETCD();
    ASSERT_TRUE(etcd.start());
  }
  EtcdServer etcd;
};

std::string version_of(const Event& event, const std::string& layer) {
  for (const auto& [name, version] : event.source_versions) {
    if (name == layer) return version;
  }
  return "";
}

TEST_F(EtcdReloadTest, ATransactionBurstIsOneReloadOfTheFinalStateTaggedWithItsRevision) {
  etcd.put("/app/database/max_conns", "50");
  Fixture f(etcd, "/app/");
  ASSERT_TRUE(f.start());
  auto initial = f.next(event_type::completed);
  ASSERT_TRUE(initial);
  EXPECT_EQ(f.config()["database"]["max_conns"], 50);
  const std::uint64_t generation = f.reloader->generation();

  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 50; ++i) pairs.emplace_back("/app/keys/k" + std::to_string(i), std::to_string(i));
  pairs.emplace_back("/app/database/max_conns", "99");
  const std::int64_t written = etcd.put_all(pairs);
  auto completed = f.next(event_type::completed);
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->trigger, Trigger::etcd);
  // Every key of the transaction in one reload: the new map "keys" (one change) and max_conns.
  ASSERT_EQ(completed->changes.size(), 2u);
  EXPECT_EQ(f.config()["keys"].size(), 50u);
  EXPECT_EQ(f.reloader->generation(), generation + 1);
  EXPECT_EQ(f.config()["database"]["max_conns"], 99);
  EXPECT_EQ(version_of(*completed, f.source->name()), std::to_string(written));
  const std::string line = to_cloudevent_line(*completed, "test");
  EXPECT_NE(line.find("\"sourceVersions\":{\"" + f.source->name() + "\":\"" + std::to_string(written) + "\"}"),
            std::string::npos)
      << line;
  // The admin endpoint's /config shows the same revision.
  auto config = config_json(*f.reloader->document(), f.options.fields, f.reloader->generation());
  EXPECT_EQ(config["sourceVersions"][f.source->name()], std::to_string(written));
  f.source->stop();
}

TEST_F(EtcdReloadTest, ManyWritesWithinTheDebounceWindowAreOneReload) {
  Fixture f(etcd, "/app/", 1500ms);
  ASSERT_TRUE(f.start());
  ASSERT_TRUE(f.next(event_type::completed));
  ASSERT_TRUE(eventually([&] { return f.source->status().watching; }));
  for (int i = 1; i <= 10; ++i) etcd.put("/app/database/max_conns", std::to_string(i * 100));
  auto completed = f.next(event_type::completed);
  ASSERT_TRUE(completed);
  ASSERT_EQ(completed->changes.size(), 1u);
  EXPECT_EQ(completed->changes[0].new_value, std::optional<Value>(Value(1000)));  // the final state, not a step on the way
  EXPECT_EQ(f.config()["database"]["max_conns"], 1000);
  f.source->stop();
}

TEST_F(EtcdReloadTest, AnInvalidDocumentKeepsTheOldConfigAndTheErrorNamesKeyAndRevision) {
  etcd.put("/app/config.yaml", "database:\n  max_conns: 20\n");
  Fixture f(etcd, "/app/config.yaml");
  ASSERT_TRUE(f.start());
  ASSERT_TRUE(f.next(event_type::completed));
  EXPECT_EQ(f.config()["database"]["max_conns"], 20);
  ASSERT_TRUE(eventually([&] { return f.source->status().watching; }));

  const std::int64_t bad = etcd.put("/app/config.yaml", "database: [unclosed\n");
  auto failed = f.next(event_type::failed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->trigger, Trigger::etcd);
  ASSERT_FALSE(failed->errors.empty());
  const std::string error = failed->errors[0].to_string();
  EXPECT_NE(error.find(etcd.url("/app/config.yaml")), std::string::npos) << error;
  EXPECT_NE(error.find("etcd revision " + std::to_string(bad)), std::string::npos) << error;
  EXPECT_EQ(f.config()["database"]["max_conns"], 20);  // the old config stays live

  etcd.put("/app/config.yaml", "database:\n  max_conns: 30\n");
  ASSERT_TRUE(eventually([&] { return f.config()["database"]["max_conns"] == 30; }));
  f.source->stop();
}

TEST_F(EtcdReloadTest, KeysThatCannotFormATreeKeepTheOldConfig) {
  etcd.put("/app/database/max_conns", "5");
  Fixture f(etcd, "/app/");
  ASSERT_TRUE(f.start());
  ASSERT_TRUE(f.next(event_type::completed));
  ASSERT_TRUE(eventually([&] { return f.source->status().watching; }));
  etcd.put("/app/database/max_conns/extra", "1");
  auto failed = f.next(event_type::failed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->errors.at(0).location.file, etcd.url("/app/database/max_conns/extra"));
  EXPECT_EQ(f.config()["database"]["max_conns"], 5);
  etcd.remove("/app/database/max_conns/extra");
  etcd.put("/app/database/max_conns", "6");
  ASSERT_TRUE(eventually([&] { return f.config()["database"]["max_conns"] == 6; }));
  f.source->stop();
}

TEST_F(EtcdReloadTest, ABadValueFailsBindingWithTheKeyAsLocation) {
  etcd.put("/app/database/max_conns", "5");
  Fixture f(etcd, "/app/");
  f.reloader->add_validator([](const nlohmann::json*, const nlohmann::json& next) -> Errors {
    if (!next["database"]["max_conns"].is_number_integer()) {
      return {{ErrorCode::validation, "must be an integer", {}, "database.max_conns"}};
    }
    return {};
  });
  ASSERT_TRUE(f.start());
  ASSERT_TRUE(f.next(event_type::completed));
  ASSERT_TRUE(eventually([&] { return f.source->status().watching; }));
  etcd.put("/app/database/max_conns", "ten");
  auto failed = f.next(event_type::failed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->errors.at(0).to_string(),
            etcd.url("/app/database/max_conns") + ": database.max_conns: must be an integer");
  EXPECT_EQ(f.config()["database"]["max_conns"], 5);
  f.source->stop();
}

TEST(EtcdReloadDown, FileLayersServeWhileEtcdIsDownAndItsLayerArrivesLater) {
  HOTRELOAD_REQUIRE_ETCD();
  EtcdServer etcd;  // started only later
  Fixture f(etcd, "/app/");
  ASSERT_TRUE(f.start());
  auto initial = f.next(event_type::completed);
  ASSERT_TRUE(initial);
  EXPECT_EQ(f.config()["database"]["max_conns"], 10);  // from defaults.yaml
  EXPECT_EQ(version_of(*initial, f.source->name()), "unavailable");

  ASSERT_TRUE(etcd.start());
  const std::int64_t written = etcd.put("/app/database/max_conns", "77");
  ASSERT_TRUE(eventually([&] { return f.config()["database"]["max_conns"] == 77; }));
  auto document = f.reloader->document();
  const auto versions = source_versions(*document);
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_GE(std::stoll(versions[0].second), written);
  f.source->stop();
}

TEST_F(EtcdReloadTest, ARestartMidWatchLosesNoUpdate) {
  etcd.put("/app/database/max_conns", "1");
  Fixture f(etcd, "/app/");
  ASSERT_TRUE(f.start());
  ASSERT_TRUE(eventually([&] { return f.source->status().watching; }));
  etcd.stop();
  ASSERT_TRUE(eventually([&] { return !f.source->status().watching; }));
  EXPECT_EQ(f.config()["database"]["max_conns"], 1);  // the last state stays live
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/database/max_conns", "2");
  etcd.put("/app/log_level", "debug");
  ASSERT_TRUE(eventually([&] { return f.config()["database"]["max_conns"] == 2 && f.config()["log_level"] == "debug"; }));
  f.source->stop();
}

TEST_F(EtcdReloadTest, CompactionWhileDisconnectedReReadsAndConverges) {
  etcd.put("/app/database/max_conns", "1");
  Fixture f(etcd, "/app/");
  ASSERT_TRUE(f.start());
  ASSERT_TRUE(eventually([&] { return f.source->status().watching; }));
  etcd.stop();
  ASSERT_TRUE(eventually([&] { return !f.source->status().watching; }));
  ASSERT_TRUE(etcd.start());
  // Writes and a compaction race the source's reconnect: whether it resumes or finds its
  // revision compacted, it ends at the final state.
  etcd.put("/app/database/max_conns", "2");
  const std::int64_t last = etcd.put("/app/database/max_conns", "3");
  ASSERT_TRUE(etcd.compact(last));
  ASSERT_TRUE(eventually([&] { return f.config()["database"]["max_conns"] == 3; }));
  f.source->stop();
}

}  // namespace
}  // namespace hotreload
