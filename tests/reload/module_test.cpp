// Modules: two-phase reloads with vetoes, timeouts and rollback (seed 001).
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>

#include <gtest/gtest.h>

#include "hotreload/reloader.hpp"
#include "support/reload_support.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::module_test {

struct Database {
  std::string host;
  int max_conns = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Database, host, max_conns)
struct Cache {
  int ttl = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Cache, ttl)
struct Config {
  Database database;
  Cache cache;
  std::string log_level;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, database, cache, log_level)

std::string config_text(int max_conns, int ttl, std::string_view log_level = "info") {
  return "database:\n  host: db1\n  max_conns: " + std::to_string(max_conns) + "\ncache:\n  ttl: " +
         std::to_string(ttl) + "\nlog_level: " + std::string(log_level) + "\n";
}

// Records every call made into the modules, in order, as "module.phase".
struct CallLog {
  std::mutex mutex;
  std::vector<std::string> calls;
  void add(std::string call) {
    std::lock_guard lock(mutex);
    calls.push_back(std::move(call));
  }
  std::vector<std::string> take() {
    std::lock_guard lock(mutex);
    return std::exchange(calls, {});
  }
};

// A module that logs every phase and whose prepare/commit answers can be set per test.
Module<Config> logged(std::string name, std::vector<std::string> sections, CallLog& log,
                      ModuleResult prepare_answer = {}, ModuleResult commit_answer = {}) {
  return Module<Config>{
      .name = name,
      .sections = std::move(sections),
      .prepare = [&log, name, prepare_answer](const ModuleUpdate<Config>&) {
        log.add(name + ".prepare");
        return prepare_answer;
      },
      .commit = [&log, name, commit_answer](const ModuleUpdate<Config>&) {
        log.add(name + ".commit");
        return commit_answer;
      },
      .abort = [&log, name](const ModuleUpdate<Config>&) { log.add(name + ".abort"); },
      .rollback = [&log, name](const ModuleUpdate<Config>&) { log.add(name + ".rollback"); },
  };
}

class ModuleTest : public ::testing::Test {
 protected:
  ReloadOptions options() {
    ReloadOptions opts;
    opts.layers.files = {{path_, false, std::nullopt, ""}};
    opts.layers.environment = Environment{};
    opts.module_timeout = std::chrono::milliseconds(0);  // tests that need a timeout set one
    return opts;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.write("config.yaml", config_text(10, 60));
  CallLog log_;
};

TEST_F(ModuleTest, AModuleSeesOnlyTheChangesUnderItsSectionsWithTypedValues) {
  Reloader<Config> reloader(options());
  std::vector<std::string> seen;
  std::optional<int> old_conns, new_conns;
  reloader.add_module({.name = "database",
                       .sections = {"database"},
                       .commit = [&](const ModuleUpdate<Config>& update) -> ModuleResult {
                         for (const Change& change : update.changes) seen.push_back(change.path);
                         old_conns = update.old_as<int>("database.max_conns");
                         new_conns = update.new_as<int>("database.max_conns");
                         EXPECT_TRUE(update.changed("database"));
                         EXPECT_FALSE(update.changed("cache"));
                         EXPECT_EQ(update.next.database.max_conns, 20);
                         EXPECT_EQ(update.previous.database.max_conns, 10);
                         return {};
                       }});
  int cache_calls = 0;
  reloader.add_module({.name = "cache", .sections = {"cache.ttl"}, .commit = [&](const ModuleUpdate<Config>&) -> ModuleResult {
                         ++cache_calls;
                         return {};
                       }});
  ASSERT_TRUE(reloader.start().has_value());
  EXPECT_EQ(cache_calls, 0) << "modules are not called for the first load";

  dir_.write("config.yaml", config_text(20, 60, "debug"));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::applied) << to_string(outcome.errors);
  EXPECT_EQ(seen, std::vector<std::string>{"database.max_conns"});
  EXPECT_EQ(old_conns, 10);
  EXPECT_EQ(new_conns, 20);
  EXPECT_EQ(cache_calls, 0) << "nothing under cache.ttl changed";
}

TEST_F(ModuleTest, TypedAccessReachesIntoAReplacedSectionAndRejectsWrongTypes) {
  Change added{"database", ChangeOp::added, std::nullopt, Value{Object{}}, false};
  Object db;
  db.insert_or_assign("max_conns", Value{std::int64_t{5}});
  added.new_value = Value{std::move(db)};
  std::vector<Change> changes{added};
  Config config;
  ModuleUpdate<Config> update{config, config, changes, Trigger::api, 1, {}};
  EXPECT_EQ(update.new_as<int>("database.max_conns"), 5);
  EXPECT_EQ(update.old_as<int>("database.max_conns"), std::nullopt) << "the section did not exist before";
  EXPECT_EQ(update.new_as<std::string>("database.max_conns"), std::nullopt) << "an int is not a string";
  EXPECT_EQ(update.new_as<int>("database.absent"), std::nullopt);
  EXPECT_EQ(update.new_as<int>("cache.ttl"), std::nullopt);
}

TEST_F(ModuleTest, AllPrepareThenAllCommitInRegistrationOrder) {
  Reloader<Config> reloader(options());
  reloader.add_module(logged("a", {}, log_));
  reloader.add_module(logged("b", {"cache"}, log_));
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text(10, 90));
  ASSERT_EQ(reloader.reload().status, ReloadStatus::applied);
  EXPECT_EQ(log_.take(), (std::vector<std::string>{"a.prepare", "b.prepare", "a.commit", "b.commit"}));
  EXPECT_EQ(testing::event_types(*queue), (std::vector<std::string>{"reload.started", "reload.validated", "reload.module.started",
                                                     "reload.module.started", "reload.module.completed",
                                                     "reload.module.completed", "reload.completed"}));
}

TEST_F(ModuleTest, AVetoPublishesNothingAndAbortsTheModulesAlreadyPrepared) {
  Reloader<Config> reloader(options());
  reloader.add_module(logged("a", {}, log_));
  reloader.add_module(logged("b", {}, log_));
  reloader.add_module(logged("pool", {}, log_, unexpected(std::string("max_conns 500 is unsafe"))));
  reloader.add_module(logged("d", {}, log_));
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text(500, 60));

  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_EQ(outcome.errors.at(0).code, ErrorCode::vetoed);
  EXPECT_EQ(outcome.errors.at(0).message, "vetoed by pool: max_conns 500 is unsafe");
  EXPECT_EQ(outcome.failed_module, "pool");
  EXPECT_FALSE(outcome.rolled_back);
  EXPECT_EQ(log_.take(), (std::vector<std::string>{"a.prepare", "b.prepare", "pool.prepare", "b.abort", "a.abort"}));
  EXPECT_EQ(reloader.read()->database.max_conns, 10);
  EXPECT_EQ(reloader.generation(), 1u);

  std::optional<Event> failed;
  while (auto event = queue->try_recv()) {
    if (event->type == event_type::failed) failed = event;
  }
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->module, "pool");
}

TEST_F(ModuleTest, AThrowingPrepareIsAFailureNamedByModuleNotAnEscape) {
  Reloader<Config> reloader(options());
  reloader.add_module(logged("a", {}, log_));
  reloader.add_module({.name = "thrower", .prepare = [](const ModuleUpdate<Config>&) -> ModuleResult {
                         throw std::runtime_error("boom");
                       }});
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text(11, 60));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_EQ(outcome.errors.at(0).code, ErrorCode::internal);
  EXPECT_EQ(outcome.errors.at(0).message, "module thrower threw during prepare: boom");
  EXPECT_EQ(log_.take(), (std::vector<std::string>{"a.prepare", "a.abort"}));
  EXPECT_EQ(reloader.read()->database.max_conns, 10);
}

TEST_F(ModuleTest, AFailedCommitRollsBackTheCommittedModulesInReverseOrder) {
  Reloader<Config> reloader(options());
  reloader.add_module(logged("a", {}, log_));
  reloader.add_module(logged("b", {}, log_));
  reloader.add_module(logged("c", {}, log_, {}, unexpected(std::string("cannot reopen the socket"))));
  reloader.add_module(logged("d", {}, log_));
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text(12, 60));

  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_TRUE(outcome.rolled_back);
  EXPECT_EQ(outcome.failed_module, "c");
  EXPECT_EQ(outcome.errors.at(0).code, ErrorCode::module_failed);
  EXPECT_EQ(outcome.errors.at(0).message, "commit failed in c: cannot reopen the socket");
  EXPECT_EQ(log_.take(), (std::vector<std::string>{"a.prepare", "b.prepare", "c.prepare", "d.prepare", "a.commit",
                                                   "b.commit", "c.commit", "b.rollback", "a.rollback", "d.abort"}));
  EXPECT_EQ(reloader.read()->database.max_conns, 10);

  std::optional<Event> rolled_back;
  while (auto event = queue->try_recv()) {
    if (event->type == event_type::rolled_back) rolled_back = event;
  }
  ASSERT_TRUE(rolled_back.has_value());
  EXPECT_EQ(rolled_back->module, "c");
  EXPECT_EQ(rolled_back->reason, "commit failed in c: cannot reopen the socket; rolled back: b, a");
}

// A prepare that blocks until its stop_token fires: what an overrunning module looks like.
ModuleResult wait_for_stop(const std::stop_token& stop, std::atomic<bool>& stopped) {
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  cv.wait(lock, stop, [] { return false; });
  stopped = true;
  return {};
}

TEST_F(ModuleTest, AnOverrunningPrepareFailsTheReloadByNameAndIsAskedToStop) {
  Reloader<Config> reloader(options());
  std::atomic<bool> stopped{false};
  reloader.add_module(logged("a", {}, log_));
  reloader.add_module({.name = "slow",
                       .timeout = std::chrono::milliseconds(20),
                       .prepare = [&](const ModuleUpdate<Config>& update) { return wait_for_stop(update.stop, stopped); }});
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text(13, 60));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_EQ(outcome.errors.at(0).code, ErrorCode::timeout);
  EXPECT_EQ(outcome.errors.at(0).message, "module slow did not prepare within 20 ms");
  EXPECT_EQ(outcome.failed_module, "slow");
  EXPECT_EQ(log_.take(), (std::vector<std::string>{"a.prepare", "a.abort"}));
  reloader.stop();  // joins the overrunning call
  EXPECT_TRUE(stopped);
  EXPECT_EQ(reloader.read()->database.max_conns, 10);
}

TEST_F(ModuleTest, ACommitThatOverrunsAndThenSucceedsIsRolledBackLate) {
  Reloader<Config> reloader(options());
  std::promise<void> late_rollback;
  std::promise<void> let_commit_finish;
  auto finish = let_commit_finish.get_future().share();
  reloader.add_module(logged("a", {}, log_));
  reloader.add_module({.name = "slow",
                       .timeout = std::chrono::milliseconds(20),
                       .commit = [finish](const ModuleUpdate<Config>&) -> ModuleResult {
                         finish.wait();
                         return {};
                       },
                       .rollback = [&](const ModuleUpdate<Config>&) { late_rollback.set_value(); }});
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text(14, 60));
  ReloadOutcome outcome = reloader.reload();
  ASSERT_EQ(outcome.status, ReloadStatus::failed);
  EXPECT_TRUE(outcome.rolled_back);
  EXPECT_EQ(outcome.errors.at(0).code, ErrorCode::timeout);
  EXPECT_EQ(outcome.errors.at(0).message, "module slow did not commit within 20 ms");
  EXPECT_EQ(log_.take(), (std::vector<std::string>{"a.prepare", "a.commit", "a.rollback"}));

  let_commit_finish.set_value();
  late_rollback.get_future().wait();  // the late commit was undone on its own thread
  EXPECT_EQ(reloader.read()->database.max_conns, 10);
}

TEST_F(ModuleTest, DisabledModulesTakeNoPart) {
  ReloadOptions opts = options();
  opts.enabled_modules = {"a", "c"};
  Reloader<Config> reloader(opts);
  reloader.add_module(logged("a", {}, log_));
  reloader.add_module(logged("b", {}, log_, unexpected(std::string("b would veto"))));
  reloader.add_module(logged("c", {}, log_));
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text(15, 60));
  ASSERT_EQ(reloader.reload().status, ReloadStatus::applied);
  EXPECT_EQ(log_.take(), (std::vector<std::string>{"a.prepare", "c.prepare", "a.commit", "c.commit"}));

  reloader.set_module_enabled("c", false);
  reloader.set_module_enabled("b", true);
  dir_.write("config.yaml", config_text(16, 60));
  EXPECT_EQ(reloader.reload().status, ReloadStatus::failed);
  EXPECT_EQ(log_.take(), (std::vector<std::string>{"a.prepare", "b.prepare", "a.abort"}));
}

TEST_F(ModuleTest, TheSimpleCallbackIsOneLine) {
  Reloader<Config> reloader(options());
  reloader.on_change("pool", [](const Config&, const Config& next) -> ModuleResult {
    if (next.database.max_conns > 100) return unexpected(std::string("at most 100 connections"));
    return {};
  });
  ASSERT_TRUE(reloader.start().has_value());
  dir_.write("config.yaml", config_text(200, 60));
  EXPECT_EQ(reloader.reload().errors.at(0).message, "vetoed by pool: at most 100 connections");
  dir_.write("config.yaml", config_text(50, 60));
  EXPECT_EQ(reloader.reload().status, ReloadStatus::applied);
}

TEST_F(ModuleTest, ModuleEventsCarryTheNameAndADuration) {
  Reloader<Config> reloader(options());
  reloader.add_module(logged("db", {"database"}, log_));
  ASSERT_TRUE(reloader.start().has_value());
  auto queue = reloader.events().open_queue();
  dir_.write("config.yaml", config_text(17, 60));
  ASSERT_EQ(reloader.reload().status, ReloadStatus::applied);
  std::vector<Event> module_events;
  while (auto event = queue->try_recv()) {
    if (event->type.starts_with("reload.module.")) module_events.push_back(*event);
  }
  ASSERT_EQ(module_events.size(), 2u);
  EXPECT_EQ(module_events[0].module, "db");
  EXPECT_EQ(module_events[1].type, event_type::module_completed);
  EXPECT_EQ(module_events[1].module, "db");
  EXPECT_GT(module_events[1].duration.count(), 0);
  nlohmann::ordered_json cloud = to_cloudevent(module_events[1], "test");
  EXPECT_EQ(cloud["data"]["module"], "db");
  EXPECT_TRUE(cloud["data"].contains("durationMs"));
}

}  // namespace hotreload::module_test
