// Drives `hotreload watch` as the issue's contract spells it: one CloudEvents JSON object per line.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/event_lines.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"
#include "support/watch_support.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::cli_path;

constexpr auto kBound = 20s;  // a failure bound for awaited output, never a pace

// The next printed event of `type`, skipping others (file.changed precedes reload.*).
nlohmann::json next_event(ChildProcess& child, const std::string& type) {
  return testing::expect_event(child, type, kBound);
}

TEST(CliWatch, FirstLineIsTheInitialLoadAsACloudEvent) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: 1\npassword: hunter2\n");
  ChildProcess watch({cli_path(), "watch", "--print-config", "--secret", "password", file});
  auto line = watch.read_line(kBound);
  ASSERT_TRUE(line.has_value());
  auto event = nlohmann::json::parse(*line);
  EXPECT_EQ(event.at("specversion"), "1.0");
  EXPECT_EQ(event.at("type"), "reload.completed");
  EXPECT_TRUE(event.contains("id") && event.contains("source") && event.contains("time"));
  EXPECT_EQ(event.at("data").at("trigger"), "initial");
  EXPECT_EQ(event.at("data").at("config"), nlohmann::json::parse(R"({"a": 1, "password": "<redacted>"})"));
  EXPECT_EQ(line->find("hunter2"), std::string::npos);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

TEST(CliWatch, FilesAfterARepeatableOptionAreStillLayers) {
  testing::TempDir dir;
  auto base = dir.write("config.yaml", "a: 1\npassword: hunter2\n");
  auto local = dir.write("config.local.yaml", "b: 2\n");
  ChildProcess watch({cli_path(), "watch", "--secret", "password", base, local});
  auto completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("changeCount"), 3);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

TEST(CliWatch, ChangedFileReloadsWithTheChangeList) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: 1\nb: x\n");
  ChildProcess watch({cli_path(), "watch", "--debounce", "0", file});
  ASSERT_EQ(next_event(watch, "reload.completed").at("data").at("trigger"), "initial");
  testing::replace_file(dir.file("config.yaml"), "a: 2\nb: x\n");
  auto completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("trigger"), "file");
  EXPECT_EQ(completed.at("data").at("changes"),
            nlohmann::json::parse(R"([{"path": "a", "op": "modified", "old": 1, "new": 2}])"));
  watch.send_signal(SIGINT);
  EXPECT_EQ(watch.wait(kBound), 0);
}

// The issue's report: invalid UTF-8 was applied and its event line came out cut short. It is a
// failed reload now, at the byte, and every line printed is whole JSON (next_event parses each).
TEST(CliWatch, InvalidUtf8ChangeIsAFailedReloadAtTheByte) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: 1\n");
  ChildProcess watch({cli_path(), "watch", "--debounce", "0", "--print-config", file});
  next_event(watch, "reload.completed");
  testing::replace_file(dir.file("config.yaml"), "a: \xff\xfe\n");
  auto failed = next_event(watch, "reload.failed");
  EXPECT_EQ(failed.at("data").at("error"), file + ":1:4: invalid UTF-8 byte 0xFF");
  testing::replace_file(dir.file("config.yaml"), "a: 3\n");
  auto completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("changes").at(0).at("new"), 3);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

TEST(CliWatch, InvalidChangeIsReportedWithItsPositionAndTheNextValidOneApplies) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: 1\n");
  ChildProcess watch({cli_path(), "watch", "--debounce", "0", file});
  next_event(watch, "reload.completed");
  testing::replace_file(dir.file("config.yaml"), "a: [1\n");
  auto failed = next_event(watch, "reload.failed");
  std::string error = failed.at("data").at("error");
  EXPECT_EQ(error.rfind(file + ":", 0), 0u) << error;
  testing::replace_file(dir.file("config.yaml"), "a: 3\n");
  auto completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("changes").at(0).at("new"), 3);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

// A quoted glob is a directory layer (conf.d): a file dropped into the directory is loaded.
TEST(CliWatch, AGlobArgumentLoadsAndWatchesADirectoryOfLayers) {
  testing::TempDir dir;
  dir.write("conf.d/10-base.yaml", "a: 1\n");
  ChildProcess watch({cli_path(), "watch", "--debounce", "0", dir.file("conf.d") + "/*.yaml"});
  ASSERT_EQ(next_event(watch, "reload.completed").at("data").at("changeCount"), 1);
  testing::replace_file(dir.file("conf.d/20-more.yaml"), "a: 2\n");
  auto changed = next_event(watch, "file.changed");
  EXPECT_EQ(changed.at("data").at("reason"), "added");
  auto completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("changes"),
            nlohmann::json::parse(R"([{"path": "a", "op": "modified", "old": 1, "new": 2}])"));
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

TEST(CliWatch, AMissingFileIsReportedAndItsReturnReloads) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: 1\n");
  ChildProcess watch({cli_path(), "watch", "--debounce", "0", file});
  next_event(watch, "reload.completed");
  std::filesystem::remove(file);
  auto missing = next_event(watch, "file.missing");
  EXPECT_NE(missing.dump().find("file is missing; the last good config stays live"), std::string::npos) << missing;
  testing::replace_file(dir.file("config.yaml"), "a: 2\n");
  // The file readable again may be seen before the new content: that reload finds nothing new.
  auto completed = next_event(watch, "reload.completed");
  if (completed.at("data").value("status", "") == "unchanged") completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("changes").at(0).at("new"), 2);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

// Permission denied is an error event, not a crash; the old config stays and the file's next
// readable state is applied. Root reads anything, so as root the watcher runs as nobody.
TEST(CliWatch, AnUnreadableFileIsAnErrorEventAndTheOldConfigStays) {
  std::vector<std::string> command;
  if (::geteuid() == 0) {
    if (!std::filesystem::exists("/usr/bin/setpriv")) GTEST_SKIP() << "needs setpriv (util-linux) to drop root";
    command = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  }
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: 1\n");
  command.insert(command.end(), {cli_path(), "watch", "--debounce", "0", file});
  if (::geteuid() == 0) {
    std::vector<std::string> probe(command.begin(), command.begin() + 4);
    probe.insert(probe.end(), {cli_path(), "validate", file});
    if (testing::run_command(probe).exit_code != 0) {
      GTEST_SKIP() << "user 65534 cannot run " << cli_path() << " or read " << file;
    }
  }
  ChildProcess watch(command);
  next_event(watch, "reload.completed");
  std::filesystem::permissions(file, std::filesystem::perms::none);
  auto denied = next_event(watch, "file.missing");
  EXPECT_NE(denied.dump().find("Permission denied"), std::string::npos) << denied;
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  testing::replace_file(dir.file("config.yaml"), "a: 2\n");
  // The file readable again may be seen before the new content: that reload finds nothing new.
  auto completed = next_event(watch, "reload.completed");
  if (completed.at("data").value("status", "") == "unchanged") completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("changes").at(0).at("new"), 2);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

TEST(CliWatch, SighupForcesAReload) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: 1\n");
  // Poll once an hour: only the signal can notice the change within this test.
  ChildProcess watch({cli_path(), "watch", "--poll", "3600000", file});
  next_event(watch, "reload.completed");
  testing::replace_file(dir.file("config.yaml"), "a: 2\n");
  watch.send_signal(SIGHUP);
  auto completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("trigger"), "signal");
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

TEST(CliWatch, ASighupThatFindsNothingChangedStillPrintsItsOutcome) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: 1\n");
  auto audit = dir.file("audit.jsonl");
  ChildProcess watch({cli_path(), "watch", "--poll", "3600000", "--audit-log", audit, file});
  EXPECT_EQ(next_event(watch, "reload.completed").at("data").at("status"), "applied");
  watch.send_signal(SIGHUP);
  auto completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("trigger"), "signal");
  EXPECT_EQ(completed.at("data").at("status"), "unchanged");
  EXPECT_EQ(completed.at("data").at("changeCount"), 0);
  EXPECT_EQ(completed.at("data").at("generation"), 1);
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
  // The audit log has the same two outcomes.
  std::ifstream in(audit);
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].at("trigger"), "signal");
  EXPECT_EQ(records[1].at("outcome"), "unchanged");
}

TEST(CliWatch, LostAuditRecordsMakeTheExitStatusNonZeroAndAreCounted) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: 1\n");
  auto err = dir.file("stderr.txt");
  // Every write to /dev/full fails with ENOSPC: the initial load's record and the SIGHUP's are lost.
  ChildProcess watch({cli_path(), "watch", "--poll", "3600000", "--audit-log", "/dev/full", file}, err);
  next_event(watch, "reload.completed");
  watch.send_signal(SIGHUP);
  next_event(watch, "reload.completed");
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 2);
  std::ifstream in(err);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("hotreload: 2 audit records were lost: /dev/full is incomplete"), std::string::npos) << text;
  // The run of losses is reported once when it starts, not once per record.
  std::size_t reports = 0;
  for (std::size_t at = text.find("cannot write the audit log"); at != std::string::npos;
       at = text.find("cannot write the audit log", at + 1)) {
    ++reports;
  }
  EXPECT_EQ(reports, 1u) << text;
}

TEST(CliWatch, SchemaJudgesEveryReloadAndDeclaresRestartAndSecretFields) {
  testing::TempDir dir;
  auto schema = dir.write("schema.yaml",
                          "properties:\n"
                          "  port: {type: integer, x-reload: restart}\n"
                          "  password: {type: string, x-secret: true}\n"
                          "  workers: {type: integer, minimum: 1}\n");
  auto file = dir.write("config.yaml", "port: 80\npassword: hunter2\nworkers: 2\n");
  ChildProcess watch({cli_path(), "watch", "--debounce", "0", "--print-config", "--schema", schema, file});
  auto initial = next_event(watch, "reload.completed");
  EXPECT_EQ(initial.at("data").at("config").at("password"), "<redacted>");

  testing::replace_file(dir.file("config.yaml"), "port: 80\npassword: hunter2\nworkers: 0\n");
  std::string invalid = next_event(watch, "reload.failed").at("data").at("error");
  EXPECT_EQ(invalid.rfind(file + ":3:10: workers: ", 0), 0u) << invalid;

  testing::replace_file(dir.file("config.yaml"), "port: 80\npassword: swordfish\nworkers: 3\n");
  auto completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("changes"),
            nlohmann::json::parse(R"([{"path": "password", "op": "modified", "old": "<redacted>", "new": "<redacted>"},
                                      {"path": "workers", "op": "modified", "old": 2, "new": 3}])"));
  EXPECT_EQ(completed.dump().find("swordfish"), std::string::npos);

  testing::replace_file(dir.file("config.yaml"), "port: 81\npassword: swordfish\nworkers: 3\n");
  std::string restart = next_event(watch, "reload.failed").at("data").at("error");
  EXPECT_EQ(restart, file + ":1:7: port: changed from 80 to 81, but this field needs a restart");
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

TEST(CliWatch, BrokenSchemaExitsTwo) {
  testing::TempDir dir;
  auto schema = dir.write("schema.json", R"({"properties": {"a": {"x-secret": "yes"}}})");
  auto file = dir.write("config.yaml", "a: 1\n");
  auto result = testing::run_command({cli_path(), "watch", "--schema", schema, file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind(schema + ":1:35: properties.a.x-secret: invalid schema: ", 0), 0u) << result.err;
}

TEST(CliWatch, InvalidInitialConfigExitsOne) {
  testing::TempDir dir;
  auto file = dir.write("config.yaml", "a: [1\n");
  auto result = testing::run_command({cli_path(), "watch", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind(file + ":", 0), 0u) << result.err;
}

TEST(CliWatch, UsageErrorsExitTwo) {
  EXPECT_EQ(testing::run_command({cli_path(), "watch"}).exit_code, 2);
  EXPECT_EQ(testing::run_command({cli_path(), "watch", "--debounce", "-5", "x.yaml"}).exit_code, 2);
}

// A torrc layer over YAML defaults: an edit reloads with the typed change, and a broken edit is
// a failed reload located in the torrc while the old config stays.
TEST(CliWatch, AKeyvalueLayerReloadsWhenEdited) {
  testing::TempDir dir;
  auto defaults = dir.write("defaults.yaml", "SocksPort: 9150\n");
  auto torrc = dir.write("torrc", "SocksPort 9050\n");
  ChildProcess watch({cli_path(), "watch", "--debounce", "0", defaults, "keyvalue:" + torrc});
  auto initial = next_event(watch, "reload.completed");
  EXPECT_EQ(initial.at("data").at("trigger"), "initial");
  testing::replace_file(torrc, "SocksPort 9060\nLog notice stdout\n");
  auto completed = next_event(watch, "reload.completed");
  EXPECT_EQ(completed.at("data").at("changes"), nlohmann::json::parse(R"([
    {"path": "SocksPort", "op": "modified", "old": 9050, "new": 9060},
    {"path": "Log", "op": "added", "old": null, "new": "notice stdout"}])"));
  testing::replace_file(torrc, "SocksPort\n");
  auto failed = next_event(watch, "reload.failed");
  EXPECT_EQ(failed.at("data").at("error"), torrc + ":1:1: invalid keyvalue: key \"SocksPort\" has no value");
  // The next change is measured against the config that stayed live.
  testing::replace_file(torrc, "SocksPort 9070\nLog notice stdout\n");
  EXPECT_EQ(next_event(watch, "reload.completed").at("data").at("changes"),
            nlohmann::json::parse(R"([{"path": "SocksPort", "op": "modified", "old": 9060, "new": 9070}])"));
  watch.send_signal(SIGTERM);
  EXPECT_EQ(watch.wait(kBound), 0);
}

}  // namespace
}  // namespace hotreload
