// Tokens, constant-time comparison, listen addresses and the admin JSON bodies.
#include <gtest/gtest.h>

#include <stdlib.h>

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

TEST(AdminToken, FileIsTrimmed) {
  testing::TempDir dir;
  auto token = read_token_file(dir.write("token", "  abc123\n"));
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(*token, "abc123");
}

TEST(AdminToken, MissingFileIsAnIoErrorNamingThePath) {
  testing::TempDir dir;
  auto token = read_token_file(dir.file("absent"));
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, ErrorCode::io);
  EXPECT_EQ(token.error().location.file, dir.file("absent"));
}

TEST(AdminToken, EmptyFileIsRefused) {
  testing::TempDir dir;
  auto token = read_token_file(dir.write("token", " \n"));
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, ErrorCode::usage);
  EXPECT_NE(token.error().message.find("empty"), std::string::npos);
}

TEST(AdminToken, TwoWordsAreRefusedWithoutEchoingThem) {
  testing::TempDir dir;
  auto token = read_token_file(dir.write("token", "first-half second-half\n"));
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().to_string().find("first-half"), std::string::npos);
}

TEST(AdminToken, FromTheEnvironment) {
  ::setenv("HOTRELOAD_TEST_ADMIN_TOKEN", "env-token\n", 1);
  EXPECT_EQ(token_from_env("HOTRELOAD_TEST_ADMIN_TOKEN"), "env-token");
  ::setenv("HOTRELOAD_TEST_ADMIN_TOKEN", "", 1);
  EXPECT_EQ(token_from_env("HOTRELOAD_TEST_ADMIN_TOKEN"), std::nullopt);
  ::unsetenv("HOTRELOAD_TEST_ADMIN_TOKEN");
  EXPECT_EQ(token_from_env("HOTRELOAD_TEST_ADMIN_TOKEN"), std::nullopt);
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
