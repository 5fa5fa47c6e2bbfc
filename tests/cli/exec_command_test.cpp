// `hotreload exec`: signals, restarts, exit statuses and usage errors, with a real child script
// (support/exec_support.hpp). The webhook is tested in exec_webhook_test.cpp, what exec does as an
// init (reaping, process groups, leftovers) in exec_reaping_test.cpp.
#include <gtest/gtest.h>

#include <signal.h>

#include <sstream>

#include "support/exec_support.hpp"

namespace hotreload {
namespace {

using namespace std::chrono_literals;
using testing::count;
using testing::cli_path;
using testing::eventually;
using testing::Exec;
using testing::kIdle;
using testing::script;
using testing::slurp;

constexpr auto kBound = testing::kExecBound;

TEST(ExecCommand, ValidChangeSendsSighupToTheCommand) {
  Exec t;
  auto& exec = t.start({}, script(t.out));
  testing::replace_file(t.dir.file("config.yaml"), "a: 2\nserver:\n  port: 80\n");
  EXPECT_TRUE(eventually([&] { return t.hups() == 1; })) << slurp(t.err);
  testing::replace_file(t.dir.file("config.yaml"), "a: 3\nserver:\n  port: 80\n");
  EXPECT_TRUE(eventually([&] { return t.hups() == 2; })) << slurp(t.err);
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(kBound), 128 + SIGTERM);  // the script has no TERM trap: SIGTERM killed it
}

TEST(ExecCommand, OtherSignalByNameOrNumber) {
  Exec t;
  std::string usr1 = "trap 'echo got-usr1 >> " + t.out + "' USR1; echo ready >> " + t.out + "; " + kIdle;
  auto& exec = t.start({"--signal", "usr1"}, usr1);
  testing::replace_file(t.dir.file("config.yaml"), "a: 2\n");
  EXPECT_TRUE(eventually([&] { return slurp(t.out).find("got-usr1") != std::string::npos; })) << slurp(t.err);
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(kBound), 128 + SIGTERM);

  Exec numbered;
  numbered.start({"--signal", std::to_string(SIGHUP)}, script(numbered.out));
  testing::replace_file(numbered.dir.file("config.yaml"), "a: 2\n");
  EXPECT_TRUE(eventually([&] { return numbered.hups() == 1; })) << slurp(numbered.err);
}

TEST(ExecCommand, InvalidChangeIsReportedAndTheCommandLeftAlone) {
  Exec t;
  t.start({}, script(t.out));
  testing::replace_file(t.dir.file("config.yaml"), "a: [1\n");
  EXPECT_TRUE(eventually([&] { return slurp(t.err).find("refused") != std::string::npos; }));
  EXPECT_TRUE(eventually([&] { return slurp(t.err).find("hotreload exec: " + t.config + ":") != std::string::npos; }))
      << slurp(t.err);
  // The next valid change is signalled once: had the invalid one been signalled, it would have
  // been before this one.
  testing::replace_file(t.dir.file("config.yaml"), "a: 3\n");
  EXPECT_TRUE(eventually([&] { return count(slurp(t.err), "sent SIGHUP") == 1; })) << slurp(t.err);
  EXPECT_TRUE(eventually([&] { return t.hups() == 1; }));
  EXPECT_EQ(t.hups(), 1u);
}

TEST(ExecCommand, SchemaViolationIsReportedWithItsPosition) {
  Exec t;
  std::string schema = t.dir.write("schema.json", R"({"properties": {"a": {"type": "integer", "minimum": 0}}})");
  t.start({"--schema", schema}, script(t.out));
  testing::replace_file(t.dir.file("config.yaml"), "a: -5\nserver:\n  port: 80\n");
  EXPECT_TRUE(eventually([&] { return slurp(t.err).find(t.config + ":1:4: a: ") != std::string::npos; }))
      << slurp(t.err);
  testing::replace_file(t.dir.file("config.yaml"), "a: 5\nserver:\n  port: 80\n");
  EXPECT_TRUE(eventually([&] { return t.hups() == 1; })) << slurp(t.err);
  EXPECT_EQ(count(slurp(t.err), "sent SIGHUP"), 1u);
}

// x-reload: restart in the schema acts as --restart-field; x-secret as --secret.
constexpr const char* kFieldSchema = R"({"properties": {
  "server": {"properties": {"port": {"type": "integer", "x-reload": "restart"}}},
  "token": {"type": "string", "minLength": 8, "x-secret": true}}})";

TEST(ExecCommand, SchemaRestartFieldRestartsTheCommand) {
  Exec t;
  std::string schema = t.dir.write("schema.json", kFieldSchema);
  t.start({"--restart", "--schema", schema}, script(t.out));
  testing::replace_file(t.dir.file("config.yaml"), "a: 2\nserver:\n  port: 80\n");  // dynamic: signalled, not restarted
  EXPECT_TRUE(eventually([&] { return t.hups() == 1; })) << slurp(t.err);
  testing::replace_file(t.dir.file("config.yaml"), "a: 2\nserver:\n  port: 81\n");
  EXPECT_TRUE(eventually([&] { return count(slurp(t.out), "ready") == 2; })) << slurp(t.err);
  EXPECT_EQ(t.hups(), 1u);
}

TEST(ExecCommand, SchemaRestartFieldWithoutRestartIsRefusedAndSecretsRedacted) {
  Exec t;
  std::string schema = t.dir.write("schema.json", kFieldSchema);
  t.start({"--schema", schema}, script(t.out));
  testing::replace_file(t.dir.file("config.yaml"), "a: 1\nserver:\n  port: 81\n");
  EXPECT_TRUE(eventually([&] { return slurp(t.err).find("needs a restart") != std::string::npos; })) << slurp(t.err);
  testing::replace_file(t.dir.file("config.yaml"), "a: 1\nserver:\n  port: 80\ntoken: short-1\n");
  EXPECT_TRUE(eventually([&] { return slurp(t.err).find(t.config + ":4:8: token: ") != std::string::npos; }))
      << slurp(t.err);
  EXPECT_EQ(slurp(t.err).find("short-1"), std::string::npos) << slurp(t.err);
  EXPECT_EQ(t.hups(), 0u);
  EXPECT_EQ(count(slurp(t.out), "ready"), 1u);
}

TEST(ExecCommand, RestartFieldWithoutRestartIsRefused) {
  Exec t;
  t.start({"--restart-field", "server.port"}, script(t.out));
  testing::replace_file(t.dir.file("config.yaml"), "a: 1\nserver:\n  port: 81\n");
  EXPECT_TRUE(eventually([&] { return slurp(t.err).find("needs a restart") != std::string::npos; }));
  testing::replace_file(t.dir.file("config.yaml"), "a: 2\nserver:\n  port: 80\n");
  EXPECT_TRUE(eventually([&] { return t.hups() == 1; })) << slurp(t.err);
  EXPECT_EQ(count(slurp(t.out), "ready"), 1u);
}

TEST(ExecCommand, RestartOnlyChangeRestartsTheCommand) {
  Exec t;
  auto& exec = t.start({"--restart", "--restart-field", "server.port"}, script(t.out));
  testing::replace_file(t.dir.file("config.yaml"), "a: 2\nserver:\n  port: 80\n");  // dynamic: signalled
  EXPECT_TRUE(eventually([&] { return t.hups() == 1; })) << slurp(t.err);
  testing::replace_file(t.dir.file("config.yaml"), "a: 2\nserver:\n  port: 81\n");  // restart-only
  EXPECT_TRUE(eventually([&] { return count(slurp(t.out), "ready") == 2; })) << slurp(t.err);
  std::istringstream lines(slurp(t.out));
  std::vector<std::string> pids;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("ready ", 0) == 0) pids.push_back(line.substr(6));
  }
  ASSERT_EQ(pids.size(), 2u);
  EXPECT_NE(pids[0], pids[1]);
  EXPECT_EQ(t.hups(), 1u);
  // The new child is the one exec now supervises: its status is exec's.
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(kBound), 128 + SIGTERM);
}

TEST(ExecCommand, RestartWithoutFieldsRestartsOnEveryChange) {
  Exec t;
  t.start({"--restart"}, script(t.out));
  testing::replace_file(t.dir.file("config.yaml"), "a: 2\n");
  EXPECT_TRUE(eventually([&] { return count(slurp(t.out), "ready") == 2; })) << slurp(t.err);
  EXPECT_EQ(t.hups(), 0u);
}

TEST(ExecCommand, TerminationSignalsAreForwardedAndTheStatusPropagated) {
  Exec t;
  auto& exec = t.start({}, script(t.out, 42));
  exec.send_signal(SIGTERM);
  EXPECT_EQ(exec.wait(kBound), 42);
  EXPECT_NE(slurp(t.out).find("got-term"), std::string::npos);

  Exec interrupted;
  auto& second = interrupted.start({}, script(interrupted.out));
  second.send_signal(SIGINT);
  EXPECT_EQ(second.wait(kBound), 128 + SIGINT);
}

TEST(ExecCommand, CommandExitingByItselfEndsExecWithItsStatus) {
  testing::TempDir dir;
  std::string config = dir.write("config.yaml", "a: 1\n");
  auto exited = testing::run_command({cli_path(), "exec", "--config", config, "--", "/bin/sh", "-c", "exit 7"});
  EXPECT_EQ(exited.exit_code, 7) << exited.err;
  auto killed = testing::run_command({cli_path(), "exec", "--config", config, "--", "/bin/sh", "-c", "kill -KILL $$"});
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
  auto missing = testing::run_command({cli_path(), "exec", "--config", config, "--", "no-such-command-hotreload"});
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.err.find("cannot run no-such-command-hotreload"), std::string::npos) << missing.err;
}

// `--config A B` and `--config A --config B` both give two layers; the second is really read.
TEST(ExecCommand, SeveralFilesAfterOneConfigAreLayers) {
  testing::TempDir dir;
  std::string base = dir.write("base.yaml", "a: 1\n");
  std::string local = dir.write("local.yaml", "b: 2\n");
  auto listed = testing::run_command({cli_path(), "exec", "--config", base, local, "--", "/bin/sh", "-c", "exit 7"});
  EXPECT_EQ(listed.exit_code, 7) << listed.err;
  auto repeated =
      testing::run_command({cli_path(), "exec", "--config", base, "--config", local, "--", "/bin/sh", "-c", "exit 7"});
  EXPECT_EQ(repeated.exit_code, 7) << repeated.err;
  std::string broken = dir.write("broken.yaml", "b: [2\n");
  auto invalid = testing::run_command({cli_path(), "exec", "--config", base, broken, "--", "/bin/true"});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.err.find(broken + ":"), std::string::npos) << invalid.err;
}

// A torrc layer over the YAML config: editing it signals the command; a broken edit is refused
// with its position and the command is left alone.
TEST(ExecCommand, KeyvalueLayerChangeSignalsTheCommand) {
  Exec t;
  std::string torrc = t.dir.write("torrc", "SocksPort 9050\n");
  t.start({"--config", "keyvalue:" + torrc}, script(t.out));
  testing::replace_file(torrc, "SocksPort 9050 \\\n  # no value follows\n");
  const std::string where = torrc + ":1:16: invalid keyvalue: bad continuation";
  EXPECT_TRUE(eventually([&] { return slurp(t.err).find(where) != std::string::npos; })) << slurp(t.err);
  testing::replace_file(torrc, "SocksPort 9060\n");
  EXPECT_TRUE(eventually([&] { return t.hups() == 1; })) << slurp(t.err);
  EXPECT_EQ(count(slurp(t.err), "sent SIGHUP"), 1u);
}

TEST(ExecCommand, UsageErrorsExitTwoWithAClearMessage) {
  testing::TempDir dir;
  std::string config = dir.write("config.yaml", "a: 1\n");
  auto no_separator = testing::run_command({cli_path(), "exec", "--config", config});
  EXPECT_EQ(no_separator.exit_code, 2);
  EXPECT_NE(no_separator.err.find("after `--`"), std::string::npos) << no_separator.err;
  // Without `--`, a command is taken for one more config file: still no command.
  auto no_separator_with_command = testing::run_command({cli_path(), "exec", "--config", config, "/bin/true"});
  EXPECT_EQ(no_separator_with_command.exit_code, 2);
  EXPECT_NE(no_separator_with_command.err.find("no command to run"), std::string::npos) << no_separator_with_command.err;
  auto stray_argument = testing::run_command({cli_path(), "exec", "stray", "--config", config, "--", "/bin/true"});
  EXPECT_EQ(stray_argument.exit_code, 2);
  EXPECT_NE(stray_argument.err.find("stray"), std::string::npos) << stray_argument.err;

  auto bad_signal = testing::run_command({cli_path(), "exec", "--signal", "NOPE", "--config", config, "--", "/bin/true"});
  EXPECT_EQ(bad_signal.exit_code, 2);
  EXPECT_NE(bad_signal.err.find("unknown signal \"NOPE\""), std::string::npos) << bad_signal.err;

  auto bad_webhook = testing::run_command({cli_path(), "exec", "--webhook", "ftp://x", "--config", config, "--", "/bin/true"});
  EXPECT_EQ(bad_webhook.exit_code, 2);
  EXPECT_NE(bad_webhook.err.find("is not an http://"), std::string::npos) << bad_webhook.err;

  std::string absent = dir.file("absent.yaml");
  auto missing = testing::run_command({cli_path(), "exec", "--config", absent, "--", "/bin/true"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find(absent), std::string::npos) << missing.err;

  auto no_config = testing::run_command({cli_path(), "exec", "--", "/bin/true"});
  EXPECT_EQ(no_config.exit_code, 2);
  EXPECT_NE(no_config.err.find("--config"), std::string::npos) << no_config.err;
}

}  // namespace
}  // namespace hotreload
