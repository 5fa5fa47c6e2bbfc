// Compiling JSONLogic: operator names become an enum, $ref is inlined from $evaluators, var paths
// are split once, and arrays of literals become one constant, so evaluation does no parsing and
// no lookups by name.
#include <algorithm>
#include <array>

#include "flagd/logic.hpp"
#include "hotreload/json.hpp"

namespace hotreload::detail::logic {
namespace {

struct OpName {
  std::string_view name;
  Op op;
};

constexpr std::array kOperators{
    OpName{"var", Op::var},         OpName{"missing", Op::missing},   OpName{"missing_some", Op::missing_some},
    OpName{"if", Op::if_},          OpName{"?:", Op::if_},            OpName{"==", Op::eq},
    OpName{"===", Op::strict_eq},   OpName{"!=", Op::ne},             OpName{"!==", Op::strict_ne},
    OpName{"!", Op::not_},          OpName{"!!", Op::not_not},        OpName{"or", Op::or_},
    OpName{"and", Op::and_},        OpName{"<", Op::lt},              OpName{"<=", Op::le},
    OpName{">", Op::gt},            OpName{">=", Op::ge},             OpName{"max", Op::max},
    OpName{"min", Op::min},         OpName{"+", Op::add},             OpName{"-", Op::sub},
    OpName{"*", Op::mul},           OpName{"/", Op::div},             OpName{"%", Op::mod},
    OpName{"in", Op::in},           OpName{"cat", Op::cat},           OpName{"substr", Op::substr},
    OpName{"merge", Op::merge},     OpName{"map", Op::map},           OpName{"filter", Op::filter},
    OpName{"reduce", Op::reduce},   OpName{"all", Op::all},           OpName{"none", Op::none},
    OpName{"some", Op::some},       OpName{"fractional", Op::fractional}, OpName{"sem_ver", Op::sem_ver},
    OpName{"starts_with", Op::starts_with}, OpName{"ends_with", Op::ends_with},
};

constexpr std::array<std::string_view, 8> kSemVerOperators{"=", "!=", "<", "<=", ">", ">=", "^", "~"};

// $ref chains deeper than this are cycles (or absurd): reported instead of recursing further.
constexpr std::size_t kMaxRefDepth = 32;

Path child(const Path& path, PathSegment segment) {
  Path out = path;
  out.push_back(std::move(segment));
  return out;
}

std::vector<std::string> split_path(std::string_view dotted) {
  std::vector<std::string> segments;
  if (dotted.empty()) return segments;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = dotted.find('.', start);
    segments.emplace_back(dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return segments;
}

class Compiler {
 public:
  Compiler(const Value* evaluators, std::vector<Problem>& problems) : evaluators_(evaluators), problems_(problems) {}

  Term compile(const Value& node, const Path& path) {
    if (node.is_array()) return compile_array(node, path);
    if (!node.is_object() || node.as_object().size() != 1) {
      // Scalars, and objects that are not one-key operations, are data in JSONLogic.
      Term term;
      term.constant = to_json_as<nlohmann::json>(node);
      return term;
    }
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const std::string& name = node.as_object().begin()->first;
    const Value& operand = node.as_object().begin()->second;
    if (name == "$ref") return compile_ref(operand, path);
    auto found = std::find_if(kOperators.begin(), kOperators.end(), [&](const OpName& op) { return op.name == name; });
    if (found == kOperators.end()) {
      report(Problem::Kind::unknown_operator, "unknown JSONLogic operator \"" + name + "\"", node.origin, path);
      return {};
    }
    const Path here = child(path, name);
    Term term;
    term.op = found->op;
    if (operand.is_array()) {
      const Array& items = operand.as_array();
      for (std::size_t i = 0; i < items.size(); ++i) term.args.push_back(compile(items[i], child(here, i)));
    } else {
      term.args.push_back(compile(operand, here));
    }
    check(term, operand, here);
    return term;
  }

 private:
  Term compile_array(const Value& node, const Path& path) {
    Term term;
    term.op = Op::array;
    const Array& items = node.as_array();
    bool all_constant = true;
    for (std::size_t i = 0; i < items.size(); ++i) {
      term.args.push_back(compile(items[i], child(path, i)));
      all_constant = all_constant && term.args.back().op == Op::constant;
    }
    if (all_constant) {
      // Folded so that `in` over a literal list borrows it instead of building an array each time.
      Term folded;
      folded.constant = nlohmann::json::array();
      for (Term& item : term.args) folded.constant.push_back(std::move(item.constant));
      return folded;
    }
    return term;
  }

  Term compile_ref(const Value& operand, const Path& path) {
    const Path here = child(path, "$ref");
    if (!operand.is_string()) {
      report(Problem::Kind::unknown_operator, std::string("$ref must name an evaluator, got ") + kind_name(operand.kind()),
             operand.origin, here);
      return {};
    }
    const std::string& name = operand.as_string();
    const Value* target = evaluators_ != nullptr && evaluators_->is_object() ? evaluators_->as_object().find(name) : nullptr;
    if (target == nullptr) {
      report(Problem::Kind::unknown_operator, "$ref to unknown evaluator \"" + name + "\" (not in $evaluators)",
             operand.origin, here);
      return {};
    }
    if (std::find(refs_.begin(), refs_.end(), name) != refs_.end() || refs_.size() >= kMaxRefDepth) {
      report(Problem::Kind::unknown_operator, "$ref cycle through evaluator \"" + name + "\"", operand.origin, here);
      return {};
    }
    refs_.push_back(name);
    Term term = compile(*target, Path{std::string("$evaluators"), name});
    refs_.pop_back();
    return term;
  }

  // Argument checks for the operators whose misuse flagd answers with null on every evaluation:
  // almost certainly a mistake, so a strict load refuses it.
  void check(Term& term, const Value& operand, const Path& path) {
    auto arg_origin = [&](std::size_t i) {
      return operand.is_array() && i < operand.as_array().size() ? operand.as_array()[i].origin : operand.origin;
    };
    auto bad = [&](std::string message, std::size_t i) {
      report(Problem::Kind::bad_arguments, std::move(message), arg_origin(i),
             operand.is_array() && i < operand.as_array().size() ? child(path, i) : path);
    };
    switch (term.op) {
      case Op::var: {
        if (term.args.empty()) return;  // {"var": []}: the whole data
        const Term& first = term.args.front();
        if (first.op != Op::constant) {
          term.literal_path = false;
        } else if (first.constant.is_string()) {
          term.path = split_path(first.constant.get_ref<const std::string&>());
          term.var_root = classify_var_root(term.path);
        } else if (first.constant.is_number()) {
          term.path = {number_text(first.constant.get<double>())};
          term.var_root = classify_var_root(term.path);
        } else if (!first.constant.is_null()) {
          bad("var takes a path (a string or a number), got " + std::string(first.constant.type_name()), 0);
        }
        return;
      }
      case Op::starts_with:
      case Op::ends_with:
        if (term.args.size() != 2) {
          bad(std::string(term.op == Op::starts_with ? "starts_with" : "ends_with") +
                  " takes 2 arguments (a value and a " + (term.op == Op::starts_with ? "prefix" : "suffix") +
                  "), got " + std::to_string(term.args.size()),
              0);
        }
        return;
      case Op::sem_ver: {
        if (term.args.size() != 3) {
          bad("sem_ver takes 3 arguments (a version, an operator and a version), got " +
                  std::to_string(term.args.size()),
              0);
          return;
        }
        const Term& op = term.args[1];
        if (op.op == Op::constant &&
            (!op.constant.is_string() || std::find(kSemVerOperators.begin(), kSemVerOperators.end(),
                                                   op.constant.get_ref<const std::string&>()) == kSemVerOperators.end())) {
          bad("unknown sem_ver operator " + json_text(op.constant) + " (=, !=, <, <=, >, >=, ^ or ~)", 1);
        }
        return;
      }
      case Op::fractional: check_fractional(term, bad); return;
      default: return;
    }
  }

  template <class Bad>
  void check_fractional(const Term& term, const Bad& bad) {
    std::size_t first_bucket = 0;
    // The first argument is the bucketing key unless it is itself a bucket (an array).
    if (!term.args.empty() && !(term.args[0].op == Op::array ||
                                (term.args[0].op == Op::constant && term.args[0].constant.is_array()))) {
      first_bucket = 1;
    }
    if (term.args.size() <= first_bucket) {
      bad("fractional needs at least one bucket [variant, weight]", 0);
      return;
    }
    for (std::size_t i = first_bucket; i < term.args.size(); ++i) {
      const Term& bucket = term.args[i];
      if (bucket.op == Op::array) {
        if (bucket.args.empty() || bucket.args.size() > 2) bad("a fractional bucket is [variant] or [variant, weight]", i);
        continue;
      }
      if (!bucket.constant.is_array() || bucket.constant.empty() || bucket.constant.size() > 2) {
        bad("a fractional bucket is [variant] or [variant, weight], got " + json_text(bucket.constant), i);
        continue;
      }
      if (bucket.constant.size() == 2) {
        const nlohmann::json& weight = bucket.constant[1];
        if (!weight.is_number_integer() && !weight.is_number_unsigned()) {
          bad("a fractional weight must be an integer, got " + json_text(weight), i);
        }
      }
    }
  }

  void report(Problem::Kind kind, std::string message, Origin origin, Path path) {
    problems_.push_back({kind, std::move(message), origin, std::move(path)});
  }

  const Value* evaluators_;
  std::vector<Problem>& problems_;
  std::vector<std::string> refs_;  // the $ref chain being compiled, for cycles
};

}  // namespace

Term compile(const Value& rule, const Value* evaluators, const Path& path, std::vector<Problem>& problems) {
  return Compiler(evaluators, problems).compile(rule, path);
}

}  // namespace hotreload::detail::logic
