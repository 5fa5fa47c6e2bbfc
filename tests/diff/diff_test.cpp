#include "hotreload/diff.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

Value yaml(std::string_view text, std::string_view name = "test.yaml") {
  Result<Document> parsed = parse(text, Format::yaml, name);
  if (!parsed) {
    ADD_FAILURE() << parsed.error().to_string();
    return Value();
  }
  return std::move(parsed->root);
}

// The changes as `hotreload diff` lines, prefixed with their op, for whole-list comparisons.
std::vector<std::string> lines(const std::vector<Change>& changes) {
  std::vector<std::string> out;
  for (const Change& change : changes) out.push_back(std::string(to_string(change.op)) + " " + to_line(change));
  return out;
}

using Lines = std::vector<std::string>;

TEST(Diff, ModifiedScalarCarriesBothValues) {
  std::vector<Change> changes = diff(yaml("database:\n  max_conns: 100\n"), yaml("database:\n  max_conns: 200\n"));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, "database.max_conns");
  EXPECT_EQ(changes[0].op, ChangeOp::modified);
  EXPECT_EQ(changes[0].old_value, Value(100));
  EXPECT_EQ(changes[0].new_value, Value(200));
  EXPECT_FALSE(changes[0].secret);
  EXPECT_EQ(to_line(changes[0]), "database.max_conns: 100 -> 200");
}

TEST(Diff, AddedKeyHasNoOldValue) {
  std::vector<Change> changes = diff(yaml("a: 1\n"), yaml("a: 1\nb: x\n"));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].op, ChangeOp::added);
  EXPECT_FALSE(changes[0].old_value.has_value());
  EXPECT_EQ(changes[0].new_value, Value("x"));
  EXPECT_EQ(to_line(changes[0]), "b: (absent) -> \"x\"");
}

TEST(Diff, RemovedKeyHasNoNewValue) {
  std::vector<Change> changes = diff(yaml("a: 1\nb: true\n"), yaml("a: 1\n"));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].op, ChangeOp::removed);
  EXPECT_EQ(changes[0].old_value, Value(true));
  EXPECT_FALSE(changes[0].new_value.has_value());
  EXPECT_EQ(to_line(changes[0]), "b: true -> (absent)");
}

TEST(Diff, AddedMapIsOneChangeWithTheWholeMap) {
  std::vector<Change> changes = diff(yaml("a: 1\n"), yaml("a: 1\ncache:\n  size: 10\n  ttl: 5\n"));
  EXPECT_EQ(lines(changes), (Lines{R"(added cache: (absent) -> {"size":10,"ttl":5})"}));
}

TEST(Diff, NestedMapsReportFullPaths) {
  std::vector<Change> changes = diff(yaml("a:\n  b:\n    c: 1\n    d: 2\n"), yaml("a:\n  b:\n    c: 1\n    d: 3\n    e: 4\n"));
  EXPECT_EQ(lines(changes), (Lines{"modified a.b.d: 2 -> 3", "added a.b.e: (absent) -> 4"}));
}

TEST(Diff, ArraysOfMapsReportIndexPaths) {
  std::vector<Change> changes = diff(yaml("servers:\n  - {host: a, port: 1}\n  - {host: b, port: 2}\n"),
                                     yaml("servers:\n  - {host: a, port: 1}\n  - {host: b, port: 3}\n"));
  EXPECT_EQ(lines(changes), (Lines{"modified servers[1].port: 2 -> 3"}));
}

TEST(Diff, ArrayElementsAreAddedAndRemovedAtTheirIndex) {
  EXPECT_EQ(lines(diff(yaml("xs: [1, 2]\n"), yaml("xs: [1, 5, 3, 4]\n"))),
            (Lines{"modified xs[1]: 2 -> 5", "added xs[2]: (absent) -> 3", "added xs[3]: (absent) -> 4"}));
  EXPECT_EQ(lines(diff(yaml("xs: [1, 2, 3]\n"), yaml("xs: [1]\n"))),
            (Lines{"removed xs[1]: 2 -> (absent)", "removed xs[2]: 3 -> (absent)"}));
}

TEST(Diff, KindChangeIsOneModificationWithWholeValues) {
  EXPECT_EQ(lines(diff(yaml("log:\n  level: info\n"), yaml("log: debug\n"))),
            (Lines{R"(modified log: {"level":"info"} -> "debug")"}));
  EXPECT_EQ(lines(diff(yaml("ratio: 1\n"), yaml("ratio: 1.0\n"))), (Lines{"modified ratio: 1 -> 1.0"}));
  EXPECT_EQ(lines(diff(yaml("xs: [1]\n"), yaml("xs: {a: 1}\n"))), (Lines{R"(modified xs: [1] -> {"a":1})"}));
}

TEST(Diff, EqualDocumentsHaveNoChanges) {
  // Same content at other positions in another file: origins do not count.
  EXPECT_TRUE(diff(yaml("a: 1\nb: [1, {c: .nan}]\n", "one.yaml"),
                   yaml("\n\na:    1\nb:\n  - 1\n  - c: .nan\n", "two.yaml"))
                  .empty());
}

TEST(Diff, ReorderedKeysAreNoChange) {
  EXPECT_TRUE(diff(yaml("a: 1\nb: 2\nc: 3\n"), yaml("c: 3\na: 1\nb: 2\n")).empty());
}

TEST(Diff, FollowsTheNewDocumentWithRemovalsWhereTheyStood) {
  std::vector<Change> changes = diff(yaml("a: 1\ngone1: 0\nb: 2\ngone2: 0\nc: 3\n"),
                                     yaml("new1: 0\na: 10\nb: 2\nnew2: 0\nc: 30\nnew3: 0\n"));
  EXPECT_EQ(lines(changes), (Lines{
                                "added new1: (absent) -> 0",
                                "modified a: 1 -> 10",
                                "removed gone1: 0 -> (absent)",
                                "added new2: (absent) -> 0",
                                "removed gone2: 0 -> (absent)",
                                "modified c: 3 -> 30",
                                "added new3: (absent) -> 0",
                            }));
}

TEST(Diff, RemovalsAtTheEndAreListedLast) {
  EXPECT_EQ(lines(diff(yaml("a: 1\nb: 2\nz: 0\n"), yaml("b: 3\na: 1\n"))),
            (Lines{"modified b: 2 -> 3", "removed z: 0 -> (absent)"}));
}

TEST(Diff, SecretValuesAreRedactedWhenDisplayed) {
  std::vector<Change> changes = diff(yaml("db:\n  password: old-pw\n  token: t\n"), yaml("db:\n  password: new-pw\n"));
  ASSERT_EQ(changes.size(), 2u);
  for (Change& change : changes) change.secret = true;
  EXPECT_EQ(display_old(changes[0]), "<redacted>");
  EXPECT_EQ(display_new(changes[0]), "<redacted>");
  EXPECT_EQ(to_line(changes[0]), "db.password: <redacted> -> <redacted>");
  EXPECT_EQ(to_line(changes[1]), "db.token: <redacted> -> (absent)");
  // The values stay available to code that is allowed to see them.
  EXPECT_EQ(changes[0].new_value, Value("new-pw"));
}

TEST(Diff, KeysThatNeedQuotesAreQuotedInPaths) {
  std::vector<Change> changes =
      diff(yaml("labels:\n  app.kubernetes.io/name: a\n"), yaml("labels:\n  app.kubernetes.io/name: b\n  \"\": c\n"));
  EXPECT_EQ(lines(changes), (Lines{R"(modified labels["app.kubernetes.io/name"]: "a" -> "b")",
                                   R"(added labels[""]: (absent) -> "c")"}));
}

TEST(Diff, ChangeOfTheRootItself) {
  EXPECT_EQ(lines(diff(Value(1), Value("x"))), (Lines{R"(modified (root): 1 -> "x")"}));
}

TEST(Diff, OpsHaveStableNames) {
  EXPECT_STREQ(to_string(ChangeOp::added), "added");
  EXPECT_STREQ(to_string(ChangeOp::removed), "removed");
  EXPECT_STREQ(to_string(ChangeOp::modified), "modified");
}

}  // namespace
}  // namespace hotreload
