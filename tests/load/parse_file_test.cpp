#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it afterwards.
class ParseFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hotreload-parse-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  fs::path dir_;
};

TEST_F(ParseFile, ReadsEachFormatByItsExtension) {
  for (const char* name : {"c.yaml", "c.yml", "C.YAML"}) {
    Result<Document> doc = parse_file(write(name, "port: 80\n"));
    ASSERT_TRUE(doc) << name << ": " << doc.error().to_string();
    EXPECT_EQ(doc->sources[0].format, Format::yaml);
  }
  Result<Document> json = parse_file(write("c.json", "{\"port\": 80}"));
  ASSERT_TRUE(json) << json.error().to_string();
  EXPECT_EQ(json->sources[0].format, Format::json);
  Result<Document> toml = parse_file(write("c.toml", "port = 80\n"));
  ASSERT_TRUE(toml) << toml.error().to_string();
  EXPECT_EQ(toml->root.find_dotted("port")->as_int(), 80);
}

TEST_F(ParseFile, OriginsNameThePathAsGiven) {
  std::string path = write("app.yaml", "server:\n  port: 80\n");
  Result<Document> doc = parse_file(path);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->sources[0].name, path);
  EXPECT_EQ(doc->sources[0].layer, path);
  EXPECT_EQ(doc->location_of(doc->root.find_dotted("server.port")->origin).to_string(), path + ":2:9");
}

TEST_F(ParseFile, ForcedFormatOverridesTheExtension) {
  std::string path = write("settings.conf", "{\"a\": 1}");
  Result<Document> doc = parse_file(path, Format::json);
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root.find_dotted("a")->as_int(), 1);
  // Forced TOML reads the same text as TOML and fails as TOML.
  Result<Document> wrong = parse_file(path, Format::toml);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message.rfind("invalid TOML: ", 0), 0u) << wrong.error().message;
}

TEST_F(ParseFile, UnknownExtensionIsAUsageError) {
  std::string path = write("settings.conf", "a: 1\n");
  Result<Document> doc = parse_file(path);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::usage);
  EXPECT_EQ(doc.error().to_string(),
            path + ": cannot tell the format from the extension; use .yaml, .yml, .json or .toml");
}

TEST_F(ParseFile, MissingFileIsAnIoError) {
  std::string path = (dir_ / "absent.yaml").string();
  Result<Document> doc = parse_file(path);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::io);
  EXPECT_EQ(doc.error().to_string(), path + ": cannot read: No such file or directory");
}

TEST_F(ParseFile, UnreadableFileIsAnIoError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  std::string path = write("secret.yaml", "a: 1\n");
  fs::permissions(path, fs::perms::none);
  Result<Document> doc = parse_file(path);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().to_string(), path + ": cannot read: Permission denied");
}

TEST_F(ParseFile, PathThroughAFileIsAnIoError) {
  std::string path = write("plain.yaml", "a: 1\n") + "/inner.yaml";
  Result<Document> doc = parse_file(path);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::io);
  EXPECT_EQ(doc.error().to_string(), path + ": cannot read: Not a directory");
}

TEST_F(ParseFile, DirectoryIsNotARegularFile) {
  fs::create_directory(dir_ / "conf.d.yaml");
  std::string path = (dir_ / "conf.d.yaml").string();
  Result<Document> doc = parse_file(path);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::io);
  EXPECT_EQ(doc.error().to_string(), path + ": not a regular file");
}

TEST_F(ParseFile, FifoIsRefusedWithoutWaitingForAWriter) {
  std::string path = (dir_ / "pipe.yaml").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  Result<Document> doc = parse_file(path);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().to_string(), path + ": not a regular file");
}

TEST_F(ParseFile, FollowsSymlinks) {
  std::string target = write("real.yaml", "a: 1\n");
  fs::create_symlink(target, dir_ / "link.yaml");
  Result<Document> doc = parse_file((dir_ / "link.yaml").string());
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root.find_dotted("a")->as_int(), 1);
}

TEST_F(ParseFile, FileOverTheSizeLimitIsRefused) {
  ParseOptions options;
  options.limits.max_file_bytes = 10;
  std::string path = write("big.yaml", "a: 12345678901234567\n");  // 21 bytes
  Result<Document> doc = parse_file(path, std::nullopt, options);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::limit);
  EXPECT_EQ(doc.error().to_string(), path + ": file is 21 bytes, over the 10-byte limit");
  // Exactly at the limit is fine.
  options.limits.max_file_bytes = 21;
  EXPECT_TRUE(parse_file(path, std::nullopt, options));
}

TEST_F(ParseFile, EmptyFileIsAnErrorUnlessAllowed) {
  std::string path = write("empty.yaml", "");
  Result<Document> doc = parse_file(path);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::parse);
  EXPECT_EQ(doc.error().to_string(), path + ": file is empty");
  ParseOptions options;
  options.allow_empty = true;
  Result<Document> allowed = parse_file(path, std::nullopt, options);
  ASSERT_TRUE(allowed);
  EXPECT_TRUE(allowed->root.is_object());
  EXPECT_EQ(allowed->sources.size(), 1u);
}

TEST_F(ParseFile, ReadsALargeFileWhole) {
  std::string text;
  for (int i = 0; i < 5'000; ++i) text += "key" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  Result<Document> doc = parse_file(write("large.yaml", text));
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root.as_object().size(), 5'000u);
  EXPECT_EQ(doc->root.find_dotted("key4999")->as_int(), 4'999);
}

TEST(Parse, TextOverTheSizeLimitIsRefused) {
  ParseOptions options;
  options.limits.max_file_bytes = 4;
  Result<Document> doc = parse("a: 12\n", Format::yaml, "inline", options);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::limit);
  EXPECT_EQ(doc.error().to_string(), "inline: file is 6 bytes, over the 4-byte limit");
}

TEST(Parse, FormatNamesRoundTrip) {
  EXPECT_STREQ(to_string(Format::yaml), "yaml");
  EXPECT_STREQ(to_string(Format::json), "json");
  EXPECT_STREQ(to_string(Format::toml), "toml");
  EXPECT_EQ(parse_format("YML"), Format::yaml);
  EXPECT_EQ(parse_format("Json"), Format::json);
  EXPECT_EQ(parse_format("toml"), Format::toml);
  EXPECT_EQ(parse_format("ini"), std::nullopt);
  EXPECT_EQ(parse_format(""), std::nullopt);
}

TEST(Parse, FormatComesFromTheLastExtensionOfTheFileName) {
  EXPECT_EQ(format_from_path("/etc/app/config.yaml"), Format::yaml);
  EXPECT_EQ(format_from_path("config.prod.json"), Format::json);
  EXPECT_EQ(format_from_path("a.toml"), Format::toml);
  EXPECT_EQ(format_from_path("/etc/app.yaml/config"), std::nullopt);
  EXPECT_EQ(format_from_path("config"), std::nullopt);
  EXPECT_EQ(format_from_path("config.yaml.bak"), std::nullopt);
}

TEST(Parse, LocationOfAnUnknownSourceKeepsThePosition) {
  Document doc;
  EXPECT_EQ(doc.add_source(Source{"a.yaml", "base", Format::yaml}), 0u);
  EXPECT_EQ(doc.add_source(Source{"env", "env", std::nullopt}), 1u);
  EXPECT_EQ(doc.location_of(Origin{1, 0, 0}).to_string(), "env");
  EXPECT_EQ(doc.location_of(Origin{0, 3, 4}).to_string(), "a.yaml:3:4");
  EXPECT_EQ(doc.location_of(Origin{}).to_string(), "");
}

}  // namespace
}  // namespace hotreload
