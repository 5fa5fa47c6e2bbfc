// JSONLogic operators as flagd runs them: each compiled from text and evaluated against a
// context, checked against json-logic-js's (and flagd's) answers.
#include <gtest/gtest.h>

#include <cmath>
#include <ctime>

#include "flagd/logic.hpp"
#include "hotreload/document.hpp"
#include "support/allocation_counter.hpp"

namespace hotreload::detail::logic {
namespace {

struct Compiled {
  Term term;
  std::vector<Problem> problems;
};

Compiled compile_text(std::string_view rule, std::string_view evaluators = "null") {
  ParseOptions options;
  options.require_object = false;
  auto document = parse(rule, Format::json, "rule.json", options);
  EXPECT_TRUE(document) << document.error().to_string();
  auto refs = parse(evaluators, Format::json, "evaluators.json", options);
  EXPECT_TRUE(refs);
  Compiled out;
  out.term = compile(document->root, &refs->root, Path{std::string("rule")}, out.problems);
  return out;
}

nlohmann::json run(std::string_view rule, const nlohmann::json& data = nullptr, std::string targeting_key = "") {
  Compiled compiled = compile_text(rule);
  EXPECT_TRUE(compiled.problems.empty()) << rule << ": " << (compiled.problems.empty() ? "" : compiled.problems[0].message);
  EvaluationContext context{std::move(targeting_key), data};
  Scope scope{&context, "my-flag", nullptr, nullptr};
  return evaluate(compiled.term, scope).to_json();
}

using J = nlohmann::json;

TEST(FlagdLogic, VarReadsDottedPathsIndicesAndDefaults) {
  const J data = {{"user", {{"name", "ann"}, {"tags", {"a", "b"}}}}, {"n", nullptr}};
  EXPECT_EQ(run(R"({"var": "user.name"})", data), "ann");
  EXPECT_EQ(run(R"({"var": ["user.name"]})", data), "ann");
  EXPECT_EQ(run(R"({"var": "user.tags.1"})", data), "b");
  EXPECT_EQ(run(R"({"var": ["user.missing", "fallback"]})", data), "fallback");
  EXPECT_EQ(run(R"({"var": ["n", 7]})", data), 7);  // a null value takes the default too
  EXPECT_EQ(run(R"({"var": "user.name.deeper"})", data), nullptr);
  EXPECT_EQ(run(R"({"var": ""})", J{{"a", 1}}), (J{{"a", 1}}));
  EXPECT_EQ(run(R"({"var": {"cat": ["us", "er.name"]}})", data), "ann");
  EXPECT_EQ(run(R"({"var": 1})", J::array({"x", "y"})), nullptr);  // the root of a context is a map
}

TEST(FlagdLogic, VarSeesTargetingKeyAndFlagdProperties) {
  EXPECT_EQ(run(R"({"var": "targetingKey"})", nullptr, "user-1"), "user-1");
  EXPECT_EQ(run(R"({"var": "targetingKey"})", J{{"targetingKey", "from-attributes"}}), "from-attributes");
  EXPECT_EQ(run(R"({"var": "$flagd.flagKey"})"), "my-flag");
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const J timestamp = run(R"({"var": "$flagd.timestamp"})");
  ASSERT_TRUE(timestamp.is_number_integer());
  EXPECT_NEAR(static_cast<double>(timestamp.get<std::int64_t>()), static_cast<double>(now), 5.0);
  EXPECT_EQ(run(R"({"var": "$flagd.other"})"), nullptr);
}

TEST(FlagdLogic, MissingAndMissingSome) {
  const J data = {{"a", 1}, {"b", ""}, {"c", {{"d", 2}}}};
  EXPECT_EQ(run(R"({"missing": ["a", "b", "x", "c.d", "c.e"]})", data), (J{"b", "x", "c.e"}));
  EXPECT_EQ(run(R"({"missing": "a"})", data), J::array());
  EXPECT_EQ(run(R"({"missing_some": [1, ["a", "x"]]})", data), J::array());
  EXPECT_EQ(run(R"({"missing_some": [2, ["a", "x", "y"]]})", data), (J{"x", "y"}));
}

TEST(FlagdLogic, IfChainsAndTernary) {
  EXPECT_EQ(run(R"({"if": [true, "yes", "no"]})"), "yes");
  EXPECT_EQ(run(R"({"if": [false, "yes", "no"]})"), "no");
  EXPECT_EQ(run(R"({"if": [false, "a", 0, "b", "c"]})"), "c");
  EXPECT_EQ(run(R"({"if": [false, "a", 1, "b", "c"]})"), "b");
  EXPECT_EQ(run(R"({"if": [false, "a"]})"), nullptr);
  EXPECT_EQ(run(R"({"if": []})"), nullptr);
  EXPECT_EQ(run(R"({"?:": [[], "yes", "no"]})"), "no");  // an empty array is falsy
}

TEST(FlagdLogic, EqualityFollowsJavaScript) {
  EXPECT_EQ(run(R"({"==": [1, "1"]})"), true);
  EXPECT_EQ(run(R"({"==": [0, false]})"), true);
  EXPECT_EQ(run(R"({"==": [null, 0]})"), false);
  EXPECT_EQ(run(R"({"==": [null, null]})"), true);
  EXPECT_EQ(run(R"({"==": ["a", "a"]})"), true);
  EXPECT_EQ(run(R"({"===": [1, "1"]})"), false);
  EXPECT_EQ(run(R"({"===": [1, 1.0]})"), true);
  EXPECT_EQ(run(R"({"!=": [1, "2"]})"), true);
  EXPECT_EQ(run(R"({"!=": [1, "1"]})"), false);
  EXPECT_EQ(run(R"({"!==": [1, "1"]})"), true);
}

TEST(FlagdLogic, ComparisonsAndBetween) {
  EXPECT_EQ(run(R"({"<": [1, 2]})"), true);
  EXPECT_EQ(run(R"({"<": ["10", 9]})"), false);  // "10" is a number against 9
  EXPECT_EQ(run(R"({"<": ["a", "b"]})"), true);   // two strings compare as text
  EXPECT_EQ(run(R"({"<=": [2, 2]})"), true);
  EXPECT_EQ(run(R"({">": [3, 2]})"), true);
  EXPECT_EQ(run(R"({">=": [2, 3]})"), false);
  EXPECT_EQ(run(R"({"<": [1, 2, 3]})"), true);
  EXPECT_EQ(run(R"({"<": [1, 3, 3]})"), false);
  EXPECT_EQ(run(R"({"<=": [1, 3, 3]})"), true);
  EXPECT_EQ(run(R"({"<": ["abc", 1]})"), false);  // NaN compares false
}

TEST(FlagdLogic, LogicReturnsOperandsAndNegates) {
  EXPECT_EQ(run(R"({"or": [0, "", "x", "y"]})"), "x");
  EXPECT_EQ(run(R"({"or": [0, false]})"), false);
  EXPECT_EQ(run(R"({"and": [1, "a", 0, "b"]})"), 0);
  EXPECT_EQ(run(R"({"and": [1, "last"]})"), "last");
  EXPECT_EQ(run(R"({"!": [0]})"), true);
  EXPECT_EQ(run(R"({"!": "x"})"), false);
  EXPECT_EQ(run(R"({"!!": [[]]})"), false);
  EXPECT_EQ(run(R"({"!!": ["0"]})"), true);  // a non-empty string is truthy
}

TEST(FlagdLogic, Arithmetic) {
  EXPECT_EQ(run(R"({"+": [1, "2", 3.5]})"), 6.5);
  EXPECT_EQ(run(R"({"+": ["7"]})"), 7);
  EXPECT_EQ(run(R"({"-": [10, 4]})"), 6);
  EXPECT_EQ(run(R"({"-": [4]})"), -4);
  EXPECT_EQ(run(R"({"*": [2, 3, 4]})"), 24);
  EXPECT_EQ(run(R"({"/": [7, 2]})"), 3.5);
  EXPECT_EQ(run(R"({"%": [7, 3]})"), 1);
  EXPECT_EQ(run(R"({"max": [1, 9, 3]})"), 9);
  EXPECT_EQ(run(R"({"min": [4, -1, 3]})"), -1);
  EXPECT_EQ(run(R"({"max": []})"), nullptr);
}

TEST(FlagdLogic, StringsAndArrays) {
  EXPECT_EQ(run(R"({"in": ["ell", "hello"]})"), true);
  EXPECT_EQ(run(R"({"in": ["x", "hello"]})"), false);
  EXPECT_EQ(run(R"({"in": ["b", ["a", "b"]]})"), true);
  EXPECT_EQ(run(R"({"in": [1, ["1"]]})"), false);  // array membership is strict
  EXPECT_EQ(run(R"({"in": [{"var": "plan"}, ["pro", {"var": "other"}]]})", J{{"plan", "x"}, {"other", "x"}}), true);
  EXPECT_EQ(run(R"({"cat": ["a", 1, true, null, 2.5]})"), "a1truenull2.5");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", 4]})"), "logic");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", -5]})"), "logic");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", 1, 3]})"), "son");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", 4, -2]})"), "log");
  EXPECT_EQ(run(R"({"merge": [[1, 2], 3, [[4]]]})"), (J{1, 2, 3, J::array({4})}));
}

TEST(FlagdLogic, IterationOperators) {
  const J data = {{"xs", {1, 2, 3, 4}}, {"empty", J::array()}};
  EXPECT_EQ(run(R"({"map": [{"var": "xs"}, {"*": [{"var": ""}, 2]}]})", data), (J{2, 4, 6, 8}));
  EXPECT_EQ(run(R"({"filter": [{"var": "xs"}, {"%": [{"var": ""}, 2]}]})", data), (J{1, 3}));
  EXPECT_EQ(run(R"({"reduce": [{"var": "xs"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 10]})", data), 20);
  EXPECT_EQ(run(R"({"all": [{"var": "xs"}, {">": [{"var": ""}, 0]}]})", data), true);
  EXPECT_EQ(run(R"({"all": [{"var": "empty"}, true]})", data), false);
  EXPECT_EQ(run(R"({"none": [{"var": "xs"}, {">": [{"var": ""}, 4]}]})", data), true);
  EXPECT_EQ(run(R"({"some": [{"var": "xs"}, {"==": [{"var": ""}, 3]}]})", data), true);
  EXPECT_EQ(run(R"({"map": [{"var": "missing"}, 1]})", data), J::array());
}

TEST(FlagdLogic, StartsWithAndEndsWith) {
  EXPECT_EQ(run(R"({"starts_with": [{"var": "id"}, "abc"]})", J{{"id", "abcdef"}}), true);
  EXPECT_EQ(run(R"({"starts_with": [{"var": "id"}, "xyz"]})", J{{"id", "abcdef"}}), false);
  EXPECT_EQ(run(R"({"ends_with": [{"var": "id"}, "def"]})", J{{"id", "abcdef"}}), true);
  // Null, not false, for input that is not a string, so the flag takes its default variant.
  EXPECT_EQ(run(R"({"starts_with": [{"var": "id"}, "abc"]})", J{{"id", 5}}), nullptr);
  EXPECT_EQ(run(R"({"ends_with": [{"var": "missing"}, "abc"]})"), nullptr);
}

TEST(FlagdLogic, SemVerComparesLikeFlagd) {
  auto sem_ver = [](std::string_view version, std::string_view op, std::string_view target) {
    return run(R"({"sem_ver": [{"var": "v"}, ")" + std::string(op) + R"(", ")" + std::string(target) + R"("]})",
               J{{"v", version}});
  };
  EXPECT_EQ(sem_ver("1.2.3", "=", "1.2.3"), true);
  EXPECT_EQ(sem_ver("1.2.3", "!=", "1.2.4"), true);
  EXPECT_EQ(sem_ver("1.2.3", "<", "1.10.0"), true);  // numeric, not text, order
  EXPECT_EQ(sem_ver("2.0.0", "<=", "2.0.0"), true);
  EXPECT_EQ(sem_ver("2.0.1", ">", "2.0.0"), true);
  EXPECT_EQ(sem_ver("1.9.9", ">=", "2.0.0"), false);
  EXPECT_EQ(sem_ver("3.9.0", "^", "3.0.0"), true);
  EXPECT_EQ(sem_ver("4.0.0", "^", "3.0.0"), false);
  EXPECT_EQ(sem_ver("3.0.5", "~", "3.0.0"), true);
  EXPECT_EQ(sem_ver("3.1.0", "~", "3.0.0"), false);
  EXPECT_EQ(sem_ver("1.0.0-alpha", "<", "1.0.0"), true);
  EXPECT_EQ(sem_ver("1.0.0-alpha", "<", "1.0.0-alpha.1"), true);
  EXPECT_EQ(sem_ver("1.0.0-alpha.2", "<", "1.0.0-alpha.10"), true);
  EXPECT_EQ(sem_ver("1.0.0-1", "<", "1.0.0-alpha"), true);
  EXPECT_EQ(sem_ver("1.0.0+build.5", "=", "1.0.0"), true);  // build metadata is not compared
  EXPECT_EQ(sem_ver("v1.0.0", "=", "1.0.0"), true);
  EXPECT_EQ(sem_ver("V1.0.0", "=", "v1.0.0"), true);  // the prefix in either case, as flagd
  EXPECT_EQ(sem_ver("V2.1.0", ">", "V2.0.0"), true);
  EXPECT_EQ(sem_ver("x1.0.0", "=", "1.0.0"), nullptr);  // no other letter is a prefix
  EXPECT_EQ(sem_ver("1", "=", "1.0.0"), true);
  EXPECT_EQ(sem_ver("1.2", "=", "1.2.0"), true);
  // Bad input answers null.
  EXPECT_EQ(sem_ver("not-a-version", "=", "1.0.0"), nullptr);
  EXPECT_EQ(sem_ver("01.0.0", "=", "1.0.0"), nullptr);
  EXPECT_EQ(sem_ver("1.0", ">", "1.0.0-beta"), true);
  EXPECT_EQ(run(R"({"sem_ver": [{"var": "v"}, ">", "1.1"]})", J{{"v", 1.2}}), true);  // a number reads as its text
  EXPECT_EQ(run(R"({"sem_ver": [{"var": "v"}, "=", "1.0.0"]})", J{{"v", true}}), nullptr);
  EXPECT_EQ(run(R"({"sem_ver": [{"var": "v"}, {"var": "op"}, "1.0.0"]})", J{{"v", "1.0.0"}, {"op", "=="}}), nullptr);
}

TEST(FlagdLogic, FractionalBucketsLikeFlagdV2) {
  // (hash * total) >> 32, walked through the cumulative weights.
  const std::int64_t halves[] = {50, 50};
  EXPECT_EQ(fractional_bucket(0, halves, 2), 0u);
  EXPECT_EQ(fractional_bucket(0x7FFFFFFFu, halves, 2), 0u);
  EXPECT_EQ(fractional_bucket(0x80000000u, halves, 2), 1u);
  EXPECT_EQ(fractional_bucket(0xFFFFFFFFu, halves, 2), 1u);
  const std::int64_t skewed[] = {0, 1, 0};
  EXPECT_EQ(fractional_bucket(0x12345678u, skewed, 3), 1u);
  // MurmurHash3 x86 32 with seed 0 (libmurmurhash), the hash flagd uses.
  EXPECT_EQ(fractional_hash(""), 0u);
  EXPECT_EQ(fractional_hash("hello"), 0x248bfa47u);
}

TEST(FlagdLogic, FractionalChoosesByKeyAndSpreadsEvenly) {
  const std::string_view rule = R"({"fractional": [{"var": "id"}, ["a", 25], ["b", 25], ["c", 50]]})";
  Compiled compiled = compile_text(rule);
  ASSERT_TRUE(compiled.problems.empty());
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 20000; ++i) {
    EvaluationContext context{"", {{"id", "user-" + std::to_string(i)}}};
    Scope scope{&context, "f", nullptr, nullptr};
    J result = evaluate(compiled.term, scope).to_json();
    ASSERT_TRUE(result.is_string());
    ++counts[result.get<std::string>()[0] - 'a'];
  }
  EXPECT_NEAR(counts[0], 5000, 400);
  EXPECT_NEAR(counts[1], 5000, 400);
  EXPECT_NEAR(counts[2], 10000, 400);
  // The same key always lands in the same bucket.
  EXPECT_EQ(run(rule, J{{"id", "user-7"}}), run(rule, J{{"id", "user-7"}}));
}

TEST(FlagdLogic, FractionalDefaultsAndErrors) {
  // Without a bucketing key: flagKey followed directly by targetingKey.
  const J by_key = run(R"({"fractional": [["x", 50], ["y", 50]]})", nullptr, "user-1");
  const J explicit_key = run(R"({"fractional": ["my-flaguser-1", ["x", 50], ["y", 50]]})");
  EXPECT_EQ(by_key, explicit_key);
  EXPECT_EQ(run(R"({"fractional": [["only"]]})", nullptr, "k"), "only");               // default weight 1
  EXPECT_EQ(run(R"({"fractional": [["x", -5], ["y", 1]]})", nullptr, "k"), "y");       // negative is 0
  EXPECT_EQ(run(R"({"fractional": [["x", 0], ["y", 0]]})", nullptr, "k"), nullptr);    // nothing to choose
  EXPECT_EQ(run(R"({"fractional": [["x", 50], ["y", 50]]})"), nullptr);                // no targeting key
  EXPECT_EQ(run(R"({"fractional": [{"var": "nothing"}, ["x", 1]]})"), nullptr);         // null key, no targeting key
  EXPECT_EQ(run(R"({"fractional": [{"var": "n"}, ["x", 1]]})", J{{"n", 5}}), nullptr);  // a key that is not a string
  EXPECT_EQ(run(R"({"fractional": ["k", ["x", {"var": "w"}]]})", J{{"w", 0.5}}), nullptr);  // weights are integers
  EXPECT_EQ(run(R"({"fractional": ["k", [{"var": "name"}, 1]]})", J{{"name", "computed"}}), "computed");
  EXPECT_EQ(run(R"({"fractional": ["k", [true, 1]]})"), true);  // a bucket's value may be any type
}

TEST(FlagdLogic, RefInlinesEvaluators) {
  Compiled compiled = compile_text(R"({"if": [{"$ref": "is_admin"}, "admin", "user"]})",
                                   R"({"is_admin": {"==": [{"var": "role"}, "admin"]}})");
  ASSERT_TRUE(compiled.problems.empty());
  EvaluationContext context{"", {{"role", "admin"}}};
  Scope scope{&context, "f", nullptr, nullptr};
  EXPECT_EQ(evaluate(compiled.term, scope).to_json(), "admin");
}

TEST(FlagdLogic, CompileReportsUnknownOperatorsAndRefsWithPositions) {
  Compiled unknown = compile_text("{\"if\": [\n  {\"equals\": [1, 1]}, \"a\"]}");
  ASSERT_EQ(unknown.problems.size(), 1u);
  EXPECT_EQ(unknown.problems[0].kind, Problem::Kind::unknown_operator);
  EXPECT_EQ(unknown.problems[0].message, "unknown JSONLogic operator \"equals\"");
  EXPECT_EQ(unknown.problems[0].origin.line, 2u);
  EXPECT_EQ(unknown.problems[0].origin.column, 3u);
  EXPECT_EQ(to_dotted(unknown.problems[0].path), "rule.if[0]");

  Compiled ref = compile_text(R"({"$ref": "nope"})", R"({"other": true})");
  ASSERT_EQ(ref.problems.size(), 1u);
  EXPECT_EQ(ref.problems[0].message, "$ref to unknown evaluator \"nope\" (not in $evaluators)");

  Compiled cycle = compile_text(R"({"$ref": "a"})", R"({"a": {"$ref": "b"}, "b": {"!": {"$ref": "a"}}})");
  ASSERT_EQ(cycle.problems.size(), 1u);
  EXPECT_EQ(cycle.problems[0].message, "$ref cycle through evaluator \"a\"");

  Compiled not_a_name = compile_text(R"({"$ref": 5})", R"({})");
  ASSERT_EQ(not_a_name.problems.size(), 1u);
  EXPECT_EQ(not_a_name.problems[0].message, "$ref must name an evaluator, got integer");
}

TEST(FlagdLogic, CompileReportsFlagdOperatorsThatCanOnlyAnswerNull) {
  auto first_problem = [](std::string_view rule) {
    Compiled compiled = compile_text(rule);
    EXPECT_EQ(compiled.problems.size(), 1u) << rule;
    if (compiled.problems.empty()) return std::string();
    EXPECT_EQ(compiled.problems[0].kind, Problem::Kind::bad_arguments);
    return compiled.problems[0].message;
  };
  EXPECT_EQ(first_problem(R"({"sem_ver": ["1.0.0", "="]})"),
            "sem_ver takes 3 arguments (a version, an operator and a version), got 2");
  EXPECT_EQ(first_problem(R"({"sem_ver": ["1.0.0", "===", "1.0.0"]})"),
            "unknown sem_ver operator \"===\" (=, !=, <, <=, >, >=, ^ or ~)");
  EXPECT_EQ(first_problem(R"({"starts_with": ["abc"]})"), "starts_with takes 2 arguments (a value and a prefix), got 1");
  EXPECT_EQ(first_problem(R"({"ends_with": ["a", "b", "c"]})"), "ends_with takes 2 arguments (a value and a suffix), got 3");
  EXPECT_EQ(first_problem(R"({"fractional": [{"var": "x"}]})"), "fractional needs at least one bucket [variant, weight]");
  EXPECT_EQ(first_problem(R"({"fractional": [["a", 1, 2]]})"), "a fractional bucket is [variant] or [variant, weight], got [\"a\",1,2]");
  EXPECT_EQ(first_problem(R"({"fractional": [["a", 0.5]]})"), "a fractional weight must be an integer, got 0.5");
  EXPECT_EQ(first_problem(R"({"var": true})"), "var takes a path (a string or a number), got boolean");
}

TEST(FlagdLogic, JavaScriptConversions) {
  EXPECT_EQ(number_text(10), "10");
  EXPECT_EQ(number_text(0.5), "0.5");
  EXPECT_EQ(number_text(-3.25), "-3.25");
  EXPECT_EQ(number_text(1e21), "1e+21");
  EXPECT_TRUE(std::isnan(to_number(Val::borrowed("12abc"))));
  EXPECT_EQ(to_number(Val::borrowed(" 12 ")), 12);
  EXPECT_EQ(to_number(Val::borrowed("")), 0);
  EXPECT_EQ(to_number(Val()), 0);
  EXPECT_FALSE(truthy(Val::number(std::nan(""))));
  EXPECT_EQ(to_string(Val::array({Val::number(1), Val(), Val::borrowed("x")})), "1,,x");
}

// Conditions are tested without building their value (if, and/or/!/!!, comparisons, in): each
// must be exactly as truthy as the value the operator returns.
TEST(FlagdLogic, ConditionsAreAsTruthyAsTheirValues) {
  const J data = {{"a", 1}, {"zero", 0}, {"s", "x"}, {"empty", ""}, {"list", J::array()}, {"n", nullptr}};
  const char* conditions[] = {
      R"({"and": []})", R"({"or": []})", R"({"!": []})", R"({"!!": []})",
      R"({"and": [1, 0]})", R"({"and": [1, "a"]})", R"({"and": [{"var": "a"}, {"var": "list"}]})",
      R"({"or": [0, ""]})", R"({"or": [0, {"var": "s"}]})", R"({"or": [{"var": "n"}, {"var": "zero"}]})",
      R"({"!": [{"var": "empty"}]})", R"({"!!": [{"var": "list"}]})", R"({"!": {"var": "missing"}})",
      R"({"in": ["a", "abc"]})", R"({"in": ["d", "abc"]})", R"({"in": [1, [1, 2]]})", R"({"in": ["1", [1, 2]]})",
      R"({"in": [1, "x1y"]})", R"({"in": ["a", {"var": "missing"}]})",
      R"({"<": [1, 2, 3]})", R"({"<": [1, 3, 2]})", R"({"<=": [1, 1, 1]})", R"({">": ["b", "a"]})",
      R"({"==": [1, "1"]})", R"({"===": [1, "1"]})", R"({"!=": [null, 0]})", R"({"!==": [1, 1]})",
      R"({"==": [[], ""]})", R"({">=": [{"var": "s"}, 0]})",
      R"({"and": [{"or": [0, {"var": "a"}]}, {"!": {"var": "missing"}}, {"in": [{"var": "s"}, ["x", "y"]]}]})",
      R"({"or": [{"and": [1, 0]}, {"if": [{"var": "zero"}, 1, "yes"]}]})",
  };
  for (const char* condition : conditions) {
    const bool expected = truthy(Val::of(run(condition, data)));
    const std::string c(condition);
    EXPECT_EQ(run(R"({"if": [)" + c + R"(, "yes", "no"]})", data), expected ? "yes" : "no") << condition;
    EXPECT_EQ(run(R"({"!": [)" + c + "]}", data), !expected) << condition;
    EXPECT_EQ(run(R"({"!!": [)" + c + "]}", data), expected) << condition;
    EXPECT_EQ(run(R"({"and": [1, )" + c + "]}", data), run(condition, data)) << condition;
  }
}

// A var naming a context attribute takes a shorter path than one inside map/filter/reduce: both
// must find the same values, defaults and nothing.
TEST(FlagdLogic, AttributeVarAgreesWithTheGeneralLookup) {
  const J data = {{"country", "de"}, {"age", 30}, {"age_text", " 30 "}, {"n", nullptr}, {"flag", false},
                  {"user", {{"tags", {"a", "b"}}, {"name", "ann"}}}, {"list", {10, 20}}};
  const char* paths[] = {"country", "age", "age_text", "n", "flag", "missing", "user.name", "user.tags.1",
                         "user.tags.2", "user.name.x", "list.0", "list.x", "country.0", "targetingKey"};
  for (const char* path : paths) {
    const std::string p(path);
    const J direct = run(R"({"var": ")" + p + R"("})", data);
    const J inside = run(R"({"map": [[{"var": ""}], {"var": ")" + p + R"("}]})", data);
    EXPECT_EQ(J::array({direct}), inside) << path;
    EXPECT_EQ(run(R"({"var": [")" + p + R"(", "dflt"]})", data), direct.is_null() ? J("dflt") : direct) << path;
  }
  // Wrong types and numbers given as text compare as JavaScript does.
  EXPECT_EQ(run(R"({">=": [{"var": "age_text"}, 18]})", data), true);
  EXPECT_EQ(run(R"({"==": [{"var": "age"}, "30"]})", data), true);
  EXPECT_EQ(run(R"({"===": [{"var": "age"}, "30"]})", data), false);
  EXPECT_EQ(run(R"({"in": [{"var": "age"}, ["30"]]})", data), false);
  EXPECT_EQ(run(R"({">=": [{"var": "user"}, 18]})", data), false);
  EXPECT_EQ(run(R"({"==": [{"var": "missing"}, null]})", data), true);
  // A context whose attributes are null or not an object has no attributes.
  EXPECT_EQ(run(R"({"var": ["country", 1]})"), 1);
  EXPECT_EQ(run(R"({"var": ["0", 1]})", J::array({"x"})), 1);
}

// Object keys are found with a comparison that decides on the first byte first: keys sharing a
// first byte, prefixes of each other and bytes over 0x7f must all be found, and only they.
TEST(FlagdLogic, AttributeLookupFindsEveryKeyOfAnObject) {
  const std::vector<std::string> keys = {"a", "ab", "abc", "abd", "b", "B", "ba", "z", "~", "\x7f", "\xc3\xa4",
                                         "\xc3\xa9", "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac", "0", "10", "9"};
  J data = J::object();
  for (std::size_t i = 0; i < keys.size(); ++i) data[keys[i]] = static_cast<int>(i);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(run(R"({"var": ")" + keys[i] + R"("})", data), static_cast<int>(i)) << keys[i];
  }
  for (const char* absent : {"aa", "abca", "A", "c", "\xc3\xa5", "\xc3\xa4x", "1", "~~"}) {
    EXPECT_EQ(run(R"({"var": ")" + std::string(absent) + R"("})", data), nullptr) << absent;
  }
}

// Computed strings and arrays are shared between copies of a value: they must outlive the copy
// they were made in, through map, filter and reduce.
TEST(FlagdLogic, ComputedValuesOutliveTheirCopies) {
  EXPECT_EQ(run(R"({"reduce": [{"merge": [["a"], ["b"], {"cat": ["c", "d"]}]},
                               {"cat": [{"var": "accumulator"}, {"var": "current"}]}, ""]})"),
            "abcd");
  EXPECT_EQ(run(R"({"map": [{"merge": [[1], {"var": "list"}]}, {"cat": ["item-", {"var": ""}]}]})",
                J{{"list", {2, 3}}}),
            (J{"item-1", "item-2", "item-3"}));
  EXPECT_EQ(run(R"({"filter": [{"map": [[1, 2, 3], {"substr": [{"cat": ["xx", {"var": ""}]}, 1]}]}, {"!=": [{"var": ""}, "x2"]}]})"),
            (J{"x1", "x3"}));
  EXPECT_EQ(run(R"({"in": ["b", {"cat": ["a", "b"]}]})"), true);
  Val copy;
  {
    Val text = Val::owned(std::string(100, 'x'));
    copy = text;
  }
  EXPECT_EQ(copy.as_string(), std::string(100, 'x'));
}

TEST(FlagdLogic, AnEmptyComputedArrayDoesNotAllocate) {
  EXPECT_EQ(run(R"({"missing_some": [1, ["a", "x"]]})", J{{"a", 1}}), J::array());
  EXPECT_EQ(run(R"({"merge": []})"), J::array());
  if (!testing::allocation_counting_linked()) GTEST_SKIP() << "allocation counting is not available";
  bool sink = false;
  EXPECT_EQ(testing::allocations_during([&] {
              Val empty = Val::array({});
              sink = empty.is_array() && empty.size() == 0 && !truthy(empty);
            }),
            0u);
  EXPECT_TRUE(sink);
}

}  // namespace
}  // namespace hotreload::detail::logic
