// The audit log: one JSON line per reload attempt, with who, files and hashes, redacted changes.
#include "hotreload/audit.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hotreload/reloader.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

constexpr const char* kSecret = "audit-s3cr3t";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FileDigestMatchesItsBytes) {
  testing::TempDir dir;
  std::string big(200000, 'z');  // more than one read chunk
  EXPECT_EQ(sha256_file(dir.write("big", big)), sha256_hex(big));
  EXPECT_EQ(sha256_file(dir.file("absent")), std::nullopt);
}

// A reloader over one file with a secret, and an audit log collecting its lines in memory.
class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = dir_.write("config.yaml", std::string("a: 1\npassword: ") + kSecret + "\n");
    options_.layers.files = {{file_}};
    options_.fields.secret("password");
    reloader_ = std::make_unique<Reloader<nlohmann::json>>(options_);
    recording_ = audit_.attach(reloader_->events());
    ASSERT_TRUE(reloader_->start().has_value());
  }

  void rewrite(const std::string& content) const {
    std::string temp = dir_.write("config.yaml.tmp", content);
    std::filesystem::rename(temp, file_);
  }

  std::vector<nlohmann::json> records() {
    std::lock_guard lock(mu_);
    std::vector<nlohmann::json> out;
    for (const std::string& line : lines_) {
      EXPECT_EQ(line.find(kSecret), std::string::npos) << line;
      EXPECT_EQ(line.find('\n'), std::string::npos);
      out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }

  testing::TempDir dir_;
  std::string file_;
  ReloadOptions options_;
  std::mutex mu_;
  std::vector<std::string> lines_;  // guarded by mu_
  AuditLog audit_{[this](std::string_view line) {
    std::lock_guard lock(mu_);
    lines_.emplace_back(line);
  }};
  std::unique_ptr<Reloader<nlohmann::json>> reloader_;
  Subscription recording_;
};

TEST_F(AuditTest, InitialLoadIsRecordedWithTheFileHash) {
  auto all = records();
  ASSERT_EQ(all.size(), 1u);
  const auto& record = all[0];
  EXPECT_EQ(record.at("kind"), "reload");
  EXPECT_EQ(record.at("trigger"), "initial");
  EXPECT_EQ(record.at("who"), "api");
  EXPECT_EQ(record.at("outcome"), "applied");
  EXPECT_EQ(record.at("generation"), 1);
  EXPECT_EQ(record.at("files").at(0).at("path"), file_);
  EXPECT_EQ(record.at("files").at(0).at("sha256"), sha256_hex(read_file(file_)));
  std::string time = record.at("time");
  EXPECT_EQ(time.size(), std::string("2024-05-01T12:00:00.123456Z").size()) << time;
  EXPECT_EQ(time.back(), 'Z');
}

TEST_F(AuditTest, AppliedChangesAreRedacted) {
  rewrite(std::string("a: 2\npassword: new-") + kSecret + "\n");
  ASSERT_EQ(reloader_->reload().status, ReloadStatus::applied);
  auto record = records().back();
  EXPECT_EQ(record.at("trigger"), "api");
  EXPECT_EQ(record.at("outcome"), "applied");
  EXPECT_EQ(record.at("changes"), nlohmann::json::parse(R"([
      {"path":"a","op":"modified","old":1,"new":2},
      {"path":"password","op":"modified","old":"<redacted>","new":"<redacted>"}])"));
  EXPECT_EQ(record.at("errors"), nlohmann::json::array());
}

TEST_F(AuditTest, UnchangedReloadIsRecorded) {
  ASSERT_EQ(reloader_->reload(Trigger::signal).status, ReloadStatus::unchanged);
  auto all = records();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].at("outcome"), "unchanged");
  EXPECT_EQ(all[1].at("who"), "signal");
  EXPECT_EQ(all[1].at("changes"), nlohmann::json::array());
}

TEST_F(AuditTest, FailedReloadCarriesItsErrors) {
  rewrite("a: [1\n");
  ASSERT_EQ(reloader_->reload().status, ReloadStatus::failed);
  auto record = records().back();
  EXPECT_EQ(record.at("outcome"), "failed");
  ASSERT_FALSE(record.at("errors").empty());
  EXPECT_EQ(record.at("errors").at(0).at("file"), file_);
  EXPECT_EQ(record.at("files").at(0).at("sha256"), sha256_hex("a: [1\n"));
  EXPECT_FALSE(record.contains("generation"));
}

TEST_F(AuditTest, VetoNamesTheModule) {
  reloader_->on_change("guard", [](const nlohmann::json&, const nlohmann::json&) -> ModuleResult {
    return unexpected(std::string("not today"));
  });
  rewrite("a: 3\npassword: x\n");
  ASSERT_EQ(reloader_->reload().status, ReloadStatus::failed);
  EXPECT_EQ(records().back().at("failedModule"), "guard");
}

TEST_F(AuditTest, FileReloadIsAttributedToTheChangedFiles) {
  Event changed;
  changed.type = std::string(event_type::file_changed);
  changed.trigger = Trigger::file;
  changed.files = {file_};
  reloader_->events().publish(changed);
  rewrite("a: 4\n");
  ASSERT_EQ(reloader_->reload(Trigger::file).status, ReloadStatus::applied);
  auto record = records().back();
  EXPECT_EQ(record.at("trigger"), "file");
  EXPECT_EQ(record.at("who"), file_);
}

TEST_F(AuditTest, SkippedReloadHasItsReason) {
  reloader_->set_auto_reload(false);
  ASSERT_EQ(reloader_->reload(Trigger::file).status, ReloadStatus::skipped);
  auto record = records().back();
  EXPECT_EQ(record.at("outcome"), "skipped");
  EXPECT_EQ(record.at("skipReason"), "automatic reloads are disabled");
}

TEST_F(AuditTest, HttpReloadIsAttributedToThePeerInScope) {
  {
    auto scope = AuditLog::http_peer("127.0.0.1:50000");
    ASSERT_EQ(reloader_->reload(Trigger::http).status, ReloadStatus::unchanged);
  }
  EXPECT_EQ(records().back().at("who"), "127.0.0.1:50000");
  ASSERT_EQ(reloader_->reload(Trigger::http).status, ReloadStatus::unchanged);
  EXPECT_EQ(records().back().at("who"), "http");  // no scope: the peer is unknown
}

TEST_F(AuditTest, UnauthorizedRequestRecord) {
  audit_.record_unauthorized("127.0.0.1:4000", "POST", "/reload", "wrong bearer token");
  auto record = records().back();
  EXPECT_EQ(record.at("kind"), "admin.unauthorized");
  EXPECT_EQ(record.at("who"), "127.0.0.1:4000");
  EXPECT_EQ(record.at("method"), "POST");
  EXPECT_EQ(record.at("path"), "/reload");
  EXPECT_EQ(record.at("reason"), "wrong bearer token");
}

TEST(AuditFile, AppendsLinesToAPrivateFile) {
  testing::TempDir dir;
  std::string path = dir.file("audit.jsonl");
  {
    auto log = AuditLog::open_file(path);
    ASSERT_TRUE(log.has_value());
    (*log)->record_unauthorized("a:1", "POST", "/reload", "missing bearer token");
  }
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  {
    auto log = AuditLog::open_file(path);
    ASSERT_TRUE(log.has_value());
    (*log)->record_unauthorized("b:2", "POST", "/reload", "missing bearer token");
  }
  std::istringstream lines(read_file(path));
  std::vector<std::string> who;
  for (std::string line; std::getline(lines, line);) who.push_back(nlohmann::json::parse(line).at("who"));
  EXPECT_EQ(who, (std::vector<std::string>{"a:1", "b:2"}));
}

TEST(AuditFile, UnopenablePathIsAnIoErrorNamingIt) {
  testing::TempDir dir;
  std::string path = dir.file("no-such-dir/audit.jsonl");
  auto log = AuditLog::open_file(path);
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code, ErrorCode::io);
  EXPECT_EQ(log.error().location.file, path);
}

}  // namespace
}  // namespace hotreload
