#include "hotreload/value.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "hotreload/error.hpp"

namespace hotreload {
namespace {

TEST(Value, ObjectKeepsInsertionOrderAndReplacesInPlace) {
  Object object;
  object.insert_or_assign("b", Value(1));
  object.insert_or_assign("a", Value(2));
  object.insert_or_assign("b", Value(3));
  ASSERT_EQ(object.size(), 2u);
  EXPECT_EQ(object.begin()->first, "b");
  EXPECT_EQ(*object.find("b"), Value(3));
  EXPECT_TRUE(object.erase("b"));
  EXPECT_FALSE(object.contains("b"));
  EXPECT_FALSE(object.erase("b"));
}

TEST(Value, LargeObjectsStayFindableAcrossCopiesAndErase) {
  Object object;
  for (int i = 0; i < 100; ++i) object.insert_or_assign("k" + std::to_string(i), Value(i));
  Object copy = object;
  EXPECT_TRUE(copy.erase("k10"));
  EXPECT_EQ(*copy.find("k99"), Value(99));
  EXPECT_EQ(copy.find("k10"), nullptr);
  EXPECT_EQ(*object.find("k10"), Value(10));
}

TEST(Value, InsertIfAbsentAppendsOnlyNewKeysAndLeavesTheArgumentsOnRefusal) {
  for (std::size_t size : {std::size_t{3}, std::size_t{40}}) {  // below and above the hashed index
    Object object;
    object.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
      std::string key = "key" + std::to_string(i);
      Value value(static_cast<std::int64_t>(i));
      ASSERT_TRUE(object.insert_if_absent(std::move(key), std::move(value)));
    }
    std::string again = "key1";
    Value refused("kept");
    EXPECT_FALSE(object.insert_if_absent(std::move(again), std::move(refused)));
    EXPECT_EQ(again, "key1");
    EXPECT_EQ(refused, Value("kept"));
    EXPECT_EQ(object.size(), size);
    EXPECT_EQ(*object.find("key1"), Value(1));
    EXPECT_EQ(*object.find(std::string_view("key2")), Value(2));
    EXPECT_EQ(object.find("key" + std::to_string(size)), nullptr);
  }
}

TEST(Value, AdoptUniqueTakesTheEntriesWholeAndRefusesARepeatedKey) {
  for (std::size_t size : {std::size_t{3}, std::size_t{40}}) {  // below and above the hashed index
    std::vector<Object::Entry> entries;
    for (std::size_t i = 0; i < size; ++i) entries.emplace_back("key" + std::to_string(i), Value(static_cast<std::int64_t>(i)));
    const Value* first = &entries.front().second;
    Object object;
    ASSERT_TRUE(object.adopt_unique(std::move(entries)));
    EXPECT_EQ(&object.begin()->second, first) << "the entries were moved, not adopted";
    EXPECT_EQ(object.size(), size);
    EXPECT_EQ(*object.find("key1"), Value(1));
    EXPECT_EQ(*object.find("key" + std::to_string(size - 1)), Value(static_cast<std::int64_t>(size - 1)));
    EXPECT_EQ(object.find("key" + std::to_string(size)), nullptr);

    std::vector<Object::Entry> repeated;
    for (std::size_t i = 0; i < size; ++i) repeated.emplace_back("key" + std::to_string(i), Value(nullptr));
    repeated.emplace_back("key" + std::to_string(size / 2), Value(nullptr));  // a key seen before
    Object refused;
    EXPECT_FALSE(refused.adopt_unique(std::move(repeated)));
    EXPECT_TRUE(refused.empty());
  }
  // Keys differing only after their first byte, or only in length, are different keys.
  std::vector<Object::Entry> alike;
  for (const char* key : {"a", "ab", "abc", "b", "", "ba"}) alike.emplace_back(key, Value(key));
  Object object;
  ASSERT_TRUE(object.adopt_unique(std::move(alike)));
  EXPECT_EQ(*object.find(""), Value(""));
  EXPECT_EQ(*object.find("ab"), Value("ab"));
}

TEST(Value, EqualityIgnoresOriginsButNotKinds) {
  Value a(std::int64_t{1});
  Value b(std::int64_t{1});
  b.origin = {0, 3, 4};
  EXPECT_EQ(a, b);
  EXPECT_NE(Value(1), Value(1.0));
}

TEST(Value, FindWalksDottedPaths) {
  Object server;
  server.insert_or_assign("port", Value(80));
  Object root;
  root.insert_or_assign("servers", Value(Array{Value(server)}));
  Value doc(root);
  ASSERT_NE(doc.find_dotted("servers[0].port"), nullptr);
  EXPECT_EQ(*doc.find_dotted("servers[0].port"), Value(80));
  EXPECT_EQ(doc.find_dotted("servers[1].port"), nullptr);
  EXPECT_EQ(doc.find_dotted("servers.port"), nullptr);
  EXPECT_EQ(doc.node_count(), 4u);
}

TEST(Value, JsonTextIsCompact) {
  Object root;
  root.insert_or_assign("name", Value("x\"y"));
  root.insert_or_assign("list", Value(Array{Value(1), Value(2.5), Value(nullptr), Value(true)}));
  EXPECT_EQ(to_json_text(Value(root)), R"({"name":"x\"y","list":[1,2.5,null,true]})");
}

TEST(Error, FormatsLocationPathAndMessage) {
  Error error{ErrorCode::type, "expected integer, got string \"ten\"", {"config.yaml", 12, 7}, "database.max_conns"};
  EXPECT_EQ(error.to_string(), "config.yaml:12:7: database.max_conns: expected integer, got string \"ten\"");
  EXPECT_EQ((Error{ErrorCode::io, "cannot read: No such file or directory", {"a.yaml", 0, 0}, ""}).to_string(),
            "a.yaml: cannot read: No such file or directory");
  EXPECT_EQ((Error{ErrorCode::validation, "too small", {}, "x"}).to_string(), "x: too small");
}

}  // namespace
}  // namespace hotreload
