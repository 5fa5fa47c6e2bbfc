// FlagdDefinitions::merge: several flag files served as one, as flagd merges its sources.
#include <gtest/gtest.h>

#include "hotreload/flagd.hpp"

namespace hotreload {
namespace {

FlagdDefinitions parse(std::string_view text, std::string_view name) {
  auto parsed = FlagdDefinitions::parse(text, name);
  EXPECT_TRUE(parsed.has_value());
  return parsed ? std::move(*parsed) : FlagdDefinitions();
}

constexpr std::string_view kBase = R"({
  "metadata": {"env": "base", "owner": "ops"},
  "$evaluators": {"staff": {"ends_with": [{"var": "email"}, "@corp.com"]}},
  "flags": {
    "a": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
          "targeting": {"if": [{"$ref": "staff"}, "on"]}},
    "b": {"state": "ENABLED", "variants": {"x": "base-b"}, "defaultVariant": "x"}
  }
})";
constexpr std::string_view kOverride = R"({
  "metadata": {"env": "prod"},
  "flags": {
    "b": {"state": "ENABLED", "variants": {"y": "override-b"}, "defaultVariant": "y"},
    "c": {"state": "ENABLED", "variants": {"z": 3}, "defaultVariant": "z"}
  }
})";

TEST(FlagdMerge, LaterSetReplacesAFlagOfTheSameKeyInItsPlace) {
  FlagdStore store(FlagdDefinitions::merge({parse(kBase, "base.json"), parse(kOverride, "override.json")}));
  auto view = store.view();
  EXPECT_EQ(view.keys(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(view.evaluate_string("b", "").value, "override-b");
  EXPECT_EQ(view.evaluate_integer("c", 0).value, 3);
  // "a" still runs its own file's $evaluators.
  EXPECT_TRUE(view.evaluate_boolean("a", false, {.attributes = {{"email", "x@corp.com"}}}).value);
}

TEST(FlagdMerge, EachFlagKeepsItsOwnSetsMetadataAndSetsMergeLaterFirst) {
  FlagdStore store(FlagdDefinitions::merge({parse(kBase, "base.json"), parse(kOverride, "override.json")}));
  auto view = store.view();
  EXPECT_EQ(view.metadata(), nlohmann::json::parse(R"({"env": "prod", "owner": "ops"})"));
  EXPECT_EQ(*view.evaluate_boolean("a", false).metadata, nlohmann::json::parse(R"({"env": "base", "owner": "ops"})"));
  EXPECT_EQ(*view.evaluate_string("b", "").metadata, nlohmann::json::parse(R"({"env": "prod"})"));
}

TEST(FlagdMerge, NothingToMergeIsAnEmptySet) {
  auto merged = FlagdDefinitions::merge({});
  EXPECT_EQ(merged.size(), 0u);
  FlagdStore store(merged);
  EXPECT_EQ(store.view().evaluate_boolean("a", true).error, ResolutionError::flag_not_found);
}

}  // namespace
}  // namespace hotreload
