// JSONLogic as flagd runs it: rules are compiled once from the parsed flag file into a tree of
// Terms (operators resolved to an enum, $ref inlined, var paths split, constant arrays folded),
// and an evaluation walks that tree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "flagd/logic_value.hpp"
#include "hotreload/evaluation.hpp"
#include "hotreload/path.hpp"
#include "hotreload/value.hpp"

namespace hotreload::detail::logic {

enum class Op : std::uint8_t {
  constant,  // a literal (scalar, or an array whose items are all literals)
  array,     // an array literal with computed items
  var, missing, missing_some,
  if_, eq, strict_eq, ne, strict_ne, not_, not_not, or_, and_,
  lt, le, gt, ge, max, min, add, sub, mul, div, mod,
  in, cat, substr, merge, map, filter, reduce, all, none, some,
  fractional, sem_ver, starts_with, ends_with,
};

// Where a var path starts, decided from its first segments when the path is known: flagd's
// injected properties need no string comparison per evaluation.
enum class VarRoot : std::uint8_t {
  attributes,     // the context's attributes
  targeting_key,  // "targetingKey": the context's targeting key when set, else the attributes'
  flag_key,       // "$flagd.flagKey"
  timestamp,      // "$flagd.timestamp"
  nothing,        // any other path under "$flagd": always null
};
VarRoot classify_var_root(const std::vector<std::string>& path);

struct Term {
  Op op = Op::constant;
  nlohmann::json constant{};       // Op::constant
  std::vector<Term> args{};        // operands, or an array literal's items
  std::vector<std::string> path{};  // Op::var with a literal path: its segments (none: the whole data)
  bool literal_path = true;        // Op::var: false when args[0] computes the path at evaluation
  VarRoot var_root = VarRoot::attributes;  // Op::var with a literal path, at the top level
};

// What compiling found wrong, at the node where it is written.
struct Problem {
  enum class Kind {
    unknown_operator,  // the rule cannot run: an unknown operator or an unresolved $ref
    bad_arguments,     // a flagd operator with arguments it will always answer null for
  };
  Kind kind;
  std::string message;
  Origin origin;
  Path path;
};

// Compiles `rule`; `evaluators` is the file's $evaluators object (or null). `path` is where the
// rule sits in the file, for problems. Problems are appended; the returned Term is usable unless a
// Problem::Kind::unknown_operator was reported.
Term compile(const Value& rule, const Value* evaluators, const Path& path, std::vector<Problem>& problems);

// What a rule runs against: the context, plus flagd's injected $flagd.flagKey / $flagd.timestamp.
struct Scope {
  const EvaluationContext* context = nullptr;
  std::string_view flag_key{};
  const Val* data = nullptr;         // inside map/filter/reduce/all/none/some: the current item
  const Val* accumulator = nullptr;  // inside reduce: {"current": *data, "accumulator": *accumulator}
};

Val evaluate(const Term& term, const Scope& scope);

// flagd's operators (flagd_ops.cpp); each answers null for input it cannot use.
Val evaluate_fractional(const Term& term, const Scope& scope);
Val evaluate_sem_ver(const Term& term, const Scope& scope);
Val evaluate_starts_with(const Term& term, const Scope& scope, bool ends);

// MurmurHash3 x86 32-bit, seed 0, as flagd's fractional hashes its bucketing key.
std::uint32_t fractional_hash(std::string_view key) noexcept;
// The bucket index fractional chooses for `hash` among `weights` (>= 0, sum > 0):
// (hash * total) >> 32 walked through the cumulative weights.
std::size_t fractional_bucket(std::uint32_t hash, const std::int64_t* weights, std::size_t count) noexcept;

}  // namespace hotreload::detail::logic
