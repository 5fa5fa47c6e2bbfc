// `hotreload flags serve --sync`: flagd sync over the CLI, read with gRPC's own client. Each file
// is served under its name as given and the merge without a selector; an applied edit reaches
// every stream, a refused one none.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "flag_sync/sync_client.hpp"
#include "support/child_process.hpp"
#include "support/event_lines.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using testing::await_line;
using testing::ChildProcess;
using testing::cli_path;
using testing::kSyncBound;
using testing::next;
using testing::SyncClient;

constexpr std::string_view kBase = R"({
  "flags": {
    "banner": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"},
    "color": {"state": "ENABLED", "variants": {"red": "red", "blue": "blue"}, "defaultVariant": "red"}
  }
})";
constexpr std::string_view kOverride = R"({
  "flags": {
    "color": {"state": "ENABLED", "variants": {"red": "red", "blue": "blue"}, "defaultVariant": "blue"}
  }
})";

// Writes a file next to `path` and renames it over: what editors and deploy tools do.
void replace_file(const testing::TempDir& dir, const std::string& path, std::string_view content) {
  std::filesystem::rename(dir.write("next.tmp", content), path);
}

int port_of(const std::string& listening_line) {
  return listening_line.empty() ? 0 : std::stoi(listening_line.substr(listening_line.rfind(':') + 1));
}

// The default variant of `key` in a served flag document, or "" when the flag is not there.
std::string default_variant(const std::string& document, const std::string& key) {
  auto flags = nlohmann::json::parse(document).at("flags");
  return flags.contains(key) ? flags[key].at("defaultVariant").get<std::string>() : "";
}

TEST(CliFlagsServeSync, ServesTheMergeAndEachFileAndSendsAppliedEditsOnly) {
  testing::TempDir dir;
  auto base = dir.write("base.json", kBase);
  auto override_file = dir.write("override.json", kOverride);
  ChildProcess serve({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", "--sync", "127.0.0.1:0", base,
                      override_file},
                     dir.file("stderr.txt"));
  EXPECT_EQ(await_line(serve, "flags: "), "flags: applied 2 flags (change 0)");
  const int ofrep_port = port_of(await_line(serve, "ofrep: listening on 127.0.0.1:"));
  const int sync_port = port_of(await_line(serve, "sync: listening on 127.0.0.1:"));
  ASSERT_GT(sync_port, 0);

  SyncClient client(sync_port);
  grpc::ClientContext merged_context;
  auto merged = client.sync(merged_context);
  std::string first = next(*merged);
  EXPECT_EQ(default_variant(first, "color"), "blue");  // the later file wins
  EXPECT_EQ(default_variant(first, "banner"), "off");
  grpc::ClientContext base_context;
  auto base_only = client.sync(base_context, base);
  EXPECT_EQ(default_variant(next(*base_only), "color"), "red");
  std::string fetched;
  ASSERT_TRUE(client.fetch(fetched, override_file).ok());
  EXPECT_EQ(default_variant(fetched, "banner"), "");

  // A refused edit sends nothing: the next document a stream gets is the valid edit after it.
  replace_file(dir, base, R"({"flags": {"banner": {"state": "ON"}}})");
  EXPECT_EQ(await_line(serve, "flags: ").rfind("flags: refused (", 0), 0u);
  std::string edited(kBase);
  edited.replace(edited.find("\"defaultVariant\": \"off\""), 23, "\"defaultVariant\": \"on\"");
  replace_file(dir, base, edited);
  EXPECT_EQ(await_line(serve, "flags: "), "flags: applied 2 flags (change 1)");
  EXPECT_EQ(default_variant(next(*merged), "banner"), "on");
  EXPECT_EQ(default_variant(next(*base_only), "banner"), "on");

  // The sync clients are counted on the OFREP server's /metrics.
  httplib::Client http("127.0.0.1", ofrep_port);
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\nhotreload_flag_sync_streams 2\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("\nhotreload_flag_sync_publishes_total 1\n"), std::string::npos);

  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(kSyncBound), 0);
  // Stopping ends the streams.
  testing::sync_v1::SyncFlagsResponse response;
  EXPECT_FALSE(merged->Read(&response));
}

TEST(CliFlagsServeSync, AnUnknownSelectorIsNotFound) {
  testing::TempDir dir;
  auto base = dir.write("base.json", kBase);
  ChildProcess serve({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", "--sync", "127.0.0.1:0", base},
                     dir.file("stderr.txt"));
  const int sync_port = port_of(await_line(serve, "sync: listening on 127.0.0.1:"));
  ASSERT_GT(sync_port, 0);
  SyncClient client(sync_port);
  std::string fetched;
  grpc::Status status = client.fetch(fetched, "other.json");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find(base), std::string::npos) << status.error_message();
  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(kSyncBound), 0);
}

TEST(CliFlagsServeSync, ASyncPortInUseExitsTwoAndSaysSo) {
  testing::TempDir dir;
  auto base = dir.write("base.json", kBase);
  // A listener holds a loopback port.
  int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string taken = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  auto result = testing::run_command({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", "--sync", taken, base});
  ::close(holder);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("flag sync: cannot listen on " + taken), std::string::npos) << result.err;
}

}  // namespace
}  // namespace hotreload
