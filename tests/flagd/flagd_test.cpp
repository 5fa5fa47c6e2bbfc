// FlagdStore and FlagdDefinitions: typed evaluation with OpenFeature's reasons and error codes,
// validation errors with positions, and last-known-good on a bad file.
#include "hotreload/flagd.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

using J = nlohmann::json;

constexpr std::string_view kFlags = R"({
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "metadata": {"team": "payments", "version": 1},
  "flags": {
    "new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on",
                     "metadata": {"version": 2, "owner": "ann"}},
    "greeting": {"state": "ENABLED", "variants": {"hi": "hello", "yo": "hey"}, "defaultVariant": "hi",
                 "targeting": {"if": [{"$ref": "is_staff"}, "yo"]}},
    "page-size": {"state": "ENABLED", "variants": {"small": 10, "big": 100}, "defaultVariant": "small",
                  "targeting": {"if": [{">=": [{"var": "age"}, 18]}, "big", null]}},
    "ratio": {"state": "ENABLED", "variants": {"low": 0.25, "whole": 2.0, "one": 1}, "defaultVariant": "low",
              "targeting": {"if": [{"var": "whole"}, "whole"]}},
    "theme": {"state": "ENABLED", "variants": {"dark": {"bg": "black"}, "light": {"bg": "white"}}, "defaultVariant": "light"},
    "off-flag": {"state": "DISABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
    "no-default": {"state": "ENABLED", "variants": {"a": "A", "b": "B"}},
    "own-key": {"state": "ENABLED", "variants": {"own-key": "mine", "other": "theirs"}, "defaultVariant": "other",
                "targeting": {"var": "$flagd.flagKey"}},
    "bad-result": {"state": "ENABLED", "variants": {"a": "A"}, "defaultVariant": "a",
                   "targeting": {"var": "pick"}},
    "by-bool": {"state": "ENABLED", "variants": {"true": "yes", "false": "no"}, "defaultVariant": "false",
                "targeting": {"==": [{"var": "plan"}, "pro"]}}
  },
  "$evaluators": {"is_staff": {"ends_with": [{"var": "email"}, "@example.com"]}}
})";

void load_flags(FlagdStore& store, std::string_view text = kFlags) {
  auto result = store.load(text, "flags.json");
  ASSERT_TRUE(result) << to_string(result.error());
}

Errors errors_of(std::string_view text, FlagdOptions options = {}) {
  auto result = FlagdDefinitions::parse(text, "flags.json", Format::json, options);
  EXPECT_FALSE(result) << "expected errors for " << text;
  return result ? Errors{} : result.error();
}

std::string first_error(std::string_view text, FlagdOptions options = {}) {
  Errors errors = errors_of(text, options);
  return errors.empty() ? "" : errors.front().to_string();
}

TEST(Flagd, StaticFlagsResolveTheirDefaultVariant) {
  FlagdStore store;
  load_flags(store);
  auto view = store.view();
  auto checkout = view.evaluate_boolean("new-checkout", false);
  EXPECT_TRUE(checkout.value);
  EXPECT_EQ(checkout.variant, "on");
  EXPECT_EQ(checkout.reason, Reason::static_);
  EXPECT_EQ(checkout.error, ResolutionError::none);
  auto theme = view.evaluate_object("theme", J::object());
  EXPECT_EQ(theme.value, (J{{"bg", "white"}}));
  EXPECT_EQ(theme.reason, Reason::static_);
  EXPECT_EQ(view.evaluate_integer("page-size", 0).value, 10);
  EXPECT_EQ(view.evaluate_float("ratio", 0).value, 0.25);
  EXPECT_EQ(store.string_value("greeting", "x"), "hello");
  EXPECT_EQ(store.object_value("theme", J()), (J{{"bg", "white"}}));
}

TEST(Flagd, TargetingChoosesVariantsAndFallsBackToTheDefault) {
  FlagdStore store;
  load_flags(store);
  auto view = store.view();
  auto staff = view.evaluate_string("greeting", "x", {.attributes = {{"email", "bob@example.com"}}});
  EXPECT_EQ(staff.value, "hey");
  EXPECT_EQ(staff.variant, "yo");
  EXPECT_EQ(staff.reason, Reason::targeting_match);
  auto guest = view.evaluate_string("greeting", "x", {.attributes = {{"email", "bob@elsewhere.org"}}});
  EXPECT_EQ(guest.value, "hello");  // if without an else: null, so the default variant
  EXPECT_EQ(guest.reason, Reason::default_);
  EXPECT_EQ(view.evaluate_string("greeting", "x").reason, Reason::default_);  // ends_with of null: null
  auto adult = view.evaluate_integer("page-size", 0, {.attributes = {{"age", 30}}});
  EXPECT_EQ(adult.value, 100);
  EXPECT_EQ(adult.reason, Reason::targeting_match);
  EXPECT_EQ(view.evaluate_integer("page-size", 0, {.attributes = {{"age", 12}}}).reason, Reason::default_);
  EXPECT_EQ(view.evaluate_string("own-key", "x").value, "mine");  // $flagd.flagKey is injected
}

TEST(Flagd, BooleanAndNumberResultsNameVariantsByTheirText) {
  FlagdStore store;
  load_flags(store);
  EXPECT_EQ(store.string_value("by-bool", "x", {.attributes = {{"plan", "pro"}}}), "yes");
  EXPECT_EQ(store.string_value("by-bool", "x", {.attributes = {{"plan", "free"}}}), "no");
}

TEST(Flagd, UnknownFlagIsFlagNotFoundWithTheCallersDefault) {
  FlagdStore store;
  load_flags(store);
  auto resolution = store.view().evaluate_boolean("nope", true);
  EXPECT_TRUE(resolution.value);
  EXPECT_EQ(resolution.variant, "");
  EXPECT_EQ(resolution.reason, Reason::error);
  EXPECT_EQ(resolution.error, ResolutionError::flag_not_found);
  EXPECT_EQ(resolution.error_message, "flag \"nope\" not found");
  EXPECT_EQ(std::string(to_string(resolution.error)), "FLAG_NOT_FOUND");
}

TEST(Flagd, WrongTypeIsTypeMismatchWithTheCallersDefault) {
  FlagdStore store;
  load_flags(store);
  auto view = store.view();
  auto resolution = view.evaluate_integer("greeting", 13);
  EXPECT_EQ(resolution.value, 13);
  EXPECT_EQ(resolution.reason, Reason::error);
  EXPECT_EQ(resolution.error, ResolutionError::type_mismatch);
  EXPECT_EQ(resolution.error_message, "flag \"greeting\" is string, not integer");
  EXPECT_EQ(view.evaluate_boolean("page-size", false).error, ResolutionError::type_mismatch);
  EXPECT_EQ(view.evaluate_object("greeting", J{{"d", 1}}).value, (J{{"d", 1}}));
  // Numbers convert where nothing is lost: integers as floats, whole floats as integers.
  EXPECT_EQ(view.evaluate_float("page-size", 0).value, 10.0);
  EXPECT_EQ(view.evaluate_integer("ratio", 7, {.attributes = {{"whole", true}}}).value, 2);
  EXPECT_EQ(view.evaluate_integer("ratio", 7).error, ResolutionError::type_mismatch);  // 0.25
}

TEST(Flagd, DisabledFlagReturnsTheCallersDefault) {
  FlagdStore store;
  load_flags(store);
  auto resolution = store.view().evaluate_boolean("off-flag", false);
  EXPECT_FALSE(resolution.value);
  EXPECT_EQ(resolution.variant, "");
  EXPECT_EQ(resolution.reason, Reason::disabled);
  EXPECT_EQ(resolution.error, ResolutionError::none);
}

TEST(Flagd, FlagWithoutDefaultVariantReturnsTheCallersDefault) {
  FlagdStore store;
  load_flags(store);
  auto resolution = store.view().evaluate_string("no-default", "mine");
  EXPECT_EQ(resolution.value, "mine");
  EXPECT_EQ(resolution.reason, Reason::default_);
  EXPECT_EQ(resolution.error, ResolutionError::none);
}

TEST(Flagd, TargetingNamingAnUnknownVariantIsAGeneralError) {
  FlagdStore store;
  load_flags(store);
  auto resolution = store.view().evaluate_string("bad-result", "dflt", {.attributes = {{"pick", "zzz"}}});
  EXPECT_EQ(resolution.value, "dflt");
  EXPECT_EQ(resolution.reason, Reason::error);
  EXPECT_EQ(resolution.error, ResolutionError::general);
  EXPECT_EQ(resolution.error_message, "flag \"bad-result\": targeting returned \"zzz\", which is not one of its variants");
}

TEST(Flagd, MetadataIsTheFlagsOverTheSets) {
  FlagdStore store;
  load_flags(store);
  auto view = store.view();
  auto resolution = view.evaluate_boolean("new-checkout", false);
  ASSERT_NE(resolution.metadata, nullptr);
  EXPECT_EQ(*resolution.metadata, (J{{"team", "payments"}, {"version", 2}, {"owner", "ann"}}));
  EXPECT_EQ(*view.evaluate_string("greeting", "").metadata, (J{{"team", "payments"}, {"version", 1}}));
  EXPECT_EQ(view.metadata(), (J{{"team", "payments"}, {"version", 1}}));
  EXPECT_EQ(*view.evaluate_boolean("nope", false).metadata, view.metadata());
}

TEST(Flagd, GenericEvaluationUsesTheFlagsOwnType) {
  FlagdStore store;
  load_flags(store);
  auto view = store.view();
  EXPECT_EQ(view.evaluate("page-size", std::nullopt, nullptr).value, 10);
  EXPECT_EQ(view.evaluate("theme", std::nullopt, nullptr).value, (J{{"bg", "white"}}));
  EXPECT_EQ(view.evaluate("page-size", FlagType::string, "d").error, ResolutionError::type_mismatch);
  EXPECT_EQ(view.type_of("ratio"), FlagType::floating);
  EXPECT_EQ(view.type_of("nope"), std::nullopt);
  EXPECT_EQ(view.keys().front(), "new-checkout");  // file order
  EXPECT_EQ(view.size(), 10u);
}

TEST(Flagd, LoadSwapsEverythingAndAViewKeepsItsVersion) {
  FlagdStore store;
  load_flags(store);
  auto before = store.view();
  EXPECT_EQ(store.version(), 2u);
  ASSERT_TRUE(store.load(R"({"flags": {"only": {"state": "ENABLED", "variants": {"a": "A"}, "defaultVariant": "a"}}})",
                         "next.json"));
  EXPECT_EQ(store.version(), 3u);
  EXPECT_EQ(store.view().size(), 1u);
  EXPECT_EQ(store.view().evaluate_boolean("new-checkout", false).error, ResolutionError::flag_not_found);
  EXPECT_TRUE(before.evaluate_boolean("new-checkout", false).value);  // the old view still sees the old flags
}

TEST(Flagd, InvalidFileKeepsThePreviousFlagsLive) {
  FlagdStore store;
  load_flags(store);
  auto result = store.load(R"({"flags": {"new-checkout": {"state": "ON", "variants": {"on": true}}}})", "flags.json");
  ASSERT_FALSE(result);
  EXPECT_EQ(to_string(result.error()), "flags.json:1:38: flags.new-checkout.state: expected \"ENABLED\" or \"DISABLED\", got string \"ON\"\n");
  EXPECT_EQ(store.version(), 2u);
  auto resolution = store.view().evaluate_boolean("new-checkout", false);
  EXPECT_TRUE(resolution.value);
  EXPECT_EQ(resolution.reason, Reason::static_);
  EXPECT_FALSE(store.load("{\"flags\": {", "flags.json"));
  EXPECT_TRUE(store.boolean_value("new-checkout", false));
}

TEST(Flagd, SyntaxErrorsArePositioned) {
  Errors errors = errors_of("{\n  \"flags\": {,\n}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, ErrorCode::parse);
  EXPECT_EQ(errors[0].location.line, 2u);
}

TEST(Flagd, StructureErrorsNameTheKeyAndPosition) {
  EXPECT_EQ(first_error(R"({"$evaluators": {}})"), "flags.json:1:1: missing required key \"flags\"");
  EXPECT_EQ(first_error(R"({"flags": []})"), "flags.json:1:11: flags: expected a map of flag keys to flags, got array");
  EXPECT_EQ(first_error(R"({"flags": {"f": true}})"),
            "flags.json:1:17: flags.f: expected a flag (a map with state and variants), got boolean true");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"variants": {"a": 1}}}})"), "flags.json:1:17: flags.f: missing required key \"state\"");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED"}}})"), "flags.json:1:17: flags.f: missing required key \"variants\"");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {}}}})"),
            "flags.json:1:50: flags.f.variants: expected a non-empty map of variant names to values, got map");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": null}}}})"),
            "flags.json:1:56: flags.f.variants.a: a variant must be a boolean, string, number or object, got null null");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": [1]}}}})"),
            "flags.json:1:56: flags.f.variants.a: a variant must be a boolean, string, number or object, got array");
  EXPECT_EQ(first_error("{\"flags\": {\"f\": {\"state\": \"ENABLED\",\n \"variants\": {\"a\": true, \"b\": \"x\"}}}}"),
            "flags.json:2:31: flags.f.variants.b: all variants of a flag must have one type: this one is string, "
            "the first (line 2) is boolean");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "b"}}})"),
            "flags.json:1:78: flags.f.defaultVariant: unknown variant \"b\" (variants: a)");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": 1}}})"),
            "flags.json:1:78: flags.f.defaultVariant: expected the name of a variant (or null), got integer 1");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "targeting": "x"}}})"),
            "flags.json:1:73: flags.f.targeting: expected a JSONLogic rule (a map), got string \"x\"");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "metadata": {"m": [1]}}}})"),
            "flags.json:1:78: flags.f.metadata.m: metadata values must be strings, numbers or booleans, got array");
  EXPECT_EQ(first_error(R"({"flags": {}, "metadata": 3})"), "flags.json:1:27: metadata: expected a map of metadata, got integer 3");
  EXPECT_EQ(first_error(R"({"flags": {}, "$evaluators": []})"),
            "flags.json:1:30: $evaluators: expected a map of evaluator names to rules, got array");
  EXPECT_EQ(first_error(R"({"flags": {}, "$schema": 1})"), "flags.json:1:26: $schema: expected a string, got integer 1");
}

TEST(Flagd, EveryProblemIsReportedNotJustTheFirst) {
  Errors errors = errors_of(R"({"flags": {
    "a": {"state": "on", "variants": {"x": 1}},
    "b": {"state": "ENABLED", "variants": {"x": 1}, "defaultVariant": "y"}
  }})");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "flags.a.state");
  EXPECT_EQ(errors[1].path, "flags.b.defaultVariant");
  EXPECT_EQ(errors[1].location, (SourceLocation{"flags.json", 3, 71}));
}

TEST(Flagd, StrictLoadRefusesRulesThatCannotRun) {
  const std::string_view unknown_operator = R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": "A"}, "defaultVariant": "a",
    "targeting": {"if": [{"equals": [{"var": "x"}, 1]}, "a"]}}}})";
  EXPECT_EQ(first_error(unknown_operator),
            "flags.json:2:26: flags.f.targeting.if[0]: unknown JSONLogic operator \"equals\"");
  const std::string_view missing_ref = R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": "A"}, "defaultVariant": "a",
    "targeting": {"if": [{"$ref": "nope"}, "a"]}}}})";
  EXPECT_EQ(first_error(missing_ref),
            "flags.json:2:35: flags.f.targeting.if[0].$ref: $ref to unknown evaluator \"nope\" (not in $evaluators)");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": "A"}, "defaultVariant": "a",
    "targeting": {"sem_ver": [{"var": "v"}, "==", "1.0.0"]}}}})"),
            "flags.json:2:45: flags.f.targeting.sem_ver[1]: unknown sem_ver operator \"==\" (=, !=, <, <=, >, >=, ^ or ~)");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": "A", "b": "B"}, "defaultVariant": "a",
    "targeting": {"if": [true, "b", "c"]}}}})"),
            "flags.json:2:37: flags.f.targeting.if[2]: targeting returns variant \"c\", which the flag does not define "
            "(variants: a, b)");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": "A"}, "defaultVariant": "a",
    "targeting": {"fractional": [["a", 1], ["z", 1]]}}}})"),
            "flags.json:2:45: flags.f.targeting.fractional[1][0]: targeting returns variant \"z\", which the flag does not "
            "define (variants: a)");
  EXPECT_EQ(first_error(R"({"flags": {}, "$evaluators": {"e": {"nope": 1}}})"),
            "flags.json:1:36: $evaluators.e: unknown JSONLogic operator \"nope\"");
  EXPECT_EQ(first_error(R"({"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "owner": "x"}}})"),
            "flags.json:1:69: flags.f.owner: unknown key \"owner\" (expected state, variants, defaultVariant, targeting or "
            "metadata)");
  EXPECT_EQ(first_error(R"({"flags": {}, "flag": {}})"),
            "flags.json:1:23: flag: unknown key \"flag\" (expected flags, $evaluators, metadata or $schema)");
}

TEST(Flagd, LenientLoadKeepsBrokenRulesAsParseErrors) {
  const std::string_view text = R"({"flags": {
    "broken": {"state": "ENABLED", "variants": {"a": "A"}, "defaultVariant": "a",
               "targeting": {"if": [{"$ref": "nope"}, "a"]}},
    "bad-args": {"state": "ENABLED", "variants": {"a": "A", "b": "B"}, "defaultVariant": "a",
                 "targeting": {"if": [{"starts_with": ["x"]}, "b", "a"]}},
    "fine": {"state": "ENABLED", "variants": {"a": "A"}, "defaultVariant": "a"}
  }, "extra": 1})";
  auto definitions = FlagdDefinitions::parse(text, "flags.json", Format::json, {.strict = false});
  ASSERT_TRUE(definitions) << to_string(definitions.error());
  ASSERT_EQ(definitions->warnings().size(), 3u);
  EXPECT_EQ(definitions->warnings()[0].path, "extra");
  EXPECT_EQ(definitions->warnings()[1].path, "flags.broken.targeting.if[0].$ref");
  EXPECT_EQ(definitions->warnings()[2].path, "flags.bad-args.targeting.if[0].starts_with[0]");
  FlagdStore store(std::move(*definitions));
  auto view = store.view();
  auto broken = view.evaluate_string("broken", "dflt");
  EXPECT_EQ(broken.value, "dflt");
  EXPECT_EQ(broken.reason, Reason::error);
  EXPECT_EQ(broken.error, ResolutionError::parse_error);
  EXPECT_EQ(broken.error_message,
            "flag \"broken\": flags.json:3:46: $ref to unknown evaluator \"nope\" (not in $evaluators)");
  // starts_with with one argument answers null: "if" takes its else branch.
  EXPECT_EQ(view.evaluate_string("bad-args", "dflt").value, "A");
  EXPECT_EQ(view.evaluate_string("fine", "dflt").value, "A");
}

TEST(Flagd, YamlFilesLoadWithYamlPositions) {
  testing::TempDir dir;
  const std::string path = dir.write("flags.yaml", R"(flags:
  beta:
    state: ENABLED
    variants: {on: true, off: false}
    defaultVariant: on
    targeting:
      if:
        - in: [{var: country}, [de, fr]]
        - "on"
        - "off"
)");
  FlagdStore store;
  auto loaded_yaml = store.load_file(path);
  ASSERT_TRUE(loaded_yaml) << to_string(loaded_yaml.error());
  EXPECT_TRUE(store.boolean_value("beta", false, {.attributes = {{"country", "fr"}}}));
  EXPECT_FALSE(store.boolean_value("beta", true, {.attributes = {{"country", "us"}}}));

  const std::string bad = dir.write("bad.yaml", "flags:\n  beta:\n    state: ENABLED\n    variants: {a: 1}\n    defaultVariant: b\n");
  auto result = FlagdDefinitions::parse_file(bad);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error()[0].to_string(), bad + ":5:21: flags.beta.defaultVariant: unknown variant \"b\" (variants: a)");
}

TEST(Flagd, MissingFileIsAnIoError) {
  testing::TempDir dir;
  auto result = FlagdDefinitions::parse_file(dir.file("absent.json"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error()[0].code, ErrorCode::io);
}

// The document served to other evaluators: $refs inlined (no $evaluators), the set's metadata
// folded into each flag's, the file order kept, a flag without defaultVariant left without one.
TEST(Flagd, ToJsonInlinesEvaluatorsAndFoldsMetadata) {
  auto parsed = FlagdDefinitions::parse(R"({
    "metadata": {"team": "web", "version": 3},
    "$evaluators": {"is_staff": {"ends_with": [{"var": "email"}, "@example.com"]}},
    "flags": {
      "zeta": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
               "targeting": {"if": [{"$ref": "is_staff"}, "on", null]}, "metadata": {"version": 4}},
      "alpha": {"state": "DISABLED", "variants": {"a": "x"}}
    }})", "flags.json");
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  const nlohmann::ordered_json served = parsed->to_json();
  EXPECT_EQ(served.dump(),
            R"({"flags":{"zeta":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off",)"
            R"("targeting":{"if":[{"ends_with":[{"var":"email"},"@example.com"]},"on",null]},)"
            R"("metadata":{"team":"web","version":4}},"alpha":{"state":"DISABLED","variants":{"a":"x"},)"
            R"("metadata":{"team":"web","version":3}}},"metadata":{"team":"web","version":3}})");

  FlagdStore store;
  ASSERT_TRUE(store.load(served.dump(), "served.json"));
  auto view = store.view();
  EXPECT_TRUE(view.evaluate_boolean("zeta", false, {.attributes = {{"email", "ann@example.com"}}}).value);
  EXPECT_FALSE(view.evaluate_boolean("zeta", true, {.attributes = {{"email", "bob@other.org"}}}).value);
}

TEST(Flagd, ReplaceSwapsInParsedDefinitions) {
  FlagdStore store;
  EXPECT_EQ(store.view().evaluate_boolean("new-checkout", false).error, ResolutionError::flag_not_found);
  auto definitions = FlagdDefinitions::parse(kFlags, "flags.json");
  ASSERT_TRUE(definitions);
  EXPECT_EQ(definitions->size(), 10u);
  EXPECT_TRUE(definitions->warnings().empty());
  store.replace(*definitions);
  EXPECT_TRUE(store.boolean_value("new-checkout", false));
  EXPECT_EQ(store.definitions().keys(), definitions->keys());
}

TEST(Flagd, NamesFollowOpenFeature) {
  EXPECT_STREQ(to_string(Reason::static_), "STATIC");
  EXPECT_STREQ(to_string(Reason::targeting_match), "TARGETING_MATCH");
  EXPECT_STREQ(to_string(Reason::default_), "DEFAULT");
  EXPECT_STREQ(to_string(Reason::disabled), "DISABLED");
  EXPECT_STREQ(to_string(Reason::error), "ERROR");
  EXPECT_STREQ(to_string(ResolutionError::none), "");
  EXPECT_STREQ(to_string(ResolutionError::type_mismatch), "TYPE_MISMATCH");
  EXPECT_STREQ(to_string(ResolutionError::parse_error), "PARSE_ERROR");
  EXPECT_STREQ(to_string(ResolutionError::general), "GENERAL");
  EXPECT_EQ(parse_flag_type("float"), FlagType::floating);
  EXPECT_EQ(parse_flag_type("double"), std::nullopt);
}

TEST(Flagd, StrictValidationFindsTheTestbedsDeliberateMistakes) {
  const auto file = std::filesystem::path(HOTRELOAD_SHARED_DIR) / "conformance/flagd-testbed/flags/testkit-flags.json";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "the flagd test-bed is not here (" << file.string() << ")";
  auto strict = FlagdDefinitions::parse_file(file.string());
  ASSERT_FALSE(strict);
  std::vector<std::string> paths;
  for (const Error& error : strict.error()) paths.push_back(error.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "flags.semver-invalid-operator-flag.targeting.sem_ver[1]",
                       "flags.ref-to-nonexistent-evaluator-flag.targeting.if[0].$ref",
                       "flags.starts-with-wrong-args-flag.targeting.starts_with[0]",
                       "flags.ends-with-wrong-args-flag.targeting.ends_with[0]",
                       "flags.semver-wrong-args-flag.targeting.sem_ver[0]",
                   }));
  auto lenient = FlagdDefinitions::parse_file(file.string(), {.strict = false});
  ASSERT_TRUE(lenient);
  EXPECT_EQ(lenient->warnings().size(), 5u);
}

}  // namespace
}  // namespace hotreload

namespace hotreload {
namespace {

// A layer source hands over a parsed Document; its flags and its errors are the text's.
TEST(Flagd, FromDocumentReadsWhatParseReadsWithPositions) {
  auto good = parse(R"({"flags": {"a": {"state": "ENABLED", "variants": {"on": true}, "defaultVariant": "on"}}})",
                    Format::json, "etcd://h/flags.json");
  ASSERT_TRUE(good);
  auto flags = FlagdDefinitions::from_document(*good);
  ASSERT_TRUE(flags) << flags.error().front().to_string();
  EXPECT_EQ(flags->keys(), std::vector<std::string>{"a"});

  auto bad = parse("{\"flags\": {\"a\": {\"state\": \"ENABLED\",\n \"variants\": {}}}}", Format::json, "etcd://h/flags.json");
  ASSERT_TRUE(bad);
  auto refused = FlagdDefinitions::from_document(*bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().front().location.file, "etcd://h/flags.json");
  EXPECT_EQ(refused.error().front().location.line, 2u);
}

}  // namespace
}  // namespace hotreload
