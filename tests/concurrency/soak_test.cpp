// The soak test: four threads read snapshots without pause while the config file changes 10,000
// times, in a seeded random mix of valid and invalid states, each change followed by a file-
// triggered reload. Afterwards: no reader saw a torn snapshot or an invalid state, the last valid
// state is live, and exactly one snapshot was published per valid state. Leaks and data races are
// the sanitizers' part: CI runs this binary under ASan+LSan and under TSan. The seed is printed;
// HOTRELOAD_SOAK_SEED reruns one (docs/RELIABILITY.md records a run's time).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::soak {

// Each valid state holds serial n, the `count` numbers n, n+1, ... and their sum: a snapshot
// mixing two states, or a state published although invalid, breaks one of these.
struct Ledger {
  std::int64_t serial = 0;
  std::vector<std::int64_t> items;
  std::int64_t count = 0;
  std::int64_t sum = 0;
  std::string state;  // "ok" in every valid file
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Ledger, serial, items, count, sum, state)

// What a reader checks on every snapshot it sees.
bool consistent(const Ledger& ledger) {
  if (ledger.count != static_cast<std::int64_t>(ledger.items.size())) return false;
  for (std::size_t i = 0; i < ledger.items.size(); ++i) {
    if (ledger.items[i] != ledger.serial + static_cast<std::int64_t>(i)) return false;
  }
  return ledger.sum == std::accumulate(ledger.items.begin(), ledger.items.end(), std::int64_t{0}) &&
         ledger.state == "ok";
}

// The validator: the same invariant, so an invalid state is refused before it is published.
Errors validate(const Ledger& next) {
  if (next.state != "ok") return {{ErrorCode::validation, "state must be ok", {}, "state"}};
  if (!consistent(next)) return {{ErrorCode::validation, "items, count and sum disagree", {}, "sum"}};
  return {};
}

std::string ledger_text(std::int64_t serial, int count, std::int64_t sum_offset = 0, std::string_view state = "ok") {
  std::string items;
  std::int64_t sum = 0;
  for (int i = 0; i < count; ++i) {
    items += (i == 0 ? "" : ", ") + std::to_string(serial + i);
    sum += serial + i;
  }
  return "serial: " + std::to_string(serial) + "\nitems: [" + items + "]\ncount: " + std::to_string(count) +
         "\nsum: " + std::to_string(sum + sum_offset) + "\nstate: " + std::string(state) + "\n";
}

// Invalid states of every kind the pipeline refuses at a different stage.
enum class Invalid { syntax, type, empty, inconsistent, refused_state, count_ };

std::string invalid_text(Invalid kind, std::int64_t serial, int count) {
  switch (kind) {
    case Invalid::syntax: return ledger_text(serial, count).substr(0, 20) + "[unclosed\n";
    case Invalid::type: return "serial: " + std::to_string(serial) + "\nitems: []\ncount: many\nsum: 0\nstate: ok\n";
    case Invalid::empty: return "";
    case Invalid::inconsistent: return ledger_text(serial, count, 1);
    case Invalid::refused_state: return ledger_text(serial, count, 0, "draining");  // consistent, but refused
    case Invalid::count_: break;
  }
  return "";
}

std::uint32_t soak_seed() {
  if (const char* text = std::getenv("HOTRELOAD_SOAK_SEED")) return static_cast<std::uint32_t>(std::strtoul(text, nullptr, 10));
  return std::random_device{}();
}

TEST(Soak, TenThousandChangesNeverShowReadersATornOrInvalidSnapshot) {
  constexpr int kChanges = 10'000;
  constexpr int kReaders = 4;
  const std::uint32_t seed = soak_seed();
  std::printf("soak seed %u (rerun with HOTRELOAD_SOAK_SEED=%u)\n", seed, seed);
  std::mt19937 random(seed);

  testing::TempDir dir;
  const std::string path = dir.write("ledger.yaml", ledger_text(0, 1));
  ReloadOptions options;
  options.layers.files = {{path}};
  options.layers.environment = Environment{};
  options.backoff.enabled = false;  // half the changes fail: backing off would skip the next ones
  Reloader<Ledger> reloader(options);
  reloader.add_validator([](const Ledger*, const Ledger& next) { return validate(next); });
  ASSERT_TRUE(reloader.start().has_value());

  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> torn{0}, went_back{0}, reads{0};
  std::latch ready(kReaders + 1);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      ready.arrive_and_wait();
      std::int64_t last = 0;
      std::uint64_t local_reads = 0;
      while (!done.load(std::memory_order_acquire)) {
        // Each of the three reads: the thread-local handle, peek() and the owning shared_ptr.
        std::int64_t serial = 0;
        bool ok = false;
        if (r % 3 == 0) {
          auto ledger = reloader.read();
          ok = consistent(*ledger);
          serial = ledger->serial;
        } else if (r % 3 == 1) {
          const Ledger& ledger = reloader.peek();
          ok = consistent(ledger);
          serial = ledger.serial;
        } else {
          std::shared_ptr<const Ledger> ledger = reloader.load();
          ok = consistent(*ledger);
          serial = ledger->serial;
        }
        if (!ok) torn.fetch_add(1, std::memory_order_relaxed);
        if (serial < last) went_back.fetch_add(1, std::memory_order_relaxed);
        last = serial;
        // Two cores are shared by four readers and the writer: without an occasional yield the
        // readers starve the writer, and the test measures the scheduler, not the reloader.
        if (++local_reads % 256 == 0) std::this_thread::yield();
      }
      reads.fetch_add(local_reads, std::memory_order_relaxed);
    });
  }
  ready.arrive_and_wait();

  const auto started = std::chrono::steady_clock::now();
  std::int64_t last_valid = 0;
  int valid_changes = 0, failed_reloads = 0, wrong_outcomes = 0;
  std::uniform_int_distribution<int> coin(0, 1), count(1, 8),
      kind(0, static_cast<int>(Invalid::count_) - 1);
  for (int change = 1; change <= kChanges; ++change) {
    const bool valid = coin(random) == 1;
    const std::string text = valid ? ledger_text(change, count(random))
                                   : invalid_text(static_cast<Invalid>(kind(random)), change, count(random));
    // Replaced by rename, as deploy tools do: a reload reads a whole state, old or new.
    std::filesystem::rename(dir.write("ledger.yaml.tmp", text), path);
    const ReloadStatus status = reloader.reload(Trigger::file).status;
    if (valid) {
      ++valid_changes;
      last_valid = change;
      if (status != ReloadStatus::applied) ++wrong_outcomes;
    } else {
      ++failed_reloads;
      if (status != ReloadStatus::failed) ++wrong_outcomes;
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  done.store(true, std::memory_order_release);
  for (std::thread& reader : readers) reader.join();
  std::printf("soak: %d changes (%d valid) in %.1f s, %llu snapshot reads\n", kChanges, valid_changes,
              std::chrono::duration<double>(elapsed).count(), static_cast<unsigned long long>(reads.load()));

  EXPECT_EQ(torn.load(), 0u) << "torn or invalid snapshots seen; seed " << seed;
  EXPECT_EQ(went_back.load(), 0u) << "a reader saw an older state after a newer one; seed " << seed;
  EXPECT_EQ(wrong_outcomes, 0) << "a valid change not applied or an invalid one not refused; seed " << seed;
  EXPECT_GT(failed_reloads, 0);
  EXPECT_EQ(reloader.read()->serial, last_valid) << "the last valid state is live";
  EXPECT_EQ(reloader.generation(), 1u + static_cast<std::uint64_t>(valid_changes)) << "one snapshot per valid state";
}

}  // namespace hotreload::soak
