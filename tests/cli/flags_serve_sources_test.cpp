// `hotreload flags serve` with flag sources that are not files: an HTTP(S) URL polled from a real
// server on 127.0.0.1, and an etcd key on a real etcd. A change is applied, an invalid document
// and an unreachable source keep the last flags, and a source that cannot be read at start is an
// error.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <string>

#include <nlohmann/json.hpp>

#include "etcd/etcd_test_support.hpp"
#include "support/child_process.hpp"
#include "support/config_server.hpp"
#include "support/event_lines.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using testing::await_line;
using testing::ChildProcess;
using testing::cli_path;
using testing::kEtcdBound;

std::string flags_with_color(const std::string& variant) {
  return R"({"flags": {"color": {"state": "ENABLED", "variants": {"red": "red", "blue": "blue"}, "defaultVariant": ")" +
         variant + R"("}}})";
}

int ofrep_port(ChildProcess& serve) {
  std::string line = await_line(serve, "ofrep: listening on 127.0.0.1:", kEtcdBound);
  return line.empty() ? 0 : std::stoi(line.substr(line.rfind(':') + 1));
}

std::string color(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(20, 0);
  auto res = client.Post("/ofrep/v1/evaluate/flags/color", R"({"context": {}})", "application/json");
  if (!res || res->status != 200) return "<no answer>";
  return nlohmann::json::parse(res->body).at("value").get<std::string>();
}

TEST(CliFlagsServeSources, AnHttpSourceIsPolledAndABadDocumentOrAnOutageKeepsTheFlags) {
  testing::TempDir dir;
  testing::ConfigServer server;
  server.serve(flags_with_color("red"), "\"v1\"", "application/json");
  const std::string url = server.url("/flags.json");
  ChildProcess serve({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", "--http-interval", "50", url},
                     dir.file("stderr"));
  EXPECT_EQ(await_line(serve, "flags: "), "flags: applied 1 flag (change 0)");
  const int port = ofrep_port(serve);
  ASSERT_GT(port, 0);
  EXPECT_EQ(color(port), "red");

  server.serve(flags_with_color("blue"), "\"v2\"", "application/json");
  EXPECT_EQ(await_line(serve, "flags: "), "flags: applied 1 flag (change 1)");
  EXPECT_EQ(color(port), "blue");

  // A document that is not a valid flag set: reported where, and the flags stay.
  server.serve(R"({"flags": {"color": {"state": "ENABLED", "variants": {}}}})", "\"v3\"", "application/json");
  EXPECT_EQ(await_line(serve, "flags: ").rfind("flags: refused (", 0), 0u);
  EXPECT_EQ(color(port), "blue");

  // The server fails: the source says so and keeps its last document.
  server.fail_with(503);
  EXPECT_EQ(await_line(serve, "source: "), "source: " + url + " failed; its last flags stay live");
  EXPECT_EQ(color(port), "blue");

  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(kEtcdBound), 0);
}

TEST(CliFlagsServeSources, AnUnreachableSourceAtStartExitsTwo) {
  testing::ConfigServer server;
  server.fail_with(500);
  auto result = testing::run_command({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", server.url("/flags.json")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("500"), std::string::npos) << result.err;
}

TEST(CliFlagsServeSources, ADirectoryLayerIsAUsageError) {
  testing::TempDir dir;
  dir.write("flags.json", flags_with_color("red"));
  auto result = testing::run_command({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", dir.file("*.json")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("not a directory layer"), std::string::npos) << result.err;
}

TEST(CliFlagsServeSources, AnEtcdKeyIsWatchedAndMergedAfterAFile) {
  HOTRELOAD_REQUIRE_ETCD();
  testing::EtcdServer etcd;
  ASSERT_TRUE(etcd.start()) << etcd.log();
  testing::TempDir dir;
  auto base = dir.write("base.json", flags_with_color("red"));
  etcd.put("/flags/app.json", flags_with_color("blue"));
  const std::string key = etcd.url("/flags/app.json");
  ChildProcess serve({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", base, key}, dir.file("stderr"));
  EXPECT_EQ(await_line(serve, "flags: ", kEtcdBound), "flags: applied 1 flag (change 0)");
  const int port = ofrep_port(serve);
  ASSERT_GT(port, 0);
  EXPECT_EQ(color(port), "blue");  // the etcd layer comes later and wins

  etcd.put("/flags/app.json", R"({"flags": {"color": {"state": "OFF"}}})");
  EXPECT_EQ(await_line(serve, "flags: ", kEtcdBound).rfind("flags: refused (", 0), 0u);
  EXPECT_EQ(color(port), "blue");
  etcd.put("/flags/app.json", flags_with_color("red"));
  EXPECT_EQ(await_line(serve, "flags: ", kEtcdBound), "flags: applied 1 flag (change 1)");
  EXPECT_EQ(color(port), "red");

  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(kEtcdBound), 0);
}

}  // namespace
}  // namespace hotreload
