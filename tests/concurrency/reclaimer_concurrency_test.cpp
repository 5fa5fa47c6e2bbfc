// The reclaimer frees what a reload replaced on its own thread, and never frees what a reader
// still holds; a reloader with free_replaced_in_background off frees on the reloading thread.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/reclaimer.hpp"
#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::reclaimer_concurrency {

using namespace std::chrono_literals;

// Records the thread its destructor ran on.
struct FreedOn {
  explicit FreedOn(std::promise<std::thread::id>* promise) : freed(promise) {}
  FreedOn(const FreedOn&) = delete;
  FreedOn& operator=(const FreedOn&) = delete;
  ~FreedOn() { freed->set_value(std::this_thread::get_id()); }
  std::promise<std::thread::id>* freed;
};

TEST(ReclaimerConcurrency, ARetiredValueIsFreedOnTheReclaimersThread) {
  std::promise<std::thread::id> freed;
  auto freed_on = freed.get_future();
  detail::Reclaimer reclaimer;
  reclaimer.retire(std::make_shared<const FreedOn>(&freed));
  reclaimer.drain();
  ASSERT_EQ(freed_on.wait_for(0s), std::future_status::ready) << "drain() returned before the free";
  EXPECT_NE(freed_on.get(), std::this_thread::get_id());
}

TEST(ReclaimerConcurrency, AValueSomeoneStillHoldsIsFreedByItsLastHolder) {
  std::promise<std::thread::id> freed;
  auto freed_on = freed.get_future();
  detail::Reclaimer reclaimer;
  auto reader_copy = std::make_shared<const FreedOn>(&freed);
  reclaimer.retire(reader_copy);
  reclaimer.drain();
  EXPECT_EQ(freed_on.wait_for(0s), std::future_status::timeout) << "freed while a holder remained";
  reader_copy.reset();
  ASSERT_EQ(freed_on.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(freed_on.get(), std::this_thread::get_id());
}

TEST(ReclaimerConcurrency, TheDestructorFreesEverythingStillQueued) {
  constexpr int kThreads = 4;
  constexpr int kEach = 500;
  auto live = std::make_shared<std::atomic<int>>(0);
  struct Counted {
    std::shared_ptr<std::atomic<int>> live;
    explicit Counted(std::shared_ptr<std::atomic<int>> counter) : live(std::move(counter)) { live->fetch_add(1); }
    ~Counted() { live->fetch_sub(1); }
  };
  {
    detail::Reclaimer reclaimer;
    std::vector<std::thread> retirers;
    for (int t = 0; t < kThreads; ++t) {
      retirers.emplace_back([&] {
        for (int i = 0; i < kEach; ++i) reclaimer.retire(std::make_shared<const Counted>(live));
      });
    }
    for (std::thread& retirer : retirers) retirer.join();
  }
  EXPECT_EQ(live->load(), 0);
}

// A config whose every bound instance shares one probe per edition: the probe's destructor runs
// when the last copy of that edition's config is freed, and reports the thread it ran on.
struct EditionFreed {
  explicit EditionFreed(std::string name) : edition(std::move(name)) {}
  EditionFreed(const EditionFreed&) = delete;
  EditionFreed& operator=(const EditionFreed&) = delete;
  ~EditionFreed();
  std::string edition;
};

std::mutex probes_mutex;
std::map<std::string, std::promise<std::thread::id>> probes;

std::future<std::thread::id> when_freed(const std::string& edition) {
  std::lock_guard lock(probes_mutex);
  probes[edition] = {};
  return probes[edition].get_future();
}

EditionFreed::~EditionFreed() {
  std::lock_guard lock(probes_mutex);
  if (auto found = probes.find(edition); found != probes.end()) {
    found->second.set_value(std::this_thread::get_id());
    probes.erase(found);
  }
}

struct ProbedConfig {
  std::string edition;
  std::shared_ptr<EditionFreed> probe;
};

void from_json(const nlohmann::json& json, ProbedConfig& config) {
  config.edition = json.at("edition").get<std::string>();
  config.probe = std::make_shared<EditionFreed>(config.edition);
}

ReloadOutcome replace_edition(bool free_in_background, const std::string& old_edition,
                              std::future<std::thread::id>& old_freed) {
  testing::TempDir dir;
  const std::string path = dir.write("config.yaml", "edition: " + old_edition + "\n");
  ReloadOptions options;
  options.layers.files = {{path}};
  options.layers.environment = Environment{};
  options.free_replaced_in_background = free_in_background;
  Reloader<ProbedConfig> reloader(options);
  EXPECT_TRUE(reloader.start().has_value());
  old_freed = when_freed(old_edition);
  dir.write("config.yaml", "edition: next-" + old_edition + "\n");
  ReloadOutcome outcome = reloader.request_reload();
  if (!free_in_background) {
    EXPECT_EQ(old_freed.wait_for(0s), std::future_status::ready) << "request_reload() returned before the free";
  }
  return outcome;
}

TEST(ReclaimerConcurrency, AReloaderFreesTheReplacedConfigOnAnotherThread) {
  std::future<std::thread::id> old_freed;
  ReloadOutcome outcome = replace_edition(true, "background", old_freed);
  EXPECT_EQ(outcome.status, ReloadStatus::applied);
  ASSERT_EQ(old_freed.wait_for(60s), std::future_status::ready);
  EXPECT_NE(old_freed.get(), std::this_thread::get_id());
}

TEST(ReclaimerConcurrency, WithTheOptionOffTheReloadingThreadFreesItBeforeReturning) {
  std::future<std::thread::id> old_freed;
  ReloadOutcome outcome = replace_edition(false, "inline", old_freed);
  EXPECT_EQ(outcome.status, ReloadStatus::applied);
  ASSERT_EQ(old_freed.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(old_freed.get(), std::this_thread::get_id());
}

TEST(ReclaimerConcurrency, AReadersHandleKeepsTheReplacedConfigAlive) {
  testing::TempDir dir;
  const std::string path = dir.write("config.yaml", "edition: held\n");
  ReloadOptions options;
  options.layers.files = {{path}};
  options.layers.environment = Environment{};
  options.free_replaced_in_background = true;
  Reloader<ProbedConfig> reloader(options);
  ASSERT_TRUE(reloader.start().has_value());
  auto held_freed = when_freed("held");
  std::shared_ptr<const ProbedConfig> held = reloader.load();
  dir.write("config.yaml", "edition: newer\n");
  ASSERT_EQ(reloader.request_reload().status, ReloadStatus::applied);
  EXPECT_EQ(reloader.read()->edition, "newer");
  EXPECT_EQ(held->edition, "held");
  EXPECT_EQ(held_freed.wait_for(0s), std::future_status::timeout) << "freed while a reader held it";
  held.reset();
  ASSERT_EQ(held_freed.wait_for(60s), std::future_status::ready);
}

}  // namespace hotreload::reclaimer_concurrency
