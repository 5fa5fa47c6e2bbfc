// `hotreload flags serve`: OFREP over the CLI, several files merged, edits applied or refused,
// the event stream, the token and the address rules.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/event_lines.hpp"
#include "support/raw_http.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::await_line;
using testing::ChildProcess;
using testing::cli_path;
using testing::run_command;

constexpr auto kBound = 20s;  // a failure bound for awaited output, never a pace
constexpr const char* kToken = "serve-token-0123456789";

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

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Writes a file next to `path` and renames it over: what editors and deploy tools do.
void replace_file(const testing::TempDir& dir, const std::string& path, std::string_view content) {
  std::string temp = dir.write("next.tmp", content);
  std::filesystem::rename(temp, path);
}

// The port from "ofrep: listening on 127.0.0.1:PORT".
int await_port(ChildProcess& child) {
  std::string line = await_line(child, "ofrep: listening on 127.0.0.1:");
  return line.empty() ? 0 : std::stoi(line.substr(line.rfind(':') + 1));
}

nlohmann::json evaluate(int port, const std::string& key, const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(20, 0);
  auto res = client.Post("/ofrep/v1/evaluate/flags/" + key, headers, R"({"context": {"targetingKey": "u1"}})",
                         "application/json");
  if (!res) return nullptr;
  auto body = nlohmann::json::parse(res->body);
  body["status"] = res->status;
  return body;
}

TEST(CliFlagsServe, ServesMergedFilesAndAppliesAnEdit) {
  testing::TempDir dir;
  auto base = dir.write("base.json", kBase);
  auto override_file = dir.write("override.json", kOverride);
  auto err = dir.file("stderr.txt");
  ChildProcess serve({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", base, override_file}, err);
  EXPECT_EQ(await_line(serve, "flags: "), "flags: applied 2 flags (change 0)");
  int port = await_port(serve);
  ASSERT_GT(port, 0) << read_file(err);

  EXPECT_EQ(evaluate(port, "color").at("value"), "blue");  // the later file wins
  EXPECT_EQ(evaluate(port, "banner").at("value"), false);
  EXPECT_EQ(evaluate(port, "nope").at("status"), 404);

  // An event-stream client hears about the change.
  testing::RawConnection stream(port);
  ASSERT_TRUE(stream.send("GET /ofrep/v1/events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(stream.read_until("\r\n\r\n", kBound).has_value());

  std::string edited(kBase);
  edited.replace(edited.find("\"defaultVariant\": \"off\""), 23, "\"defaultVariant\": \"on\"");
  replace_file(dir, base, edited);
  EXPECT_EQ(await_line(serve, "flags: "), "flags: applied 2 flags (change 1)");
  EXPECT_EQ(evaluate(port, "banner").at("value"), true);
  EXPECT_TRUE(stream.read_until("refetchEvaluation", kBound).has_value());

  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(kBound), 0);
}

TEST(CliFlagsServe, InvalidEditKeepsTheFlagsAndIsReported) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kBase);
  auto err = dir.file("stderr.txt");
  ChildProcess serve({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", file}, err);
  int port = await_port(serve);
  ASSERT_GT(port, 0) << read_file(err);
  testing::RawConnection stream(port);
  ASSERT_TRUE(stream.send("GET /ofrep/v1/events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(stream.read_until("\r\n\r\n", kBound).has_value());

  std::string broken(kBase);
  broken.replace(broken.find("\"defaultVariant\": \"off\""), 23, "\"defaultVariant\": \"of\"");
  replace_file(dir, file, broken);
  EXPECT_EQ(await_line(serve, "flags: "), "flags: refused (1 error; the previous flags stay live)");
  EXPECT_NE(read_file(err).find("flags.json:3:"), std::string::npos) << read_file(err);
  EXPECT_NE(read_file(err).find("unknown variant \"of\""), std::string::npos) << read_file(err);
  EXPECT_EQ(evaluate(port, "banner").at("value"), false);

  replace_file(dir, file, "{not json");
  EXPECT_EQ(await_line(serve, "flags: ").rfind("flags: refused", 0), 0u);
  EXPECT_EQ(evaluate(port, "color").at("value"), "red");

  // Neither refusal was announced: the first event on the stream is the next applied change's.
  replace_file(dir, file, kOverride);
  EXPECT_EQ(await_line(serve, "flags: "), "flags: applied 1 flag (change 1)");
  auto events = stream.read_until("refetchEvaluation", kBound);
  ASSERT_TRUE(events.has_value());
  EXPECT_NE(events->find("-1\nevent: message\n"), std::string::npos) << *events;
  EXPECT_EQ(evaluate(port, "banner").at("status"), 404);

  serve.send_signal(SIGINT);
  EXPECT_EQ(serve.wait(kBound), 0);
}

TEST(CliFlagsServe, TokenFileGuardsEveryEvaluation) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kBase);
  auto token = dir.write("token", std::string(kToken) + "\n");
  ::chmod(token.c_str(), 0600);
  ChildProcess serve({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", "--token-file", token, file},
                     dir.file("stderr.txt"));
  int port = await_port(serve);
  ASSERT_GT(port, 0);
  EXPECT_EQ(evaluate(port, "banner").at("status"), 401);
  EXPECT_EQ(evaluate(port, "banner", {{"X-API-Key", "wrong"}}).at("status"), 403);
  EXPECT_EQ(evaluate(port, "banner", {{"Authorization", std::string("Bearer ") + kToken}}).at("status"), 200);
  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(kBound), 0);
}

TEST(CliFlagsServe, RequireTargetingKeyRefusesAContextWithout) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kBase);
  ChildProcess serve({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", "--require-targeting-key", file},
                     dir.file("stderr.txt"));
  int port = await_port(serve);
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  auto res = client.Post("/ofrep/v1/evaluate/flags/banner", R"({"context": {}})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(nlohmann::json::parse(res->body).at("errorCode"), "TARGETING_KEY_MISSING");
  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(kBound), 0);
}

TEST(CliFlagsServe, InvalidFileAtStartExitsOne) {
  testing::TempDir dir;
  auto good = dir.write("good.json", kBase);
  auto bad = dir.write("bad.json", R"({"flags": {"x": {"state": "ON", "variants": {"a": 1}}}})");
  auto result = run_command({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", good, bad});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("bad.json:1:"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "flags: refused (1 error)\n");
}

TEST(CliFlagsServe, UsageErrorsExitTwo) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kBase);
  auto open_token = dir.write("open-token", std::string(kToken) + "\n");
  ::chmod(open_token.c_str(), 0644);
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"--ofrep", "0.0.0.0:0"}, "not a loopback address; add --allow-remote"},
      {{"--ofrep", "127.0.0.1"}, "--ofrep: invalid admin address"},
      {{"--sync", "0.0.0.0:0"}, "--sync 0.0.0.0:0 is not a loopback address; add --allow-remote"},
      {{"--sync", "127.0.0.1"}, "--sync: invalid admin address"},
      {{"--token-file", open_token}, "--token-file: "},
      {{"--token-file", dir.file("missing")}, "cannot read"},
  };
  for (const auto& [options, message] : cases) {
    std::vector<std::string> argv{cli_path(), "flags", "serve"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(file);
    auto result = run_command(argv);
    EXPECT_EQ(result.exit_code, 2) << options.front();
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
  }
  auto missing = run_command({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", dir.file("none.json")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.json"), std::string::npos) << missing.err;
}

TEST(CliFlagsServe, FlagFileOthersCanWriteIsRefused) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kBase);
  ::chmod(file.c_str(), 0666);
  auto result = run_command({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("writable by other users (mode 0666)"), std::string::npos) << result.err;
}

TEST(CliFlagsServe, AddressInUseExitsTwo) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kBase);
  ChildProcess first({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:0", file}, dir.file("stderr.txt"));
  int port = await_port(first);
  ASSERT_GT(port, 0);
  auto second = run_command({cli_path(), "flags", "serve", "--ofrep", "127.0.0.1:" + std::to_string(port), file});
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos) << second.err;
  first.send_signal(SIGTERM);
  EXPECT_EQ(first.wait(kBound), 0);
}

TEST(CliFlagsServe, AllowRemoteServesOnAnyAddress) {
  testing::TempDir dir;
  auto file = dir.write("flags.json", kBase);
  ChildProcess serve({cli_path(), "flags", "serve", "--ofrep", "0.0.0.0:0", "--allow-remote", file},
                     dir.file("stderr.txt"));
  std::string line = await_line(serve, "ofrep: listening on 0.0.0.0:");
  ASSERT_FALSE(line.empty());
  int port = std::stoi(line.substr(line.rfind(':') + 1));
  EXPECT_EQ(evaluate(port, "color").at("value"), "red");
  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(kBound), 0);
}

}  // namespace
}  // namespace hotreload
