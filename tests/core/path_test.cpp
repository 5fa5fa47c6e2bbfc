#include "hotreload/path.hpp"

#include <gtest/gtest.h>

namespace hotreload {
namespace {

TEST(Path, DottedJoinsKeysAndIndices) {
  EXPECT_EQ(to_dotted({std::string("servers"), std::size_t{0}, std::string("port")}), "servers[0].port");
  EXPECT_EQ(to_dotted({std::string("database"), std::string("max_conns")}), "database.max_conns");
  EXPECT_EQ(to_dotted({}), "");
}

TEST(Path, KeysWithDotsAreQuoted) {
  Path path{std::string("labels"), std::string("app.kubernetes.io/name")};
  EXPECT_EQ(to_dotted(path), "labels[\"app.kubernetes.io/name\"]");
  EXPECT_EQ(parse_dotted(to_dotted(path)), path);
  EXPECT_EQ(to_dotted({std::string("")}), "[\"\"]");
}

TEST(Path, ParseDottedRoundTrips) {
  for (const char* text : {"a", "a.b.c", "a[0]", "a[10].b[2][3].c", "[\"x.y\"].z"}) {
    auto path = parse_dotted(text);
    ASSERT_TRUE(path.has_value()) << text;
    EXPECT_EQ(to_dotted(*path), text);
  }
}

TEST(Path, ParseDottedRejectsMalformed) {
  for (const char* text : {".a", "a.", "a..b", "a[", "a[x]", "a[0]b", "a[\"x\"", "a]"}) {
    EXPECT_FALSE(parse_dotted(text).has_value()) << text;
  }
}

TEST(Path, JsonPointerUnescapesAndReadsIndices) {
  auto path = parse_json_pointer("/a~1b/0/c~0d");
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(*path, (Path{std::string("a/b"), std::size_t{0}, std::string("c~d")}));
  EXPECT_EQ(parse_json_pointer(""), Path{});
  EXPECT_FALSE(parse_json_pointer("a/b").has_value());
}

TEST(Path, PrefixMatchesWholeSegmentsOnly) {
  EXPECT_TRUE(path_has_prefix("database.host", "database"));
  EXPECT_TRUE(path_has_prefix("database", "database"));
  EXPECT_TRUE(path_has_prefix("servers[0].port", "servers"));
  EXPECT_FALSE(path_has_prefix("databases.host", "database"));
  EXPECT_TRUE(path_has_prefix("anything", ""));
}

}  // namespace
}  // namespace hotreload
