// EtcdSource against a real etcd on 127.0.0.1: reads, watches, and the faults of issue 8.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>

#include "etcd/etcd_test_support.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/layers.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::EtcdServer;
using testing::eventually;

EtcdOptions fast_options() {
  EtcdOptions options;
  options.debounce = 20ms;
  options.reconnect = {.enabled = true, .base = 50ms, .cap = 500ms, .jitter = 0.2};
  options.connect_timeout = 1000ms;
  return options;
}

std::shared_ptr<EtcdSource> source_for(const EtcdServer& etcd, const std::string& key, EtcdOptions options = fast_options()) {
  auto location = parse_etcd_url(etcd.url(key));
  EXPECT_TRUE(location);
  return std::make_shared<EtcdSource>(*location, std::move(options));
}

// The value at `path` in the source's current layer, as text ("" when absent or failing).
std::string value_at(const EtcdSource& source, const std::string& path) {
  auto layer = source.load();
  if (!layer) return "";
  const Value* node = layer->root.find_dotted(path);
  if (node == nullptr) return "";
  if (node->is_int()) return std::to_string(node->as_int());
  if (node->is_string()) return node->as_string();
  return "?";
}

class EtcdSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HOTRELOAD_REQUIRE_ETCD();
    ASSERT_TRUE(etcd.start());
  }
  EtcdServer etcd;
};

TEST_F(EtcdSourceTest, SyncReadsAPrefixAsATree) {
  etcd.put("/app/database/max_conns", "200");
  etcd.put("/app/database/host", "db.internal");
  const std::int64_t revision = etcd.put("/apples", "not under /app/");
  auto source = source_for(etcd, "/app/");
  ASSERT_TRUE(source->sync());
  auto layer = source->load();
  ASSERT_TRUE(layer) << to_string(layer.error());
  EXPECT_EQ(*layer->root.find_dotted("database.max_conns"), Value(200));
  EXPECT_EQ(*layer->root.find_dotted("database.host"), Value("db.internal"));
  EXPECT_EQ(layer->root.as_object().size(), 1u);
  EXPECT_EQ(source->status().revision, revision);
  EXPECT_EQ(source_versions(*layer)[0].second, std::to_string(revision));
}

TEST_F(EtcdSourceTest, SyncReadsOneKeyAsADocument) {
  etcd.put("/app/config.yaml", "log_level: info\ndatabase:\n  max_conns: 10\n");
  auto source = source_for(etcd, "/app/config.yaml");
  ASSERT_TRUE(source->sync());
  EXPECT_EQ(value_at(*source, "database.max_conns"), "10");
  EXPECT_EQ(value_at(*source, "log_level"), "info");
}

TEST_F(EtcdSourceTest, LayersMixWithFilesAndKeepProvenance) {
  testing::TempDir dir;
  const std::string defaults = dir.write("defaults.yaml", "log_level: info\ndatabase:\n  max_conns: 10\n  host: localhost\n");
  etcd.put("/app/database/max_conns", "300");
  auto source = source_for(etcd, "/app/");
  ASSERT_TRUE(source->sync());
  LayerOptions options;
  options.files = {{.path = defaults}, {.path = source->name(), .source = source}};
  auto merged = load_layers(options);
  ASSERT_TRUE(merged) << to_string(merged.error());
  EXPECT_EQ(*merged->root.find_dotted("database.max_conns"), Value(300));
  EXPECT_EQ(*merged->root.find_dotted("database.host"), Value("localhost"));
  const Value* max_conns = merged->root.find_dotted("database.max_conns");
  EXPECT_EQ(merged->location_of(max_conns->origin).file, etcd.url("/app/database/max_conns"));
  auto layers = provenance(*merged);
  EXPECT_NE(std::find(layers.begin(), layers.end(), std::pair<std::string, std::string>{"database.max_conns", source->name()}),
            layers.end());
  EXPECT_EQ(source_versions(*merged).size(), 1u);
}

TEST_F(EtcdSourceTest, WatchAppliesPutsAndDeletes) {
  etcd.put("/app/a", "1");
  auto source = source_for(etcd, "/app/");
  ASSERT_TRUE(source->sync());
  std::atomic<int> changes{0};
  ASSERT_TRUE(source->start([&] { ++changes; }));
  ASSERT_TRUE(eventually([&] { return source->status().watching; }));
  etcd.put("/app/b", "2");
  ASSERT_TRUE(eventually([&] { return value_at(*source, "b") == "2"; }));
  const std::int64_t deleted = etcd.remove("/app/a");
  ASSERT_TRUE(eventually([&] { return value_at(*source, "a").empty(); }));
  EXPECT_EQ(source->status().revision, deleted);
  EXPECT_TRUE(eventually([&] { return changes.load() >= 1; }));
  source->stop();
}

TEST_F(EtcdSourceTest, ATransactionIsAppliedAtOnceAndReportedOnce) {
  auto options = fast_options();
  options.debounce = 200ms;
  auto source = source_for(etcd, "/app/", options);
  ASSERT_TRUE(source->sync());
  std::mutex mu;
  std::vector<std::size_t> seen;  // the number of keys each on_change saw
  ASSERT_TRUE(source->start([&] {
    auto layer = source->load();
    std::lock_guard lock(mu);
    seen.push_back(layer ? layer->root.as_object().size() : 0);
  }));
  ASSERT_TRUE(eventually([&] { return source->status().watching; }));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 100; ++i) pairs.emplace_back("/app/k" + std::to_string(i), std::to_string(i));
  etcd.put_all(pairs);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return !seen.empty();
  }));
  source->stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, std::vector<std::size_t>{100});
}

TEST_F(EtcdSourceTest, StopIsPromptWhileWatching) {
  auto source = source_for(etcd, "/app/");
  ASSERT_TRUE(source->sync());
  ASSERT_TRUE(source->start([] {}));
  ASSERT_TRUE(eventually([&] { return source->status().watching; }));
  const auto before = std::chrono::steady_clock::now();
  source->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);  // a bound: the idle timeout is 10 minutes
  EXPECT_FALSE(source->status().watching);
}

TEST(EtcdSourceDown, DownAtStartIsAClearErrorAndRetriedUntilItComesUp) {
  HOTRELOAD_REQUIRE_ETCD();
  EtcdServer etcd;  // not started yet: nothing listens on its port
  auto source = source_for(etcd, "/app/");
  auto synced = source->sync();
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().code, ErrorCode::io);
  EXPECT_NE(synced.error().message.find("etcd at " + etcd.endpoint()), std::string::npos) << synced.error().message;
  EXPECT_EQ(synced.error().location.file, etcd.url("/app/"));
  // Never read: an empty layer that says it is unavailable, so the other layers serve.
  auto empty = source->load();
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->root.as_object().empty());
  EXPECT_EQ(source_versions(*empty)[0].second, "unavailable");

  std::atomic<int> errors{0};
  std::atomic<int> changes{0};
  ASSERT_TRUE(source->start([&] { ++changes; }, [&](const Error&) { ++errors; }));
  ASSERT_TRUE(eventually([&] { return errors.load() >= 2; }));  // retried, each failure reported
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/a", "1");
  ASSERT_TRUE(eventually([&] { return value_at(*source, "a") == "1"; }));
  EXPECT_TRUE(eventually([&] { return changes.load() >= 1; }));
  EXPECT_TRUE(source->status().synced);
}

TEST_F(EtcdSourceTest, ReconnectsAfterARestartAndResumesFromTheLastRevision) {
  etcd.put("/app/a", "1");
  auto source = source_for(etcd, "/app/");
  ASSERT_TRUE(source->sync());
  std::atomic<int> errors{0};
  ASSERT_TRUE(source->start([] {}, [&](const Error&) { ++errors; }));
  ASSERT_TRUE(eventually([&] { return source->status().watching; }));
  etcd.stop();
  ASSERT_TRUE(eventually([&] { return !source->status().watching && errors.load() >= 1; }));
  ASSERT_TRUE(etcd.start());  // same data dir: same keys and revisions
  etcd.put("/app/a", "2");    // likely before the source reconnects: replayed from its revision
  etcd.put("/app/b", "3");
  ASSERT_TRUE(eventually([&] { return value_at(*source, "a") == "2" && value_at(*source, "b") == "3"; }));
  EXPECT_TRUE(eventually([&] { return source->status().connects >= 2; }));
  EXPECT_EQ(source->status().compactions, 0u);
}

TEST_F(EtcdSourceTest, ACompactedWatchRevisionReReadsTheRange) {
  etcd.put("/app/a", "1");
  auto source = source_for(etcd, "/app/");
  ASSERT_TRUE(source->sync());  // the source is now at this revision...
  etcd.put("/app/a", "2");
  etcd.put("/app/b", "x");
  const std::int64_t last = etcd.remove("/app/b");
  ASSERT_TRUE(etcd.compact(last));  // ...and the history it would watch from is gone
  std::atomic<int> changes{0};
  ASSERT_TRUE(source->start([&] { ++changes; }));
  ASSERT_TRUE(eventually([&] { return source->status().compactions == 1u && source->status().watching; }));
  EXPECT_EQ(value_at(*source, "a"), "2");
  EXPECT_EQ(value_at(*source, "b"), "");
  EXPECT_EQ(source->status().revision, last);
  EXPECT_TRUE(eventually([&] { return changes.load() >= 1; }));
  etcd.put("/app/c", "4");  // and it watches again from there
  EXPECT_TRUE(eventually([&] { return value_at(*source, "c") == "4"; }));
}

TEST_F(EtcdSourceTest, AStoreThatWentBackIsReadAgain) {
  for (int i = 0; i < 5; ++i) etcd.put("/app/a", std::to_string(i));
  auto source = source_for(etcd, "/app/");
  ASSERT_TRUE(source->sync());
  std::vector<std::string> errors;
  std::mutex mu;
  ASSERT_TRUE(source->start([] {}, [&](const Error& error) {
    std::lock_guard lock(mu);
    errors.push_back(error.message);
  }));
  ASSERT_TRUE(eventually([&] { return source->status().watching; }));
  etcd.wipe();  // restored from nothing: revision 1 again
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/b", "new");
  ASSERT_TRUE(eventually([&] { return value_at(*source, "b") == "new" && value_at(*source, "a").empty(); }));
  EXPECT_LT(source->status().revision, 5);
  std::lock_guard lock(mu);
  EXPECT_TRUE(std::any_of(errors.begin(), errors.end(), [](const std::string& m) {
    return m.find("the store went back to revision") != std::string::npos;
  }));
}

TEST_F(EtcdSourceTest, AnInvalidDocumentFailsLoadNamingKeyAndRevision) {
  etcd.put("/app/config.yaml", "a: 1\n");
  auto source = source_for(etcd, "/app/config.yaml");
  ASSERT_TRUE(source->sync());
  ASSERT_TRUE(source->start([] {}));
  ASSERT_TRUE(eventually([&] { return source->status().watching; }));
  const std::int64_t bad = etcd.put("/app/config.yaml", "a: [1,\n");
  ASSERT_TRUE(eventually([&] { return source->status().revision == bad; }));
  auto layer = source->load();
  ASSERT_FALSE(layer);
  const std::string text = to_string(layer.error());
  EXPECT_NE(text.find(etcd.url("/app/config.yaml")), std::string::npos) << text;
  EXPECT_NE(text.find("(etcd revision " + std::to_string(bad) + ")"), std::string::npos) << text;
}

TEST_F(EtcdSourceTest, AGatewayErrorIsReportedWithItsStatus) {
  // Authentication against a cluster without auth enabled: the gateway answers with an error.
  auto options = fast_options();
  options.username = "root";
  options.password = "secret";
  auto source = source_for(etcd, "/app/", options);
  auto synced = source->sync();
  ASSERT_FALSE(synced);
  EXPECT_NE(synced.error().message.find("authentication as root failed"), std::string::npos) << synced.error().message;
  EXPECT_EQ(synced.error().message.find("secret"), std::string::npos);
}

TEST(EtcdSourceTls, ReadsAndWatchesOverHttpsAndRefusesAnUntrustedServer) {
  HOTRELOAD_REQUIRE_ETCD();
  EtcdServer etcd;
  if (!etcd.enable_tls()) GTEST_SKIP() << "the openssl command could not make test certificates";
  ASSERT_TRUE(etcd.start());
  etcd.put("/app/a", "1");

  auto untrusted = fast_options();
  untrusted.tls.enabled = true;  // the system store does not know the test CA
  auto refused = source_for(etcd, "/app/", untrusted)->sync();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("etcd at " + etcd.endpoint()), std::string::npos) << refused.error().message;

  auto plain = source_for(etcd, "/app/")->sync();  // HTTP to an HTTPS port
  EXPECT_FALSE(plain);

  auto options = fast_options();
  options.tls.ca_file = etcd.ca_file();
  auto source = source_for(etcd, "/app/", options);
  ASSERT_TRUE(source->sync());
  EXPECT_EQ(value_at(*source, "a"), "1");
  ASSERT_TRUE(source->start([] {}));
  ASSERT_TRUE(eventually([&] { return source->status().watching; }));
  etcd.put("/app/a", "2");
  EXPECT_TRUE(eventually([&] { return value_at(*source, "a") == "2"; }));
  source->stop();
}

TEST_F(EtcdSourceTest, AuthenticatesWithUserAndPassword) {
  ASSERT_TRUE(etcd.enable_auth("root", "s3cret-pw"));
  etcd.put("/app/a", "1");
  auto anonymous = source_for(etcd, "/app/");
  auto refused = anonymous->sync();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("HTTP"), std::string::npos) << refused.error().message;

  auto wrong_options = fast_options();
  wrong_options.username = "root";
  wrong_options.password = "wrong-pw";
  auto wrong = source_for(etcd, "/app/", wrong_options)->sync();
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("authentication as root failed"), std::string::npos) << wrong.error().message;
  EXPECT_EQ(wrong.error().message.find("wrong-pw"), std::string::npos);

  auto options = fast_options();
  options.username = "root";
  options.password = "s3cret-pw";
  auto source = source_for(etcd, "/app/", options);
  ASSERT_TRUE(source->sync());
  EXPECT_EQ(value_at(*source, "a"), "1");
  ASSERT_TRUE(source->start([] {}));
  ASSERT_TRUE(eventually([&] { return source->status().watching; }));
  etcd.put("/app/a", "2");
  EXPECT_TRUE(eventually([&] { return value_at(*source, "a") == "2"; }));
}

// Refused before any thread starts or etcd is contacted: no server needed.
TEST(EtcdSourceStart, RefusesANegativeDebounceOrMaxDebounce) {
  auto location = parse_etcd_url("etcd://127.0.0.1:1/app/");
  ASSERT_TRUE(location) << location.error().to_string();
  for (auto [debounce, max_debounce] : {std::pair{-1ms, 2000ms}, std::pair{100ms, -1ms}}) {
    EtcdOptions options = fast_options();
    options.debounce = debounce;
    options.max_debounce = max_debounce;
    EtcdSource source(*location, options);
    int calls = 0;
    auto started = source.start([&] { ++calls; }, [&](const Error&) { ++calls; });
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, ErrorCode::usage);
    EXPECT_THAT(started.error().message, ::testing::HasSubstr("must not be negative"));
    EXPECT_FALSE(source.status().watching);
    EXPECT_EQ(calls, 0);
  }
}

}  // namespace
}  // namespace hotreload
