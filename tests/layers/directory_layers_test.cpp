// Directory layers (the conf.d pattern): every matching file of a directory is a layer, in lexical
// order, listed afresh on every load. Real files and symlinks in a temporary directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "hotreload/layers.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;
using Entries = std::vector<std::pair<std::string, std::string>>;

class DirectoryLayers : public ::testing::Test {
 protected:
  Result<Document, Errors> load(std::string glob = "*.yaml", bool recursive = false, bool optional = false) {
    return load_layers({.files = {{.path = dir_.file("conf.d"), .optional = optional, .directory_glob = glob,
                                   .recursive = recursive}},
                        .environment = Environment{}});
  }
  std::string error_text(const Result<Document, Errors>& loaded) {
    return loaded ? std::string("(loaded)") : to_string(loaded.error());
  }
  testing::TempDir dir_;
};

TEST_F(DirectoryLayers, FilesAreLayersInLexicalOrder) {
  dir_.write("conf.d/20-tuning.yaml", "pool: 50\nlog: debug\n");
  dir_.write("conf.d/10-base.yaml", "pool: 10\nhost: db\n");
  dir_.write("conf.d/30-last.yaml", "log: warn\n");
  auto loaded = load();
  ASSERT_TRUE(loaded) << error_text(loaded);
  EXPECT_EQ(loaded->root.find_dotted("pool")->as_int(), 50);
  EXPECT_EQ(loaded->root.find_dotted("log")->as_string(), "warn");
  EXPECT_EQ(provenance(*loaded), (Entries{{"pool", dir_.file("conf.d/20-tuning.yaml")},
                                          {"host", dir_.file("conf.d/10-base.yaml")},
                                          {"log", dir_.file("conf.d/30-last.yaml")}}));
}

TEST_F(DirectoryLayers, OnlyMatchingVisibleFilesCount) {
  dir_.write("conf.d/app.yaml", "a: 1\n");
  dir_.write("conf.d/README.md", "not: [yaml\n");
  dir_.write("conf.d/.#app.yaml", "a: [broken\n");        // an editor's lock file
  dir_.write("conf.d/.hidden.yaml", "a: 2\n");
  dir_.write("conf.d/sub/inner.yaml", "a: 3\n");           // not recursive
  auto loaded = load();
  ASSERT_TRUE(loaded) << error_text(loaded);
  EXPECT_EQ(loaded->root.find_dotted("a")->as_int(), 1);
}

TEST_F(DirectoryLayers, RecursiveOrdersByRelativePathAndSkipsHiddenDirectories) {
  dir_.write("conf.d/a.yaml", "x: a\n");
  dir_.write("conf.d/b/c.yaml", "x: b/c\n");
  dir_.write("conf.d/.git/z.yaml", "x: hidden\n");
  auto loaded = load("*.yaml", true);
  ASSERT_TRUE(loaded) << error_text(loaded);
  EXPECT_EQ(loaded->root.find_dotted("x")->as_string(), "b/c");
}

TEST_F(DirectoryLayers, AnEmptyDirectoryAddsNothing) {
  fs::create_directories(dir_.file("conf.d"));
  auto loaded = load();
  ASSERT_TRUE(loaded) << error_text(loaded);
  EXPECT_TRUE(loaded->root.as_object().empty());
}

TEST_F(DirectoryLayers, AMissingDirectoryIsAnErrorUnlessOptional) {
  auto loaded = load();
  ASSERT_FALSE(loaded);
  ASSERT_EQ(loaded.error().size(), 1u);
  EXPECT_EQ(loaded.error()[0].code, ErrorCode::io);
  EXPECT_EQ(loaded.error()[0].location.file, dir_.file("conf.d"));
  EXPECT_NE(loaded.error()[0].message.find("cannot open the layer directory"), std::string::npos);

  auto optional = load("*.yaml", false, true);
  ASSERT_TRUE(optional) << error_text(optional);
  EXPECT_TRUE(optional->root.as_object().empty());
}

TEST_F(DirectoryLayers, AFileWhereTheDirectoryShouldBeIsAnError) {
  dir_.write("conf.d", "a: 1\n");
  auto loaded = load();
  ASSERT_FALSE(loaded);
  EXPECT_NE(error_text(loaded).find("not a directory"), std::string::npos) << error_text(loaded);
}

TEST_F(DirectoryLayers, ABadFileIsReportedWithItsPositionAndTheOthersStillChecked) {
  dir_.write("conf.d/10-good.yaml", "a: 1\n");
  dir_.write("conf.d/20-bad.yaml", "a: 1\nb: [2\n");
  dir_.write("conf.d/30-bad.json", "{\"c\": }");
  auto loaded = load("*");
  ASSERT_FALSE(loaded);
  ASSERT_EQ(loaded.error().size(), 2u) << error_text(loaded);
  EXPECT_EQ(loaded.error()[0].location.file, dir_.file("conf.d/20-bad.yaml"));
  EXPECT_GT(loaded.error()[0].location.line, 0u);
  EXPECT_EQ(loaded.error()[1].location.file, dir_.file("conf.d/30-bad.json"));
}

TEST_F(DirectoryLayers, ASymlinkOutOfTheDirectoryIsRefused) {
  std::string outside = dir_.write("secret.yaml", "token: outside\n");
  dir_.write("conf.d/app.yaml", "a: 1\n");
  fs::create_symlink(outside, dir_.file("conf.d/zz.yaml"));
  auto loaded = load();
  ASSERT_FALSE(loaded);
  ASSERT_EQ(loaded.error().size(), 1u) << error_text(loaded);
  EXPECT_EQ(loaded.error()[0].location.file, dir_.file("conf.d/zz.yaml"));
  EXPECT_NE(loaded.error()[0].message.find("escapes the directory"), std::string::npos);
}

TEST_F(DirectoryLayers, ASymlinkWithinTheDirectoryIsRead) {
  dir_.write("conf.d/shared/base.yaml", "a: 7\n");
  fs::create_symlink("shared/base.yaml", dir_.file("conf.d/base.yaml"));
  auto loaded = load();
  ASSERT_TRUE(loaded) << error_text(loaded);
  EXPECT_EQ(loaded->root.find_dotted("a")->as_int(), 7);
}

// A ConfigMap mounted as conf.d: each key a symlink into ..data, itself a symlink to the version.
TEST_F(DirectoryLayers, AKubernetesVolumeLoadsItsKeysOnly) {
  dir_.write("conf.d/..2026_12_01_00_00_00.1/10-base.yaml", "a: 1\n");
  dir_.write("conf.d/..2026_12_01_00_00_00.1/20-extra.yaml", "b: 2\n");
  fs::create_directory_symlink("..2026_12_01_00_00_00.1", dir_.file("conf.d/..data"));
  fs::create_symlink("..data/10-base.yaml", dir_.file("conf.d/10-base.yaml"));
  fs::create_symlink("..data/20-extra.yaml", dir_.file("conf.d/20-extra.yaml"));
  for (bool recursive : {false, true}) {
    auto loaded = load("*.yaml", recursive);
    ASSERT_TRUE(loaded) << error_text(loaded);
    EXPECT_EQ(loaded->root.find_dotted("a")->as_int(), 1);
    EXPECT_EQ(loaded->root.find_dotted("b")->as_int(), 2);
    EXPECT_EQ(provenance(*loaded).size(), 2u);
  }
}

TEST_F(DirectoryLayers, FilesComeAndGoBetweenLoads) {
  dir_.write("conf.d/10-base.yaml", "a: 1\n");
  auto first = load();
  ASSERT_TRUE(first) << error_text(first);
  EXPECT_EQ(first->root.find_dotted("a")->as_int(), 1);
  std::string extra = dir_.write("conf.d/20-extra.yaml", "a: 2\n");
  auto second = load();
  ASSERT_TRUE(second) << error_text(second);
  EXPECT_EQ(second->root.find_dotted("a")->as_int(), 2);
  fs::remove(extra);
  auto third = load();
  ASSERT_TRUE(third) << error_text(third);
  EXPECT_EQ(third->root.find_dotted("a")->as_int(), 1);
}

TEST_F(DirectoryLayers, MixesWithFileLayersInOrder) {
  std::string base = dir_.write("config.yaml", "a: base\nb: base\n");
  dir_.write("conf.d/x.yaml", "a: dir\n");
  std::string local = dir_.write("config.local.yaml", "b: local\n");
  auto loaded = load_layers({.files = {{.path = base},
                                       {.path = dir_.file("conf.d"), .name = "conf.d", .directory_glob = "*.yaml"},
                                       {.path = local}},
                             .environment = Environment{}});
  ASSERT_TRUE(loaded) << error_text(loaded);
  EXPECT_EQ(provenance(*loaded), (Entries{{"a", "conf.d/x.yaml"}, {"b", local}}));
}

}  // namespace
}  // namespace hotreload
