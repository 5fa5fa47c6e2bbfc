// flagd's own JSONLogic operators: fractional, sem_ver, starts_with and ends_with. Each answers
// null (not false) for input it cannot use, so the flag falls back to its default variant.
#include <murmurhash.h>

#include <array>
#include <cmath>
#include <cstring>
#include <optional>

#include "flagd/logic.hpp"

namespace hotreload::detail::logic {

std::uint32_t fractional_hash(std::string_view key) noexcept {
  std::uint32_t out[1] = {0};
  lmmh_x86_32(key.data(), static_cast<unsigned int>(key.size()), 0, out);
  return out[0];
}

std::size_t fractional_bucket(std::uint32_t hash, const std::int64_t* weights, std::size_t count) noexcept {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < count; ++i) total += static_cast<std::uint64_t>(weights[i]);
  // flagd's v2 bucketing: scale the 32-bit hash onto [0, total) without floating point.
  const std::uint64_t point = (static_cast<std::uint64_t>(hash) * total) >> 32;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < count; ++i) {
    cumulative += static_cast<std::uint64_t>(weights[i]);
    if (point < cumulative) return i;
  }
  return count - 1;  // unreachable while total > 0: point < total
}

namespace {

// The fractional weights must be whole numbers; fractions and non-numbers are errors.
std::optional<std::int64_t> weight_of(const Val& v) {
  if (!v.is_number()) return std::nullopt;
  double n = v.as_number();
  if (std::trunc(n) != n || std::fabs(n) > 4294967295.0) return std::nullopt;
  return n < 0 ? 0 : static_cast<std::int64_t>(n);  // negative weights count as 0
}

// A bucket's parts without building an array: constant buckets are read in place.
struct BucketReader {
  const Term& bucket;
  const Scope& scope;
  Val evaluated{};  // a bucket computed as a whole (say {"var": ...}), evaluated once

  std::optional<std::size_t> size() {
    if (bucket.op == Op::constant) {
      return bucket.constant.is_array() ? std::optional<std::size_t>(bucket.constant.size()) : std::nullopt;
    }
    if (bucket.op == Op::array) return bucket.args.size();
    evaluated = evaluate(bucket, scope);
    return evaluated.is_array() ? std::optional<std::size_t>(evaluated.size()) : std::nullopt;
  }
  Val item(std::size_t i) const {
    if (bucket.op == Op::constant) return Val::of(bucket.constant[i]);
    if (bucket.op == Op::array) return evaluate(bucket.args[i], scope);
    return evaluated.at(i);
  }
};

std::optional<std::string_view> targeting_key(const Scope& scope) {
  const EvaluationContext& context = *scope.context;
  if (!context.targeting_key.empty()) return context.targeting_key;
  if (context.attributes.is_object()) {
    auto it = context.attributes.find("targetingKey");
    if (it != context.attributes.end() && it->is_string()) return std::string_view(it->get_ref<const std::string&>());
  }
  return std::nullopt;
}

}  // namespace

Val evaluate_fractional(const Term& term, const Scope& scope) {
  if (term.args.empty()) return Val();
  std::size_t first_bucket = 0;
  Val key_value;
  std::optional<std::string_view> key;
  const Term& first = term.args.front();
  if (!(first.op == Op::array || (first.op == Op::constant && first.constant.is_array()))) {
    key_value = evaluate(first, scope);
    first_bucket = 1;
    if (key_value.is_string()) {
      key = key_value.as_string();
    } else if (!key_value.is_null()) {
      return Val();  // neither a bucketing key nor a bucket
    }
  }
  // Without a bucketing key flagd hashes the flag key followed directly by the targeting key.
  std::array<char, 256> stack;
  std::string joined;
  if (!key) {
    auto user = targeting_key(scope);
    if (!user) return Val();
    const std::size_t size = scope.flag_key.size() + user->size();
    if (size <= stack.size()) {
      std::memcpy(stack.data(), scope.flag_key.data(), scope.flag_key.size());
      std::memcpy(stack.data() + scope.flag_key.size(), user->data(), user->size());
      key = std::string_view(stack.data(), size);
    } else {
      joined.append(scope.flag_key).append(*user);
      key = joined;
    }
  }

  const std::size_t count = term.args.size() - first_bucket;
  if (count == 0) return Val();
  std::array<std::int64_t, 16> stack_weights;
  std::vector<std::int64_t> heap_weights;
  std::int64_t* weights = stack_weights.data();
  if (count > stack_weights.size()) {
    heap_weights.resize(count);
    weights = heap_weights.data();
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    BucketReader reader{term.args[first_bucket + i], scope};
    auto size = reader.size();
    if (!size || *size == 0 || *size > 2) return Val();
    std::optional<std::int64_t> weight = *size == 2 ? weight_of(reader.item(1)) : std::optional<std::int64_t>(1);
    if (!weight) return Val();
    weights[i] = *weight;
    total += static_cast<std::uint64_t>(*weight);
  }
  // Beyond 2^32 the product with the hash would overflow 64 bits.
  if (total == 0 || total > 0xFFFFFFFFull) return Val();
  const std::size_t chosen = fractional_bucket(fractional_hash(*key), weights, count);
  BucketReader reader{term.args[first_bucket + chosen], scope};
  (void)reader.size();
  return reader.item(0);
}

namespace {

// A version as golang.org/x/mod/semver reads it (flagd adds the "v" when it is missing, and
// accepts "V" for it):
// vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]], numbers without leading zeros.
struct SemVer {
  std::string_view major, minor, patch, prerelease;
};

bool take_number(std::string_view& s, std::string_view& out) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0 || (n > 1 && s[0] == '0')) return false;
  out = s.substr(0, n);
  s.remove_prefix(n);
  return true;
}

bool identifier_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Dot-separated, non-empty identifiers; in a prerelease, numeric ones have no leading zeros.
bool valid_identifiers(std::string_view s, bool prerelease) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty()) return false;
    for (char c : part) {
      if (!identifier_char(c)) return false;
    }
    if (prerelease && part.size() > 1 && part[0] == '0' && all_digits(part)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::optional<SemVer> parse_semver(std::string_view s) {
  // flagd strips the prefix case-insensitively ("V1.0.0" is "v1.0.0").
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.remove_prefix(1);
  SemVer v;
  if (!take_number(s, v.major)) return std::nullopt;
  v.minor = v.patch = "0";
  if (s.empty()) return v;  // "v1" means v1.0.0 (no prerelease or build allowed)
  if (s[0] != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!take_number(s, v.minor)) return std::nullopt;
  if (s.empty()) return v;
  if (s[0] != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!take_number(s, v.patch)) return std::nullopt;
  if (!s.empty() && s[0] == '-') {
    std::size_t end = s.find('+');
    v.prerelease = s.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
    if (!valid_identifiers(v.prerelease, true)) return std::nullopt;
    s = end == std::string_view::npos ? std::string_view() : s.substr(end);
  }
  if (!s.empty() && s[0] == '+') {
    // Build metadata is valid but never compared.
    if (!valid_identifiers(s.substr(1), false)) return std::nullopt;
    s = {};
  }
  if (!s.empty()) return std::nullopt;
  return v;
}

// Numbers without leading zeros compare by length first, then digit by digit: no overflow.
int compare_number(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int compare_prerelease(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  if (a.empty()) return 1;  // a release ranks above its prereleases
  if (b.empty()) return -1;
  while (!a.empty() && !b.empty()) {
    std::size_t da = a.find('.');
    std::size_t db = b.find('.');
    std::string_view pa = a.substr(0, da);
    std::string_view pb = b.substr(0, db);
    const bool na = all_digits(pa);
    const bool nb = all_digits(pb);
    int c = 0;
    if (na && nb) {
      c = compare_number(pa, pb);
    } else if (na != nb) {
      c = na ? -1 : 1;  // numeric identifiers rank below alphanumeric ones
    } else {
      c = pa.compare(pb) < 0 ? -1 : pa.compare(pb) > 0 ? 1 : 0;
    }
    if (c != 0) return c;
    a = da == std::string_view::npos ? std::string_view() : a.substr(da + 1);
    b = db == std::string_view::npos ? std::string_view() : b.substr(db + 1);
  }
  if (a.empty() && b.empty()) return 0;
  return a.empty() ? -1 : 1;  // more identifiers rank higher
}

int compare(const SemVer& a, const SemVer& b) {
  if (int c = compare_number(a.major, b.major); c != 0) return c;
  if (int c = compare_number(a.minor, b.minor); c != 0) return c;
  if (int c = compare_number(a.patch, b.patch); c != 0) return c;
  return compare_prerelease(a.prerelease, b.prerelease);
}

// A version from the context may be a number (1.2 in JSON); it is read as its text.
std::optional<std::string> version_text(const Val& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_number() && std::isfinite(v.as_number()) && v.as_number() >= 0) return number_text(v.as_number());
  return std::nullopt;
}

}  // namespace

Val evaluate_sem_ver(const Term& term, const Scope& scope) {
  if (term.args.size() != 3) return Val();
  auto actual_text = version_text(evaluate(term.args[0], scope));
  Val op = evaluate(term.args[1], scope);
  auto target_text = version_text(evaluate(term.args[2], scope));
  if (!actual_text || !target_text || !op.is_string()) return Val();
  auto actual = parse_semver(*actual_text);
  auto target = parse_semver(*target_text);
  if (!actual || !target) return Val();
  const std::string_view name = op.as_string();
  const int c = compare(*actual, *target);
  if (name == "=") return Val::boolean(c == 0);
  if (name == "!=") return Val::boolean(c != 0);
  if (name == "<") return Val::boolean(c < 0);
  if (name == "<=") return Val::boolean(c <= 0);
  if (name == ">") return Val::boolean(c > 0);
  if (name == ">=") return Val::boolean(c >= 0);
  if (name == "^") return Val::boolean(compare_number(actual->major, target->major) == 0);
  if (name == "~") {
    return Val::boolean(compare_number(actual->major, target->major) == 0 &&
                        compare_number(actual->minor, target->minor) == 0);
  }
  return Val();
}

Val evaluate_starts_with(const Term& term, const Scope& scope, bool ends) {
  if (term.args.size() != 2) return Val();
  Val value = evaluate(term.args[0], scope);
  Val affix = evaluate(term.args[1], scope);
  if (!value.is_string() || !affix.is_string()) return Val();
  return Val::boolean(ends ? value.as_string().ends_with(affix.as_string()) : value.as_string().starts_with(affix.as_string()));
}

}  // namespace hotreload::detail::logic
