// RolloutHealthCheck's thread against events published from several threads at once, its
// re-checks, and its destruction while a check runs; CI runs this binary under ThreadSanitizer.
// Each check writes the version it checked to a FIFO the test reads, so the test waits on the
// checks themselves, not on time.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hotreload/etcd.hpp"
#include "hotreload/events.hpp"
#include "hotreload/fleet_report.hpp"
#include "hotreload/rollout_health.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;

constexpr auto kBound = 20s;  // generous: only a check that never runs waits this long

// The lines the health command writes to a FIFO, one per check.
class CheckLog {
 public:
  explicit CheckLog(std::string path) : path_(std::move(path)) {
    EXPECT_EQ(::mkfifo(path_.c_str(), 0600), 0);
    // Read-write, so that opening does not wait for a writer and the FIFO never reads as ended.
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd_, 0);
  }
  ~CheckLog() { ::close(fd_); }
  CheckLog(const CheckLog&) = delete;
  CheckLog& operator=(const CheckLog&) = delete;

  const std::string& path() const { return path_; }

  // The next line, or nullopt when none comes within kBound.
  std::optional<std::string> next() {
    while (true) {
      if (auto end = buffered_.find('\n'); end != std::string::npos) {
        std::string line = buffered_.substr(0, end);
        buffered_.erase(0, end + 1);
        return line;
      }
      pollfd readable{fd_, POLLIN, 0};
      if (::poll(&readable, 1, static_cast<int>(std::chrono::milliseconds(kBound).count())) != 1) return std::nullopt;
      char chunk[256];
      const ssize_t got = ::read(fd_, chunk, sizeof chunk);
      if (got <= 0) return std::nullopt;
      buffered_.append(chunk, static_cast<std::size_t>(got));
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::string buffered_;
};

Event completed(const std::string& version) {
  Event event;
  event.type = event_type::completed;
  if (!version.empty()) event.source_versions = {{"etcd://127.0.0.1:2379/app.yaml", version}};
  return event;
}

class RolloutHealthConcurrency : public ::testing::Test {
 protected:
  FleetReporter& reporter() {
    if (!reporter_) {
      auto prefix = parse_etcd_url("etcd://127.0.0.1:2379/fleet/");
      EXPECT_TRUE(prefix);
      // Never started: set_health() only records, which is all the check needs.
      const FleetReportOptions options{.instance_id = "a", .health_checked = true};
      reporter_ = std::make_unique<FleetReporter>(*prefix, options, events,
                                                  [] { return std::shared_ptr<const Document>(); }, FieldRules{});
    }
    return *reporter_;
  }

  testing::TempDir dir;
  EventBus events;
  std::unique_ptr<FleetReporter> reporter_;
};

TEST_F(RolloutHealthConcurrency, ChecksFollowTheNewestCandidateAndCheckItAgain) {
  CheckLog log(dir.file("checks"));
  RolloutHealthCheck health(events, reporter(),
                            {.command = "echo \"$HOTRELOAD_ROLLOUT\" > '" + log.path() + "'", .recheck_every = 1ms});
  // Four threads publish candidates and rollbacks at once, as reloads on several threads would.
  std::vector<std::thread> publishers;
  for (int t = 0; t < 4; ++t) {
    publishers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) events.publish(completed(i % 2 == 0 ? "rollout-" + std::to_string(t) : ""));
    });
  }
  for (auto& publisher : publishers) publisher.join();
  events.publish(completed("rollout-final"));
  // Whatever it checked meanwhile, it reaches the newest candidate and, since that passes, checks
  // it again and again.
  int in_a_row = 0;
  while (in_a_row < 3) {
    const std::optional<std::string> line = log.next();
    ASSERT_TRUE(line) << "no check within the bound";
    in_a_row = *line == "rollout-final" ? in_a_row + 1 : 0;
  }
}

// Whether `pid` has ended: gone, or a zombie its new parent has not reaped yet.
bool ended(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const std::size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

TEST_F(RolloutHealthConcurrency, DestroyingItWhileACheckRunsKillsTheCommand) {
  CheckLog log(dir.file("checks"));
  // The command's shell says its pid, then becomes `sleep` (same pid).
  auto health = std::make_unique<RolloutHealthCheck>(
      events, reporter(),
      HealthCheckOptions{.command = "echo $$ > '" + log.path() + "'; exec sleep 600", .timeout = 1min});
  events.publish(completed("rollout-1"));
  const std::optional<std::string> pid_line = log.next();
  ASSERT_TRUE(pid_line) << "the check did not start";
  const pid_t command = static_cast<pid_t>(std::stol(*pid_line));

  auto destroyed = std::async(std::launch::async, [&] { health.reset(); });
  EXPECT_EQ(destroyed.wait_for(kBound), std::future_status::ready) << "the destructor waited for the command";
  destroyed.wait();
  // Killed with its process group. It is no longer our child (its shell's), so nothing signals its
  // end here: its state is read until it shows, within the bound.
  const auto give_up = std::chrono::steady_clock::now() + kBound;
  while (!ended(command) && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(ended(command)) << "sleep (pid " << command << ") outlived the check";
}

}  // namespace
}  // namespace hotreload
