#include "schema/pattern.hpp"

#include <re2/re2.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "schema/unicode_property.hpp"

namespace hotreload::schema_detail {
namespace {

// The code points ECMA-262's \s matches (WhiteSpace and LineTerminator); RE2's \s is ASCII only.
constexpr std::string_view kEcmaSpace =
    R"(\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF})";
// ECMA-262's "." without the s flag: anything but a line terminator (RE2's "." matches \r).
constexpr std::string_view kEcmaDot = R"([^\n\r\x{2028}\x{2029}])";

struct Translation {
  std::string re2_source{};
  bool needs_backtracking = false;  // backreferences or lookaround, which RE2 does not do
  std::string error{};              // set: not an ECMA-262 pattern
};

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
std::uint32_t hex_value(char c) {
  return static_cast<std::uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
}
bool is_ascii_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string code_point_escape(std::uint32_t code_point) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\x{%X}", static_cast<unsigned>(code_point));
  return buffer;
}

// Reads the hex digits of \uXXXX or \u{X...} starting after the 'u' at `i`; advances `i` past them.
std::optional<std::uint32_t> unicode_escape(std::string_view source, std::size_t& i) {
  std::uint32_t value = 0;
  if (i + 1 < source.size() && source[i + 1] == '{') {
    std::size_t end = source.find('}', i + 2);
    if (end == std::string_view::npos || end == i + 2 || end - (i + 2) > 6) return std::nullopt;
    for (std::size_t k = i + 2; k < end; ++k) {
      if (!is_hex(source[k])) return std::nullopt;
      value = value * 16 + hex_value(source[k]);
    }
    if (value > 0x10FFFF) return std::nullopt;
    i = end;
    return value;
  }
  if (i + 4 >= source.size()) return std::nullopt;
  for (std::size_t k = i + 1; k <= i + 4; ++k) {
    if (!is_hex(source[k])) return std::nullopt;
    value = value * 16 + hex_value(source[k]);
  }
  i += 4;
  return value;
}

constexpr std::size_t kMaxRepeat = 1000;  // RE2's limit on {n,m}

// True when a quantifier {n}, {n,} or {n,m} starts at `i` and one of its numbers exceeds
// kMaxRepeat. A '{' that starts no quantifier is a literal brace (ECMA-262 Annex B).
bool repeat_count_too_large(std::string_view source, std::size_t i) {
  bool too_large = false;
  std::size_t k = i + 1;
  for (int number = 0; number < 2; ++number) {
    const std::size_t start = k;
    while (k < source.size() && source[k] >= '0' && source[k] <= '9') ++k;
    const std::string_view digits = source.substr(start, k - start);
    if (digits.empty() && number == 0) return false;
    if (!digits.empty() && (digits.size() > 4 || std::stoul(std::string(digits)) > kMaxRepeat)) too_large = true;
    if (number == 0 && k < source.size() && source[k] == ',') {
      ++k;
      continue;
    }
    break;
  }
  return too_large && k < source.size() && source[k] == '}';
}

// The number of capturing groups: each '(' that is not escaped, not inside a class, and not a
// non-capturing or lookaround group ("(?:", "(?=", "(?!", "(?<=", "(?<!"); "(?<name>" counts.
std::size_t capturing_groups(std::string_view source) {
  std::size_t groups = 0;
  bool in_class = false;
  for (std::size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      const bool plain = i + 1 >= source.size() || source[i + 1] != '?';
      const bool named = source.substr(i, 3) == "(?<" && source.substr(i, 4) != "(?<=" && source.substr(i, 4) != "(?<!";
      if (plain || named) ++groups;
    }
  }
  return groups;
}

// Rewrites an ECMA-262 pattern in RE2's syntax where the two differ in meaning, and refuses
// escapes ECMA-262 does not define (RE2 would read "\a" as BEL, ECMA-262 rejects it).
Translation translate(std::string_view source) {
  Translation out;
  std::string& re = out.re2_source;
  bool in_class = false;
  for (std::size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if (c == '\\') {
      if (i + 1 >= source.size()) {
        out.error = "a trailing backslash";
        return out;
      }
      const char e = source[++i];
      switch (e) {
        case 'd': case 'D': case 'w': case 'W': case 't': case 'n': case 'v': case 'f': case 'r':
          re += '\\';
          re += e;
          break;
        case 'b':  // a word boundary, but backspace inside a class
          re += in_class ? "\\x08" : "\\b";
          break;
        case 'B':
          if (in_class) {
            out.error = "\\B inside a character class";
            return out;
          }
          re += "\\B";
          break;
        case 's':
          re += in_class ? std::string(kEcmaSpace) : "[" + std::string(kEcmaSpace) + "]";
          break;
        case 'S':
          // Inside a class a negation cannot be spelled out; RE2's ASCII \S is the nearest.
          re += in_class ? std::string("\\S") : "[^" + std::string(kEcmaSpace) + "]";
          break;
        case 'c':
          if (i + 1 < source.size() && ((source[i + 1] >= 'a' && source[i + 1] <= 'z') || (source[i + 1] >= 'A' && source[i + 1] <= 'Z'))) {
            re += code_point_escape(static_cast<std::uint32_t>(source[++i]) % 32);
          } else {
            out.error = "\\c without a control letter";
            return out;
          }
          break;
        case 'x':
          if (i + 2 < source.size() && is_hex(source[i + 1]) && is_hex(source[i + 2])) {
            re += "\\x";
            re += source.substr(i + 1, 2);
            i += 2;
          } else {
            out.error = "\\x without two hex digits";
            return out;
          }
          break;
        case 'u': {
          std::optional<std::uint32_t> code_point = unicode_escape(source, i);
          // A surrogate pair written as two escapes is one code point.
          if (code_point && *code_point >= 0xD800 && *code_point <= 0xDBFF && source.substr(i + 1, 2) == "\\u") {
            std::size_t next = i + 2;
            std::optional<std::uint32_t> low = unicode_escape(source, next);
            if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
              code_point = 0x10000 + ((*code_point - 0xD800) << 10) + (*low - 0xDC00);
              i = next;
            }
          }
          if (!code_point) {
            out.error = "\\u without four hex digits or {code point}";
            return out;
          }
          if (*code_point >= 0xD800 && *code_point <= 0xDFFF) {
            out.error = "a lone surrogate \\u escape";
            return out;
          }
          re += code_point_escape(*code_point);
          break;
        }
        case '0':
          if (i + 1 < source.size() && source[i + 1] >= '0' && source[i + 1] <= '9') {
            out.error = "an octal escape";
            return out;
          }
          re += "\\x00";
          break;
        case 'k':  // a named backreference
          out.needs_backtracking = true;
          break;
        case 'p': case 'P': {  // a Unicode property, by any of its ECMA-262 names
          const std::size_t close = source.find('}', i + 1);
          if (i + 1 >= source.size() || source[i + 1] != '{' || close == std::string_view::npos) {
            out.error = std::string("\\") + e + " without {property}";
            return out;
          }
          auto property = re2_unicode_property(source.substr(i + 2, close - i - 2), e == 'P', in_class);
          if (!property) {
            out.error = property.error();
            return out;
          }
          re += *property;
          i = close;
          break;
        }
        default:
          if (e >= '1' && e <= '9') {
            if (in_class) {
              out.error = "an octal escape";
              return out;
            }
            // A backreference: its number must name a group (as with ECMA-262's u flag). An
            // unchecked one reaches std::regex, whose parser overflows on a long number.
            std::size_t end = i;
            while (end < source.size() && source[end] >= '0' && source[end] <= '9') ++end;
            const std::string_view number = source.substr(i, end - i);
            if (number.size() > 5 || std::stoul(std::string(number)) > capturing_groups(source)) {
              out.error = "the backreference \\" + std::string(number.substr(0, 12)) +
                          (number.size() > 12 ? "..." : "") + " names a group the pattern does not have";
              return out;
            }
            out.needs_backtracking = true;
            re += '\\';
            re += number;
            i = end - 1;
          } else if (is_ascii_alnum(e)) {
            out.error = std::string("the unknown escape \\") + e;
            return out;
          } else if (static_cast<unsigned char>(e) < 0x80) {
            re += '\\';  // an escaped syntax character stands for itself in both
            re += e;
          } else {
            re += e;  // the first byte of an escaped non-ASCII character, which is itself
          }
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      re += c == '[' ? std::string("\\[") : std::string(1, c);  // RE2 would read "[:" as a POSIX class
      continue;
    }
    if (c == '[') {
      // ECMA-262: "[]" matches nothing and "[^]" any character; RE2 reads a leading ']' as a member.
      if (source.substr(i, 2) == "[]") {
        re += R"([^\x00-\x{10FFFF}])";
        i += 1;
      } else if (source.substr(i, 3) == "[^]") {
        re += R"([\x00-\x{10FFFF}])";
        i += 2;
      } else {
        in_class = true;
        re += '[';
        if (i + 1 < source.size() && source[i + 1] == '^') re += source[++i];
      }
    } else if (c == '{' && repeat_count_too_large(source, i)) {
      // RE2 refuses them too; std::regex (the fallback) would overflow reading a long one.
      out.error = "a repeat count above " + std::to_string(kMaxRepeat);
      return out;
    } else if (c == '.') {
      re += kEcmaDot;
    } else if (c == '(' && (source.substr(i, 3) == "(?=" || source.substr(i, 3) == "(?!" ||
                            source.substr(i, 4) == "(?<=" || source.substr(i, 4) == "(?<!")) {
      out.needs_backtracking = true;  // lookaround
      re += c;
    } else if (c == '(' && source.substr(i, 3) == "(?<") {
      re += "(?P<";  // a named group, in the spelling RE2 2022 knows
      i += 2;
    } else {
      re += c;
    }
  }
  if (in_class) out.error = "a character class without its closing ']'";
  return out;
}

}  // namespace

Pattern::~Pattern() = default;

Result<std::shared_ptr<const Pattern>, std::string> Pattern::compile(const std::string& source) {
  Translation translation = translate(source);
  if (!translation.error.empty()) return unexpected(std::move(translation.error));
  std::shared_ptr<Pattern> pattern(new Pattern());
  pattern->source_ = source;
  if (!translation.needs_backtracking) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_never_capture(true);  // only the verdict is needed
    auto linear = std::make_unique<re2::RE2>(translation.re2_source, options);
    if (!linear->ok()) return unexpected(linear->error());
    pattern->linear_ = std::move(linear);
    // Without the "m" flag, ECMA-262's "^" matches only at the start of the text.
    if (source.size() > 1 && source[0] == '^' && source.find_first_of("\\^$.|?*+()[]{}", 1) == std::string::npos) {
      pattern->prefix_ = source.substr(1);
    }
    return std::shared_ptr<const Pattern>(std::move(pattern));
  }
  try {
    pattern->fallback_ = std::make_unique<std::regex>(source, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return unexpected(std::string(e.what()));
  }
  return std::shared_ptr<const Pattern>(std::move(pattern));
}

bool Pattern::search(std::string_view text) const {
  if (prefix_) return text.starts_with(*prefix_);
  if (linear_) return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *linear_);
  return std::regex_search(text.begin(), text.end(), *fallback_);
}

}  // namespace hotreload::schema_detail
