// The admin endpoint under concurrent GETs and POST /reload (run under ThreadSanitizer).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "hotreload/admin.hpp"
#include "hotreload/metrics.hpp"
#include "hotreload/reload_metrics.hpp"
#include "support/temp_dir.hpp"

// Debian's libcpp-httplib.so is not built with ThreadSanitizer: synchronisation inside it (e.g.
// the guard of a function-local static it initialises) is invisible, so TSan reports races on
// memory only that library touches, through the memcmp/memcpy interceptors, and on the function-
// local static std::regex objects it compiles once and then matches from every thread (the
// matching is inline template code, instrumented in this binary). Those reports come from code
// this project does not own; races in hotreload's own code are still reported.
extern "C" const char* __tsan_default_suppressions();
extern "C" const char* __tsan_default_suppressions() {
  return "called_from_lib:libcpp-httplib.so\n"
         "race:std::__detail::_BracketMatcher\n"
         "race:std::__detail::_Executor\n"
         "race:std::__detail::_Compiler\n";
}

namespace hotreload {
namespace {

constexpr const char* kToken = "concurrency-token";

TEST(AdminConcurrency, ConcurrentReadsAndReloadsAllSucceed) {
  testing::TempDir dir;
  std::string file = dir.write("config.yaml", "a: 1\npassword: hidden-value\n");
  ReloadOptions options;
  options.layers.files = {{file}};
  options.fields.secret("password");
  Reloader<nlohmann::json> reloader(options);
  MetricsRegistry registry;
  ReloadMetrics metrics(reloader.events(), registry);
  std::mutex audit_mu;
  std::size_t audit_lines = 0;  // guarded by audit_mu
  AuditLog audit([&](std::string_view line) {
    std::lock_guard lock(audit_mu);
    EXPECT_EQ(line.find("hidden-value"), std::string::npos);
    ++audit_lines;
  });
  Subscription recording = audit.attach(reloader.events());
  ASSERT_TRUE(reloader.start().has_value());

  AdminSources sources = admin_sources(reloader, options.fields, &registry);
  sources.audit = &audit;
  AdminServer server({.token = kToken, .event_history = 16}, std::move(sources));
  ASSERT_TRUE(server.start().has_value());
  const int port = server.port();

  constexpr int kReaders = 3;
  constexpr int kReloaders = 2;
  constexpr int kRounds = 15;
  std::atomic<int> failures{0};
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(30, 0);
      const char* paths[] = {"/config", "/events", "/metrics", "/healthz"};
      for (int i = 0; i < kRounds; ++i) {
        auto res = client.Get(paths[(i + r) % 4]);
        if (!res || res->status != 200 || res->body.find("hidden-value") != std::string::npos) ++failures;
      }
    });
  }
  for (int w = 0; w < kReloaders; ++w) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(30, 0);
      for (int i = 0; i < kRounds; ++i) {
        auto res = client.Post("/reload", {{"Authorization", std::string("Bearer ") + kToken}}, "", "text/plain");
        if (!res || res->status != 200) {
          ++failures;
          continue;
        }
        if (nlohmann::json::parse(res->body).at("status") == "applied") ++applied;
      }
    });
  }
  // The file changes meanwhile, so some reloads apply a change; reads race with publishes.
  // Each version is renamed into place, so a reload never reads a half-written file.
  for (int i = 2; i < 2 + kRounds; ++i) {
    std::string temp = dir.write("config.yaml.tmp", "a: " + std::to_string(i) + "\npassword: hidden-value\n");
    std::filesystem::rename(temp, file);
  }
  for (std::thread& thread : threads) thread.join();
  server.stop();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(reloader.generation(), 1u + static_cast<unsigned>(applied.load()));
  std::lock_guard lock(audit_mu);
  EXPECT_EQ(audit_lines, 1u + kReloaders * kRounds);  // the initial load, then one per POST
}

}  // namespace
}  // namespace hotreload
