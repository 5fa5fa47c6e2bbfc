#include "hotreload/fields.hpp"

#include <algorithm>
#include <stdexcept>


namespace hotreload {
namespace {

std::string segment_text(const PathSegment& segment) {
  if (const auto* index = std::get_if<std::size_t>(&segment)) return "[" + std::to_string(*index) + "]";
  return std::get<std::string>(segment);
}

std::vector<std::string> split(std::string_view dotted) {
  std::vector<std::string> out;
  auto path = parse_dotted(dotted);
  if (!path) return out;
  for (const PathSegment& segment : *path) out.push_back(segment_text(segment));
  return out;
}

bool segment_matches(const std::string& pattern, const std::string& actual) {
  return pattern == "*" || pattern == "[*]" || pattern == actual;
}

// Does `pattern` match a prefix of `path` (i.e. the rule covers the path)?
bool covers(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() > path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (!segment_matches(pattern[i], path[i])) return false;
  }
  return true;
}

// Is `path` a strict prefix of something `pattern` can match?
bool lies_below(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() <= path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (!segment_matches(pattern[i], path[i])) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& segments) {
  std::string out;
  for (const std::string& segment : segments) {
    if (!out.empty() && segment.front() != '[') out += '.';
    out += segment;
  }
  return out;
}

}  // namespace

FieldRules& FieldRules::add(std::string pattern, Rule::Kind kind) {
  // "[*]" is not valid dotted syntax; accept it by rewriting to a key wildcard segment first.
  std::string normalised;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 3, "[*]") == 0) {
      normalised += ".*";
      i += 2;
    } else {
      normalised += pattern[i];
    }
  }
  if (!normalised.empty() && normalised.front() == '.') normalised.erase(0, 1);
  auto segments = split(normalised);
  if (segments.empty()) throw std::invalid_argument("hotreload::FieldRules: invalid path pattern \"" + pattern + "\"");
  rules_.push_back({std::move(segments), kind});
  return *this;
}

FieldRules& FieldRules::dynamic(std::string pattern) { return add(std::move(pattern), Rule::Kind::dynamic); }
FieldRules& FieldRules::restart(std::string pattern) { return add(std::move(pattern), Rule::Kind::restart); }
FieldRules& FieldRules::secret(std::string pattern) { return add(std::move(pattern), Rule::Kind::secret); }

FieldRules& FieldRules::append(const FieldRules& later) {
  std::vector<Rule> added = later.rules_;  // a copy: `later` may be *this
  rules_.insert(rules_.end(), added.begin(), added.end());
  return *this;
}

ReloadPolicy FieldRules::policy_of(std::string_view dotted_path) const {
  auto path = split(dotted_path);
  const Rule* best = nullptr;
  for (const Rule& rule : rules_) {
    if (rule.kind == Rule::Kind::secret || !covers(rule.segments, path)) continue;
    if (best == nullptr || rule.segments.size() >= best->segments.size()) best = &rule;
  }
  if (best == nullptr) return default_policy;
  return best->kind == Rule::Kind::restart ? ReloadPolicy::restart : ReloadPolicy::dynamic;
}

bool FieldRules::is_secret(std::string_view dotted_path) const {
  auto path = split(dotted_path);
  for (const Rule& rule : rules_) {
    if (rule.kind == Rule::Kind::secret && covers(rule.segments, path)) return true;
  }
  return false;
}

std::vector<std::string> FieldRules::restart_patterns_below(std::string_view dotted_path) const {
  auto path = split(dotted_path);
  std::vector<std::string> out;
  for (const Rule& rule : rules_) {
    if (rule.kind == Rule::Kind::restart && lies_below(rule.segments, path)) out.push_back(join(rule.segments));
  }
  return out;
}

bool FieldRules::has_secrets() const {
  for (const Rule& rule : rules_) {
    if (rule.kind == Rule::Kind::secret) return true;
  }
  return false;
}

Value FieldRules::redact(const Value& value, const Path& at) const {
  std::string dotted = to_dotted(at);
  if (is_secret(dotted)) {
    Value hidden{std::string(kRedacted)};
    hidden.origin = value.origin;
    return hidden;
  }
  if (!has_secrets() || value.is_scalar()) return value;
  Value copy = value;
  Path child = at;
  if (copy.is_object()) {
    for (auto& [key, item] : copy.as_object()) {
      child.push_back(key);
      item = redact(item, child);
      child.pop_back();
    }
  } else {
    Array& items = copy.as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      child.push_back(i);
      items[i] = redact(items[i], child);
      child.pop_back();
    }
  }
  return copy;
}

namespace {

// The texts a secret value can appear as in a message: as written, and as JSON.
void collect_secret_texts(const Value& value, const Path& at, const FieldRules& rules, bool secret,
                          std::vector<std::string>& texts) {
  secret = secret || rules.is_secret(to_dotted(at));
  if (value.is_scalar()) {
    if (!secret || value.is_null()) return;
    std::string json = to_json_text(value);
    if (value.is_string() && !value.as_string().empty()) texts.push_back(value.as_string());
    texts.push_back(std::move(json));
    return;
  }
  Path child = at;
  if (value.is_object()) {
    for (const auto& [key, item] : value.as_object()) {
      child.push_back(key);
      collect_secret_texts(item, child, rules, secret, texts);
      child.pop_back();
    }
  } else {
    const Array& items = value.as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      child.push_back(i);
      collect_secret_texts(items[i], child, rules, secret, texts);
      child.pop_back();
    }
  }
}

void replace_all(std::string& text, std::string_view what) {
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + kRedacted.size())) {
    text.replace(at, what.size(), kRedacted);
  }
}

// The longest start of `secret` (at least `minimum` characters) found in `text`, replaced.
void replace_longest_prefix(std::string& text, std::string_view secret, std::size_t minimum) {
  if (secret.size() < minimum) return;
  std::size_t best_at = std::string::npos;
  std::size_t best_length = 0;
  for (std::size_t at = text.find(secret.substr(0, minimum)); at != std::string::npos;
       at = text.find(secret.substr(0, minimum), at + 1)) {
    std::size_t length = minimum;
    while (length < secret.size() && at + length < text.size() && text[at + length] == secret[length]) ++length;
    if (length > best_length) {
      best_at = at;
      best_length = length;
    }
  }
  if (best_at != std::string::npos) text.replace(best_at, best_length, kRedacted);
}

}  // namespace

void redact_errors(Errors& errors, const Value& root, const FieldRules& rules) {
  if (!rules.has_secrets() || errors.empty()) return;
  std::vector<std::string> texts;
  collect_secret_texts(root, {}, rules, false, texts);
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(texts.begin(), texts.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  constexpr std::size_t kShortest = 4;
  constexpr std::size_t kShortestPrefix = 8;
  for (Error& error : errors) {
    for (const std::string& text : texts) {
      if (text.size() >= kShortest) replace_all(error.message, text);
    }
    if (!error.path.empty() && rules.is_secret(error.path)) {
      for (const std::string& text : texts) {
        // The raw text is in the list too; matching it keeps a quote before the value in place.
        if (text.front() != '"') replace_longest_prefix(error.message, text, kShortestPrefix);
      }
    }
  }
}

}  // namespace hotreload
