// EtcdSource over a real 3-member etcd cluster on 127.0.0.1 (issue 21, point 1): the member a
// watcher uses stops, the leader dies, members come back, every member goes; no write is lost,
// nothing invalid is applied, and each failover is an etcd.error event naming the member.
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "etcd/etcd_test_support.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/reloader.hpp"
#include "hotreload/watch_sources.hpp"
#include "support/etcd_cluster.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::EtcdCluster;
using testing::eventually;

// A reloader over defaults.yaml and one etcd prefix read through several members, started with
// watch_sources() (so source failures are etcd.error events), every event kept in a queue and
// every committed config recorded. A validator refuses a max_conns that is not a positive integer.
struct Watcher {
  explicit Watcher(const std::string& url) {
    defaults = dir.write("defaults.yaml", "log_level: info\ndatabase:\n  max_conns: 10\n");
    EtcdOptions etcd_options;
    etcd_options.debounce = 20ms;
    etcd_options.reconnect = {.enabled = true, .base = 50ms, .cap = 500ms, .jitter = 0.2};
    etcd_options.connect_timeout = 1000ms;
    source = std::make_shared<EtcdSource>(*parse_etcd_url(url), etcd_options);
    options.layers.files = {{.path = defaults}, {.path = source->name(), .source = source}};
    options.backoff = {.enabled = true, .base = 20ms, .cap = 100ms, .jitter = 0.0};
    reloader = std::make_unique<Reloader<nlohmann::json>>(options);
    reloader->add_validator([](const nlohmann::json*, const nlohmann::json& next) -> Errors {
      const auto& max_conns = next["database"]["max_conns"];
      if (!max_conns.is_number_integer() || max_conns.get<int>() < 1) {
        return {{ErrorCode::validation, "must be a positive integer", {}, "database.max_conns"}};
      }
      return {};
    });
    reloader->add_module({.name = "recorder", .commit = [this](const ModuleUpdate<nlohmann::json>& update) -> ModuleResult {
                            std::lock_guard lock(mu);
                            committed.push_back(update.next);
                            return {};
                          }});
    queue = reloader->events().open_queue(100000);
  }
  ~Watcher() {
    watching.reset();  // before the reloader
  }
  bool start() {
    auto started = watch_sources(*reloader);
    if (!started) {
      ADD_FAILURE() << to_string(started.error().errors);
      return false;
    }
    watching = std::move(*started);
    return eventually([&] { return source->status().watching; });
  }
  nlohmann::json config() const { return *reloader->load(); }
  // The member the source uses now.
  std::size_t member_in_use(const EtcdCluster& cluster) const { return *cluster.member_at(source->status().endpoint); }

  // Reads the queue until `accept` takes an event (true) or the bound passes; every event read
  // is kept in `seen`.
  template <class Accept>
  bool await_event(Accept accept) {
    const auto deadline = std::chrono::steady_clock::now() + testing::kEtcdBound;
    while (std::chrono::steady_clock::now() < deadline) {
      auto event = queue->recv(100ms);
      if (!event) continue;
      seen.push_back(*event);
      if (accept(*event)) return true;
    }
    return false;
  }
  // Waits for a reload.completed that applied the state at `revision` (or later).
  bool await_revision(std::int64_t revision) {
    return await_event([&](const Event& event) {
      if (event.type != event_type::completed) return false;
      for (const auto& [layer, version] : event.source_versions) {
        if (layer == source->name() && version != "unavailable" && std::stoll(version) >= revision) return true;
      }
      return false;
    });
  }
  // The etcd.error events seen so far, as text.
  std::vector<std::string> source_errors() const {
    std::vector<std::string> out;
    for (const Event& event : seen) {
      if (event.type == "etcd.error") out.push_back(to_string(event.errors));
    }
    return out;
  }
  // Every committed config had a valid max_conns, and applied revisions only went up.
  void expect_nothing_invalid_applied() {
    std::lock_guard lock(mu);
    for (const auto& config : committed) {
      const auto& max_conns = config["database"]["max_conns"];
      EXPECT_TRUE(max_conns.is_number_integer() && max_conns.get<int>() >= 1) << config.dump();
    }
    std::int64_t last = 0;
    for (const Event& event : seen) {
      if (event.type != event_type::completed) continue;
      for (const auto& [layer, version] : event.source_versions) {
        if (layer != source->name() || version == "unavailable") continue;
        EXPECT_GE(std::stoll(version), last) << "an older state was applied after a newer one";
        last = std::stoll(version);
      }
    }
  }

  testing::TempDir dir;
  std::string defaults;
  std::shared_ptr<EtcdSource> source;
  ReloadOptions options;
  std::unique_ptr<Reloader<nlohmann::json>> reloader;
  std::shared_ptr<EventQueue> queue;
  std::unique_ptr<SourceWatches> watching;
  std::vector<Event> seen;
  std::mutex mu;
  std::vector<nlohmann::json> committed;  // guarded by mu
};

class EtcdFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HOTRELOAD_REQUIRE_ETCD();
    ASSERT_TRUE(cluster.start());
  }

  // Members with the leader last (so a watcher starts on a follower) or first.
  std::vector<std::size_t> order(bool leader_first) {
    auto leader = cluster.leader();
    EXPECT_TRUE(leader);
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < EtcdCluster::kMembers; ++i) {
      if (i != leader.value_or(0)) members.push_back(i);
    }
    members.insert(leader_first ? members.begin() : members.end(), leader.value_or(0));
    return members;
  }

  // Writes `count` distinct keys under /app/<batch>/ back to back (no waiting between them: some
  // land while a watcher is between members), then expects the watcher to apply all of them,
  // each with its value, and a reload tagged with the last write's revision. A lost watch event
  // would lose a key.
  void expect_batch_arrives(Watcher& watcher, const std::string& batch, int count = 8) {
    std::int64_t last = 0;
    for (int i = 0; i < count; ++i) {
      last = cluster.put("/app/" + batch + "/k" + std::to_string(i), std::to_string(i + 1));
      ASSERT_GT(last, 0);
    }
    ASSERT_TRUE(watcher.await_revision(last)) << "the write at revision " << last << " was never applied";
    const nlohmann::json applied = watcher.config()[batch];
    ASSERT_EQ(applied.size(), static_cast<std::size_t>(count)) << applied.dump();
    for (int i = 0; i < count; ++i) EXPECT_EQ(applied["k" + std::to_string(i)], i + 1) << applied.dump();
    EXPECT_GE(watcher.source->status().revision, last);
  }

  // Expects an etcd.error event naming `member`'s endpoint.
  void expect_error_naming(Watcher& watcher, std::size_t member) {
    const std::string endpoint = "etcd at " + cluster.endpoint(member);
    auto names_it = [&] {
      for (const std::string& error : watcher.source_errors()) {
        if (error.find(endpoint) != std::string::npos) return true;
      }
      return false;
    };
    if (!names_it()) (void)watcher.await_event([&](const Event& event) { return event.type == "etcd.error" && names_it(); });
    EXPECT_TRUE(names_it()) << "no etcd.error event names " << endpoint;
  }

  EtcdCluster cluster;
};

TEST_F(EtcdFailoverTest, StoppingTheMemberInUseFailsOverAndMissesNoWrite) {
  cluster.put("/app/database/max_conns", "20");
  Watcher watcher(cluster.url("/app/", order(/*leader_first=*/false)));
  ASSERT_TRUE(watcher.start());
  ASSERT_EQ(watcher.config()["database"]["max_conns"], 20);
  const std::size_t used = watcher.member_in_use(cluster);

  cluster.stop(used);
  expect_batch_arrives(watcher, "after_stop");
  EXPECT_NE(watcher.member_in_use(cluster), used);
  EXPECT_GE(watcher.source->status().failovers, 1u);
  expect_error_naming(watcher, used);
  bool says_where_to = false;
  for (const std::string& error : watcher.source_errors()) {
    says_where_to = says_where_to || error.find("failing over to 127.0.0.1:") != std::string::npos;
  }
  EXPECT_TRUE(says_where_to);
  EXPECT_EQ(watcher.config()["database"]["max_conns"], 20);  // the old config stayed throughout
  watcher.expect_nothing_invalid_applied();
}

// Writes made while the member in use hangs cannot reach the watcher through it: they arrive
// only because the watch resumes on another member from the last revision it saw.
TEST_F(EtcdFailoverTest, WritesMadeWhileTheMemberInUseHangsAreReplayedFromTheNextMember) {
  Watcher watcher(cluster.url("/app/", order(/*leader_first=*/false)));
  ASSERT_TRUE(watcher.start());
  const std::size_t used = watcher.member_in_use(cluster);
  const std::int64_t before = watcher.source->status().revision;

  cluster.freeze(used);
  std::int64_t last = 0;
  for (int i = 0; i < 8; ++i) last = cluster.put("/app/frozen/k" + std::to_string(i), std::to_string(i + 1));
  ASSERT_GT(last, 0);
  EXPECT_EQ(watcher.source->status().revision, before);  // nothing came through the hung member
  cluster.kill(used);  // its sockets close: the watch ends
  ASSERT_TRUE(watcher.await_revision(last));
  ASSERT_EQ(watcher.config()["frozen"].size(), 8u) << watcher.config().dump();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(watcher.config()["frozen"]["k" + std::to_string(i)], i + 1);
  expect_error_naming(watcher, used);
  watcher.expect_nothing_invalid_applied();
}

// A member whose peers are gone has no leader: it refuses the watch ("etcdserver: no leader")
// rather than serving a state the cluster may have moved past, and the config stays.
TEST_F(EtcdFailoverTest, AMemberWithoutALeaderIsReportedAndNotServedFrom) {
  cluster.put("/app/database/max_conns", "50");
  Watcher watcher(cluster.url("/app/"));
  ASSERT_TRUE(watcher.start());
  const std::size_t used = watcher.member_in_use(cluster);
  for (std::size_t i = 0; i < EtcdCluster::kMembers; ++i) {
    if (i != used) cluster.stop(i);
  }
  ASSERT_TRUE(watcher.await_event([&](const Event& event) {
    const std::string text = to_string(event.errors);
    return event.type == "etcd.error" && text.find("etcd at " + cluster.endpoint(used)) != std::string::npos &&
           text.find("no leader") != std::string::npos;
  })) << ::testing::PrintToString(watcher.source_errors());
  EXPECT_EQ(watcher.config()["database"]["max_conns"], 50);

  std::vector<std::size_t> others;
  for (std::size_t i = 0; i < EtcdCluster::kMembers; ++i) {
    if (i != used) others.push_back(i);
  }
  ASSERT_TRUE(cluster.restart({others[0], others[1]}));
  expect_batch_arrives(watcher, "quorum_back");
  watcher.expect_nothing_invalid_applied();
}

TEST_F(EtcdFailoverTest, KillingTheLeaderLosesNoWriteForWatchersOnTheLeaderOrAFollower) {
  const auto members = order(/*leader_first=*/true);
  const std::size_t leader = members.front();
  Watcher on_leader(cluster.url("/app/", members));
  Watcher on_follower(cluster.url("/app/", {members[1], members[2], members[0]}));
  ASSERT_TRUE(on_leader.start());
  ASSERT_TRUE(on_follower.start());
  ASSERT_EQ(on_leader.member_in_use(cluster), leader);

  cluster.kill(leader);
  const std::int64_t before = on_follower.source->status().revision;
  expect_batch_arrives(on_leader, "after_kill");
  ASSERT_TRUE(on_follower.await_revision(on_leader.source->status().revision));
  EXPECT_EQ(on_follower.config()["after_kill"], on_leader.config()["after_kill"]);
  EXPECT_GT(on_follower.source->status().revision, before);
  EXPECT_NE(on_leader.member_in_use(cluster), leader);
  expect_error_naming(on_leader, leader);
  auto elected = cluster.leader();
  ASSERT_TRUE(elected);
  EXPECT_NE(*elected, leader);
  on_leader.expect_nothing_invalid_applied();
  on_follower.expect_nothing_invalid_applied();
}

TEST_F(EtcdFailoverTest, RestartedMembersServeAgainAfterTheOthersStop) {
  Watcher watcher(cluster.url("/app/"));
  ASSERT_TRUE(watcher.start());
  const std::size_t first = watcher.member_in_use(cluster);
  cluster.stop(first);
  expect_batch_arrives(watcher, "one");

  // Back on its data dir: it catches up with the writes it missed.
  ASSERT_TRUE(cluster.restart({first}));
  expect_batch_arrives(watcher, "two");

  // Stop the member in use, one at a time (two keep the quorum), so that the watcher comes to
  // rely on the members that were restarted.
  const std::size_t second = watcher.member_in_use(cluster);
  ASSERT_NE(second, first);
  cluster.stop(second);
  expect_batch_arrives(watcher, "three");
  ASSERT_TRUE(cluster.restart({second}));
  const std::size_t third = watcher.member_in_use(cluster);
  cluster.stop(third);
  expect_batch_arrives(watcher, "four");
  ASSERT_TRUE(cluster.restart({third}));
  expect_batch_arrives(watcher, "five");
  EXPECT_GE(watcher.source->status().failovers, 3u);
  for (const char* batch : {"one", "two", "three", "four"}) EXPECT_EQ(watcher.config()[batch].size(), 8u) << batch;
  watcher.expect_nothing_invalid_applied();
}

TEST_F(EtcdFailoverTest, AnInvalidValueWrittenDuringFailoverIsRefusedAndTheOldConfigStays) {
  cluster.put("/app/database/max_conns", "30");
  Watcher watcher(cluster.url("/app/", order(/*leader_first=*/false)));
  ASSERT_TRUE(watcher.start());
  ASSERT_EQ(watcher.config()["database"]["max_conns"], 30);

  cluster.stop(watcher.member_in_use(cluster));
  const std::int64_t bad = cluster.put("/app/database/max_conns", "ten");
  ASSERT_TRUE(watcher.await_event([&](const Event& event) {
    if (event.type != event_type::failed) return false;
    for (const auto& [layer, version] : event.source_versions) {
      if (layer == watcher.source->name() && version == std::to_string(bad)) return true;
    }
    return false;
  }));
  EXPECT_EQ(watcher.config()["database"]["max_conns"], 30);
  const std::int64_t good = cluster.put("/app/database/max_conns", "31");
  ASSERT_TRUE(watcher.await_revision(good));
  EXPECT_EQ(watcher.config()["database"]["max_conns"], 31);
  watcher.expect_nothing_invalid_applied();
}

TEST_F(EtcdFailoverTest, EveryMemberDownReportsEachAndKeepsTheConfigUntilTheyReturn) {
  cluster.put("/app/database/max_conns", "40");
  Watcher watcher(cluster.url("/app/"));
  ASSERT_TRUE(watcher.start());
  ASSERT_EQ(watcher.config()["database"]["max_conns"], 40);
  const std::uint64_t generation = watcher.reloader->generation();

  for (std::size_t i = 0; i < EtcdCluster::kMembers; ++i) cluster.stop(i);
  for (std::size_t i = 0; i < EtcdCluster::kMembers; ++i) expect_error_naming(watcher, i);
  EXPECT_FALSE(watcher.source->status().watching);
  EXPECT_EQ(watcher.config()["database"]["max_conns"], 40);
  EXPECT_EQ(watcher.reloader->generation(), generation);

  ASSERT_TRUE(cluster.restart({0, 1, 2}));
  const std::int64_t revision = cluster.put("/app/database/max_conns", "41");
  ASSERT_TRUE(watcher.await_revision(revision));
  EXPECT_EQ(watcher.config()["database"]["max_conns"], 41);
  expect_batch_arrives(watcher, "back");
  watcher.expect_nothing_invalid_applied();
}

// A one-shot read (sync(), what `hotreload validate` does) skips a member that is down.
TEST_F(EtcdFailoverTest, SyncReadsThroughTheNextMemberWhenTheFirstIsDown) {
  const std::int64_t revision = cluster.put("/app/config.yaml", "database:\n  max_conns: 7\n");
  cluster.stop(0);
  EtcdSource source(*parse_etcd_url(cluster.url("/app/config.yaml")));
  ASSERT_TRUE(source.sync());
  EXPECT_EQ(source.status().revision, revision);
  EXPECT_EQ(source.status().endpoint, cluster.endpoint(1));
  auto layer = source.load();
  ASSERT_TRUE(layer) << to_string(layer.error());
  EXPECT_EQ(*layer->root.find_dotted("database.max_conns"), Value(7));
}

}  // namespace
}  // namespace hotreload
