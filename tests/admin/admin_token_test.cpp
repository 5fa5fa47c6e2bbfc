// Tokens, constant-time comparison, listen addresses and the admin JSON bodies.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>

#include "hotreload/admin.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

TEST(AdminToken, ConstantTimeEqualComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("secret-token", "secret-token"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("secret-token", "secret-tokeN"));
  EXPECT_FALSE(constant_time_equal("secret-token", "Secret-token"));
  EXPECT_FALSE(constant_time_equal("secret-token", "secret-token-longer"));
  EXPECT_FALSE(constant_time_equal("secret-token", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", ""));
  EXPECT_FALSE(constant_time_equal("", "secret"));
  // A repeated prefix must not match by wrapping around the shorter string.
  EXPECT_FALSE(constant_time_equal("abab", "ab"));
}

constexpr const char* kGoodToken = "0123456789abcdef0123";

// A token file only its owner can read and write, as read_token_file() requires.
std::string write_private(const testing::TempDir& dir, std::string_view content, const char* name = "token") {
  std::string path = dir.write(name, content);
  ::chmod(path.c_str(), 0600);
  return path;
}

// The error read_token_file() gives for `path`, which must be refused.
Error refusal(const std::string& path) {
  auto token = read_token_file(path);
  EXPECT_FALSE(token.has_value()) << path;
  return token.has_value() ? Error{} : token.error();
}

TEST(AdminToken, FileIsTrimmed) {
  testing::TempDir dir;
  auto token = read_token_file(write_private(dir, std::string("  ") + kGoodToken + "\n"));
  ASSERT_TRUE(token.has_value()) << token.error().to_string();
  EXPECT_EQ(*token, kGoodToken);
}

TEST(AdminToken, MissingFileIsAnIoErrorNamingThePath) {
  testing::TempDir dir;
  Error error = refusal(dir.file("absent"));
  EXPECT_EQ(error.code, ErrorCode::io);
  EXPECT_EQ(error.location.file, dir.file("absent"));
  EXPECT_EQ(error.message, "cannot read the admin token file: No such file or directory");
}

TEST(AdminToken, EmptyFileIsRefused) {
  testing::TempDir dir;
  Error error = refusal(write_private(dir, " \n"));
  EXPECT_EQ(error.code, ErrorCode::usage);
  EXPECT_EQ(error.message, "the admin token file is empty");
}

TEST(AdminToken, TwoWordsAreRefusedWithoutEchoingThem) {
  testing::TempDir dir;
  Error error = refusal(write_private(dir, "first-half-of-it second-half-of-it\n"));
  EXPECT_EQ(error.message, "the admin token must be one line without spaces");
  EXPECT_EQ(error.to_string().find("first-half"), std::string::npos);
}

TEST(AdminToken, FileOthersCanReadOrWriteIsRefusedWithItsMode) {
  testing::TempDir dir;
  std::string path = write_private(dir, std::string(kGoodToken) + "\n");
  const std::pair<mode_t, const char*> cases[] = {
      {0644, "the admin token file can be read by other users (mode 0644); make it private: chmod 600"},
      {0640, "the admin token file can be read by other users (mode 0640); make it private: chmod 600"},
      {0666, "the admin token file can be written by other users (mode 0666); make it private: chmod 600"},
      {0620, "the admin token file can be written by other users (mode 0620); make it private: chmod 600"},
  };
  for (const auto& [mode, message] : cases) {
    ::chmod(path.c_str(), mode);
    Error error = refusal(path);
    EXPECT_EQ(error.code, ErrorCode::usage);
    EXPECT_EQ(error.message, message);
    EXPECT_EQ(error.location.file, path);
  }
  ::chmod(path.c_str(), 0400);
  EXPECT_TRUE(read_token_file(path).has_value());
}

TEST(AdminToken, ShortTokenIsRefused) {
  testing::TempDir dir;
  EXPECT_EQ(refusal(write_private(dir, "x\n")).message,
            "the admin token is 1 byte; it needs at least 16 (e.g. openssl rand -hex 16)");
  EXPECT_EQ(refusal(write_private(dir, "0123456789abcde\n")).message,
            "the admin token is 15 bytes; it needs at least 16 (e.g. openssl rand -hex 16)");
  EXPECT_TRUE(read_token_file(write_private(dir, "0123456789abcdef\n")).has_value());
}

TEST(AdminToken, NonAsciiTokenIsRefused) {
  testing::TempDir dir;
  EXPECT_EQ(refusal(write_private(dir, "0123456789abcdef\xc3\xa9\n")).message, "the admin token must be printable ASCII");
}

TEST(AdminToken, DirectoryIsRefusedAsNotARegularFile) {
  testing::TempDir dir;
  Error error = refusal(dir.path().string());
  EXPECT_EQ(error.code, ErrorCode::usage);
  EXPECT_EQ(error.message, "the admin token file must be a regular file, this is a directory");
}

TEST(AdminToken, DeviceIsRefusedWithoutReadingIt) {
  // /dev/zero never ends: reading it whole grew the process to gigabytes.
  EXPECT_EQ(refusal("/dev/zero").message, "the admin token file must be a regular file, this is a character device");
}

TEST(AdminToken, FileOverTheSizeCapIsRefused) {
  testing::TempDir dir;
  Error error = refusal(write_private(dir, std::string(kMaxTokenFileBytes + 1, 'a')));
  EXPECT_EQ(error.message, "the admin token file is 4097 bytes; at most 4096 are read");
}

TEST(AdminToken, FromTheEnvironment) {
  ::setenv("HOTRELOAD_TEST_ADMIN_TOKEN", "env-token-0123456789\n", 1);
  auto token = token_from_env("HOTRELOAD_TEST_ADMIN_TOKEN");
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(*token, "env-token-0123456789");
  ::setenv("HOTRELOAD_TEST_ADMIN_TOKEN", "", 1);
  EXPECT_EQ(token_from_env("HOTRELOAD_TEST_ADMIN_TOKEN").value(), std::nullopt);
  ::unsetenv("HOTRELOAD_TEST_ADMIN_TOKEN");
  EXPECT_EQ(token_from_env("HOTRELOAD_TEST_ADMIN_TOKEN").value(), std::nullopt);
}

TEST(AdminToken, EnvironmentTokenFollowsTheFileRules) {
  const std::pair<const char*, const char*> cases[] = {
      {"x y", "HOTRELOAD_TEST_ADMIN_TOKEN: the admin token is 3 bytes; it needs at least 16 (e.g. openssl rand -hex 16)"},
      {"0123456789abcdef 0123456789abcdef",
       "HOTRELOAD_TEST_ADMIN_TOKEN: the admin token must be one line without spaces"},
  };
  for (const auto& [value, message] : cases) {
    ::setenv("HOTRELOAD_TEST_ADMIN_TOKEN", value, 1);
    auto token = token_from_env("HOTRELOAD_TEST_ADMIN_TOKEN");
    ASSERT_FALSE(token.has_value()) << value;
    EXPECT_EQ(token.error().code, ErrorCode::usage);
    EXPECT_EQ(token.error().message, message);
  }
  ::unsetenv("HOTRELOAD_TEST_ADMIN_TOKEN");
}

TEST(AdminAddress, ParsesHostAndPort) {
  auto v4 = parse_admin_address("127.0.0.1:8080");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->first, "127.0.0.1");
  EXPECT_EQ(v4->second, 8080);
  auto v6 = parse_admin_address("[::1]:0");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 0);
}

TEST(AdminAddress, InvalidAddressesAreUsageErrors) {
  for (const char* address : {"127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536", "127.0.0.1:-1"}) {
    auto parsed = parse_admin_address(address);
    ASSERT_FALSE(parsed.has_value()) << address;
    EXPECT_EQ(parsed.error().code, ErrorCode::usage) << address;
    EXPECT_NE(parsed.error().message.find(address), std::string::npos) << parsed.error().message;
  }
}

TEST(AdminAddress, LoopbackAddresses) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.1.2.3"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("10.0.0.1"));
  EXPECT_FALSE(is_loopback("::"));
  EXPECT_FALSE(is_loopback("example.com"));
}

TEST(AdminJson, OutcomeCarriesEveryField) {
  ReloadOutcome outcome;
  outcome.status = ReloadStatus::failed;
  outcome.reload_id = 4;
  outcome.generation = 2;
  outcome.errors = {{ErrorCode::vetoed, "no", {}, "a"}};
  outcome.failed_module = "pool";
  auto json = outcome_json(outcome);
  EXPECT_EQ(json.at("status"), "failed");
  EXPECT_EQ(json.at("reloadId"), 4);
  EXPECT_EQ(json.at("generation"), 2);
  EXPECT_EQ(json.at("errors").at(0).at("message"), "no");
  EXPECT_EQ(json.at("failedModule"), "pool");
  EXPECT_TRUE(json.at("skipReason").is_null());
  EXPECT_EQ(json.at("changes"), nlohmann::ordered_json::array());
}

TEST(AdminJson, FlagsWithoutSourcesIsAnEmptyObject) {
  EXPECT_EQ(flags_json(nullptr, nullptr), nlohmann::ordered_json::object());
}

}  // namespace
}  // namespace hotreload
