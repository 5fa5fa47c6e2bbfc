// Evaluating compiled JSONLogic with json-logic-js's semantics (flagd's own operators are in
// flagd_ops.cpp).
#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>

#include "flagd/logic.hpp"

namespace hotreload::detail::logic {
namespace {

using Segments = std::vector<std::string>;

bool test(const Term& term, const Scope& scope);

Val arg(const Term& term, std::size_t i, const Scope& scope) {
  return i < term.args.size() ? evaluate(term.args[i], scope) : Val();
}

bool parse_index(std::string_view segment, std::size_t& index) {
  if (segment.empty() || segment.size() > 18) return false;
  index = 0;
  for (char c : segment) {
    if (c < '0' || c > '9') return false;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

// A key looked up in a JSON object, whose std::map compares with std::less<>: ordered exactly as
// std::string orders, but decided on the first byte where that differs, as it does between most
// attribute names, instead of a call to memcmp per node of the tree.
struct MapKey {
  std::string_view text;
};

int compare_keys(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a.front() != b.front()) {
    return static_cast<unsigned char>(a.front()) < static_cast<unsigned char>(b.front()) ? -1 : 1;
  }
  return a.compare(b);
}

bool operator<(const std::string& a, MapKey b) { return compare_keys(a, b.text) < 0; }
bool operator<(MapKey a, const std::string& b) { return compare_keys(a.text, b) < 0; }

// The value at `path` from segment `from` on; nullptr when missing. A null value counts as
// missing too, so that var's default applies to both.
const nlohmann::json* find_json(const nlohmann::json& start, const Segments& path, std::size_t from) {
  const nlohmann::json* node = &start;
  for (std::size_t i = from; i < path.size(); ++i) {
    if (node->is_object()) {
      const auto& members = node->get_ref<const nlohmann::json::object_t&>();
      auto it = members.find(MapKey{path[i]});
      if (it == members.end()) return nullptr;
      node = &it->second;
    } else if (node->is_array()) {
      std::size_t index = 0;
      if (!parse_index(path[i], index) || index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node->is_null() ? nullptr : node;
}

std::optional<Val> lookup_json(const nlohmann::json& start, const Segments& path, std::size_t from) {
  const nlohmann::json* found = find_json(start, path, from);
  if (found == nullptr) return std::nullopt;
  return Val::of(*found);
}

std::optional<Val> lookup_val(const Val& base, const Segments& path, std::size_t from) {
  if (from == path.size()) return base.is_null() ? std::nullopt : std::optional<Val>(base);
  if (base.json() != nullptr) return lookup_json(*base.json(), path, from);
  std::size_t index = 0;
  if (base.is_array() && parse_index(path[from], index) && index < base.size()) {
    return lookup_val(base.at(index), path, from + 1);
  }
  return std::nullopt;
}

std::optional<Val> lookup_root(const Scope& scope, const Segments& path, VarRoot root) {
  const EvaluationContext& context = *scope.context;
  if (path.empty()) return Val::of(context.attributes);
  switch (root) {
    case VarRoot::targeting_key:
      if (context.targeting_key.empty()) break;
      if (path.size() == 1) return Val::borrowed(context.targeting_key);
      return std::nullopt;
    // flagd injects {"$flagd": {"flagKey": ..., "timestamp": unix seconds}} into every context.
    case VarRoot::flag_key: return Val::borrowed(scope.flag_key);
    case VarRoot::timestamp: return Val::number(static_cast<double>(std::time(nullptr)));
    case VarRoot::nothing: return std::nullopt;
    case VarRoot::attributes: break;
  }
  if (!context.attributes.is_object()) return std::nullopt;
  return lookup_json(context.attributes, path, 0);
}

std::optional<Val> resolve(const Scope& scope, const Segments& path, VarRoot root) {
  if (scope.accumulator != nullptr) {
    // reduce's data is {"current": item, "accumulator": value}.
    if (path.empty()) return std::nullopt;
    if (path.front() == "current") return lookup_val(*scope.data, path, 1);
    if (path.front() == "accumulator") return lookup_val(*scope.accumulator, path, 1);
    return std::nullopt;
  }
  if (scope.data != nullptr) return lookup_val(*scope.data, path, 0);
  return lookup_root(scope, path, root);
}

std::optional<Val> resolve(const Scope& scope, const Segments& path) {
  return resolve(scope, path, classify_var_root(path));
}

Segments split(std::string_view dotted) {
  Segments out;
  if (dotted.empty()) return out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = dotted.find('.', start);
    out.emplace_back(dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

Val evaluate_var(const Term& term, const Scope& scope) {
  if (term.literal_path && term.var_root == VarRoot::attributes && scope.data == nullptr && !term.path.empty()) {
    // The common case, an attribute of the context, without the general resolve().
    const nlohmann::json& attributes = scope.context->attributes;
    const nlohmann::json* found = attributes.is_object() ? find_json(attributes, term.path, 0) : nullptr;
    return found != nullptr ? Val::of(*found) : arg(term, 1, scope);
  }
  std::optional<Val> found;
  if (term.literal_path) {
    found = resolve(scope, term.path, term.var_root);
  } else {
    Val path = evaluate(term.args[0], scope);
    found = resolve(scope, path.is_null() ? Segments{} : split(to_string(path)));
  }
  if (found) return std::move(*found);
  return arg(term, 1, scope);
}

bool is_missing(const Scope& scope, const Val& key) {
  std::optional<Val> found = resolve(scope, split(to_string(key)));
  return !found || (found->is_string() && found->as_string().empty());
}

Val evaluate_missing(const Term& term, const Scope& scope) {
  std::vector<Val> keys;
  Val first = arg(term, 0, scope);
  if (first.is_array()) {
    for (std::size_t i = 0; i < first.size(); ++i) keys.push_back(first.at(i));
  } else {
    keys.push_back(std::move(first));
    for (std::size_t i = 1; i < term.args.size(); ++i) keys.push_back(evaluate(term.args[i], scope));
  }
  std::vector<Val> missing;
  for (Val& key : keys) {
    if (is_missing(scope, key)) missing.push_back(std::move(key));
  }
  return Val::array(std::move(missing));
}

Val evaluate_missing_some(const Term& term, const Scope& scope) {
  const double need = to_number(arg(term, 0, scope));
  Val keys = arg(term, 1, scope);
  std::vector<Val> missing;
  std::size_t total = 0;
  if (keys.is_array()) {
    total = keys.size();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      Val key = keys.at(i);
      if (is_missing(scope, key)) missing.push_back(std::move(key));
    }
  }
  if (static_cast<double>(total - missing.size()) >= need) return Val::array({});
  return Val::array(std::move(missing));
}

Val evaluate_if(const Term& term, const Scope& scope) {
  const std::size_t n = term.args.size();
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) {
    if (test(term.args[i], scope)) return evaluate(term.args[i + 1], scope);
  }
  return i < n ? evaluate(term.args[i], scope) : Val();
}

Val evaluate_min_max(const Term& term, const Scope& scope, bool max) {
  if (term.args.empty()) return Val();
  double out = max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  for (const Term& item : term.args) {
    double n = to_number(evaluate(item, scope));
    if (std::isnan(n)) return Val::number(n);
    out = max ? std::max(out, n) : std::min(out, n);
  }
  return Val::number(out);
}

Val evaluate_substr(const Term& term, const Scope& scope) {
  const std::string text = to_string(arg(term, 0, scope));
  const auto size = static_cast<double>(text.size());
  double start = std::trunc(to_number(arg(term, 1, scope)));
  if (std::isnan(start)) start = 0;
  if (start < 0) start = std::max(0.0, size + start);
  start = std::min(start, size);
  double length = size - start;
  if (term.args.size() > 2) {
    double requested = std::trunc(to_number(arg(term, 2, scope)));
    // A negative length leaves that many characters off the end.
    length = std::isnan(requested) ? 0 : requested < 0 ? std::max(0.0, size - start + requested) : std::min(requested, length);
  }
  return Val::owned(text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(length)));
}

bool contains(const Term& term, const Scope& scope) {
  Val needle = arg(term, 0, scope);
  Val haystack = arg(term, 1, scope);
  if (haystack.is_string()) {
    if (needle.is_string()) return haystack.as_string().find(needle.as_string()) != std::string_view::npos;
    return haystack.as_string().find(to_string(needle)) != std::string_view::npos;
  }
  if (haystack.is_array()) {
    for (std::size_t i = 0; i < haystack.size(); ++i) {
      if (strict_equals(haystack.at(i), needle)) return true;
    }
  }
  return false;
}

Val evaluate_merge(const Term& term, const Scope& scope) {
  std::vector<Val> out;
  for (const Term& item : term.args) {
    Val v = evaluate(item, scope);
    if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) out.push_back(v.at(i));
    } else {
      out.push_back(std::move(v));
    }
  }
  return Val::array(std::move(out));
}

// map, filter, all, none, some: the second argument runs with each item of the first as data.
Val evaluate_iteration(const Term& term, const Scope& scope) {
  Val items = arg(term, 0, scope);
  const std::size_t n = items.is_array() ? items.size() : 0;
  std::vector<Val> out;
  for (std::size_t i = 0; i < n; ++i) {
    Val item = items.at(i);
    Scope inner{scope.context, scope.flag_key, &item, nullptr};
    Val result = arg(term, 1, inner);
    switch (term.op) {
      case Op::map: out.push_back(std::move(result)); break;
      case Op::filter:
        if (truthy(result)) out.push_back(std::move(item));
        break;
      case Op::all:
        if (!truthy(result)) return Val::boolean(false);
        break;
      case Op::none:
        if (truthy(result)) return Val::boolean(false);
        break;
      case Op::some:
        if (truthy(result)) return Val::boolean(true);
        break;
      default: break;
    }
  }
  switch (term.op) {
    case Op::all: return Val::boolean(n != 0);  // JSONLogic: "all" of nothing is false
    case Op::none: return Val::boolean(true);
    case Op::some: return Val::boolean(false);
    default: return Val::array(std::move(out));
  }
}

Val evaluate_reduce(const Term& term, const Scope& scope) {
  Val items = arg(term, 0, scope);
  Val accumulator = arg(term, 2, scope);
  if (!items.is_array()) return accumulator;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Val item = items.at(i);
    Scope inner{scope.context, scope.flag_key, &item, &accumulator};
    accumulator = arg(term, 1, inner);
  }
  return accumulator;
}

Val evaluate_arithmetic(const Term& term, const Scope& scope) {
  switch (term.op) {
    case Op::add: {
      double sum = 0;
      for (const Term& item : term.args) sum += to_number(evaluate(item, scope));
      return Val::number(sum);
    }
    case Op::mul: {
      if (term.args.empty()) return Val();
      double product = 1;
      for (const Term& item : term.args) product *= to_number(evaluate(item, scope));
      return Val::number(product);
    }
    case Op::sub: {
      double a = to_number(arg(term, 0, scope));
      if (term.args.size() < 2) return Val::number(-a);
      return Val::number(a - to_number(arg(term, 1, scope)));
    }
    case Op::div: return Val::number(to_number(arg(term, 0, scope)) / to_number(arg(term, 1, scope)));
    case Op::mod: return Val::number(std::fmod(to_number(arg(term, 0, scope)), to_number(arg(term, 1, scope))));
    default: return Val();
  }
}

// The comparison operators (==, ===, !=, !==, <, <=, >, >=).
bool compare(const Term& term, const Scope& scope) {
  Val a = arg(term, 0, scope);
  Val b = arg(term, 1, scope);
  switch (term.op) {
    case Op::eq: return loose_equals(a, b);
    case Op::strict_eq: return strict_equals(a, b);
    case Op::ne: return !loose_equals(a, b);
    case Op::strict_ne: return !strict_equals(a, b);
    case Op::gt: return less_than(b, a);
    case Op::ge: return less_equal(b, a);
    case Op::lt:
    case Op::le: {
      const bool inclusive = term.op == Op::le;
      bool result = inclusive ? less_equal(a, b) : less_than(a, b);
      // Three arguments: "between", a < b < c (or <=).
      if (result && term.args.size() > 2) {
        Val c = arg(term, 2, scope);
        result = inclusive ? less_equal(b, c) : less_than(b, c);
      }
      return result;
    }
    default: return false;
  }
}

Val evaluate_logic(const Term& term, const Scope& scope) {
  const bool is_or = term.op == Op::or_;
  Val last;
  for (const Term& item : term.args) {
    last = evaluate(item, scope);
    if (truthy(last) == is_or) return last;
  }
  return last;
}

// truthy(evaluate(term, scope)), without building a value where only truthiness counts: the
// conditions of `if`, the operand of `!` and `!!`, and the operands of an `and`/`or` being tested.
bool test(const Term& term, const Scope& scope) {
  switch (term.op) {
    case Op::eq:
    case Op::strict_eq:
    case Op::ne:
    case Op::strict_ne:
    case Op::lt:
    case Op::le:
    case Op::gt:
    case Op::ge: return compare(term, scope);
    case Op::in: return contains(term, scope);
    case Op::not_: return term.args.empty() || !test(term.args[0], scope);
    case Op::not_not: return !term.args.empty() && test(term.args[0], scope);
    case Op::and_:
      // `and` yields its first falsy operand, or its last: truthy exactly when every operand is.
      for (const Term& item : term.args) {
        if (!test(item, scope)) return false;
      }
      return !term.args.empty();
    case Op::or_:
      for (const Term& item : term.args) {
        if (test(item, scope)) return true;
      }
      return false;
    default: return truthy(evaluate(term, scope));
  }
}

}  // namespace

VarRoot classify_var_root(const std::vector<std::string>& path) {
  if (path.empty()) return VarRoot::attributes;
  if (path.front() == "targetingKey") return VarRoot::targeting_key;
  if (path.front() != "$flagd") return VarRoot::attributes;
  if (path.size() != 2) return VarRoot::nothing;
  if (path[1] == "flagKey") return VarRoot::flag_key;
  if (path[1] == "timestamp") return VarRoot::timestamp;
  return VarRoot::nothing;
}

Val evaluate(const Term& term, const Scope& scope) {
  switch (term.op) {
    case Op::constant: return Val::of(term.constant);
    case Op::array: {
      std::vector<Val> items;
      items.reserve(term.args.size());
      for (const Term& item : term.args) items.push_back(evaluate(item, scope));
      return Val::array(std::move(items));
    }
    case Op::var: return evaluate_var(term, scope);
    case Op::missing: return evaluate_missing(term, scope);
    case Op::missing_some: return evaluate_missing_some(term, scope);
    case Op::if_: return evaluate_if(term, scope);
    case Op::eq:
    case Op::strict_eq:
    case Op::ne:
    case Op::strict_ne:
    case Op::lt:
    case Op::le:
    case Op::gt:
    case Op::ge: return Val::boolean(compare(term, scope));
    case Op::not_:
    case Op::not_not: return Val::boolean(test(term, scope));
    case Op::or_:
    case Op::and_: return evaluate_logic(term, scope);
    case Op::max: return evaluate_min_max(term, scope, true);
    case Op::min: return evaluate_min_max(term, scope, false);
    case Op::add:
    case Op::sub:
    case Op::mul:
    case Op::div:
    case Op::mod: return evaluate_arithmetic(term, scope);
    case Op::in: return Val::boolean(contains(term, scope));
    case Op::cat: {
      std::string out;
      for (const Term& item : term.args) append_string(out, evaluate(item, scope));
      return Val::owned(std::move(out));
    }
    case Op::substr: return evaluate_substr(term, scope);
    case Op::merge: return evaluate_merge(term, scope);
    case Op::map:
    case Op::filter:
    case Op::all:
    case Op::none:
    case Op::some: return evaluate_iteration(term, scope);
    case Op::reduce: return evaluate_reduce(term, scope);
    case Op::fractional: return evaluate_fractional(term, scope);
    case Op::sem_ver: return evaluate_sem_ver(term, scope);
    case Op::starts_with: return evaluate_starts_with(term, scope, false);
    case Op::ends_with: return evaluate_starts_with(term, scope, true);
  }
  return Val();
}

}  // namespace hotreload::detail::logic
