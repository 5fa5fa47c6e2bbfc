#include "schema/unicode_property.hpp"

#include <array>
#include <utility>

namespace hotreload::schema_detail {
namespace {

// General_Category values by their Unicode names (PropertyValueAliases.txt): short name, long
// name, and the extra alias some have. ECMA-262 accepts each, case-sensitively.
struct Category {
  std::string_view short_name, long_name, alias;
};
constexpr std::array<Category, 37> kCategories{{
    {"C", "Other", ""},
    {"Cc", "Control", "cntrl"},
    {"Cf", "Format", ""},
    {"Co", "Private_Use", ""},
    {"Cs", "Surrogate", ""},
    {"L", "Letter", ""},
    {"LC", "Cased_Letter", ""},
    {"Ll", "Lowercase_Letter", ""},
    {"Lm", "Modifier_Letter", ""},
    {"Lo", "Other_Letter", ""},
    {"Lt", "Titlecase_Letter", ""},
    {"Lu", "Uppercase_Letter", ""},
    {"M", "Mark", "Combining_Mark"},
    {"Mc", "Spacing_Mark", ""},
    {"Me", "Enclosing_Mark", ""},
    {"Mn", "Nonspacing_Mark", ""},
    {"N", "Number", ""},
    {"Nd", "Decimal_Number", "digit"},
    {"Nl", "Letter_Number", ""},
    {"No", "Other_Number", ""},
    {"P", "Punctuation", "punct"},
    {"Pc", "Connector_Punctuation", ""},
    {"Pd", "Dash_Punctuation", ""},
    {"Pe", "Close_Punctuation", ""},
    {"Pf", "Final_Punctuation", ""},
    {"Pi", "Initial_Punctuation", ""},
    {"Po", "Other_Punctuation", ""},
    {"Ps", "Open_Punctuation", ""},
    {"S", "Symbol", ""},
    {"Sc", "Currency_Symbol", ""},
    {"Sk", "Modifier_Symbol", ""},
    {"Sm", "Math_Symbol", ""},
    {"So", "Other_Symbol", ""},
    {"Z", "Separator", ""},
    {"Zl", "Line_Separator", ""},
    {"Zp", "Paragraph_Separator", ""},
    {"Zs", "Space_Separator", ""},
}};

const Category* category_named(std::string_view name) {
  for (const Category& category : kCategories) {
    if (name == category.short_name || name == category.long_name || (!category.alias.empty() && name == category.alias)) {
      return &category;
    }
  }
  return nullptr;
}

// The class members (without brackets) for a set RE2 has no single name for.
std::string_view members_of(std::string_view name) {
  if (name == "LC") return R"(\p{Lu}\p{Ll}\p{Lt})";  // RE2 has no LC
  if (name == "Any") return R"(\x00-\x{10FFFF})";
  if (name == "ASCII") return R"(\x00-\x7F)";
  return {};
}

// A script name: letters and underscores, as RE2 spells them (Greek, Latin, Old_Italic).
bool is_script_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')) return false;
  }
  return true;
}

std::string escape(std::string_view re2_name, bool negated) {
  return std::string(negated ? "\\P{" : "\\p{") + std::string(re2_name) + "}";
}

}  // namespace

Result<std::string, std::string> re2_unicode_property(std::string_view name, bool negated, bool in_class) {
  std::string_view value = name;
  std::string_view property;
  if (std::size_t equals = name.find('='); equals != std::string_view::npos) {
    property = name.substr(0, equals);
    value = name.substr(equals + 1);
  }
  const bool general_category = property.empty() || property == "General_Category" || property == "gc";
  const bool script = property == "Script" || property == "sc";
  std::string_view re2_name;
  if (const Category* category = general_category ? category_named(value) : nullptr) {
    re2_name = category->short_name;
  } else if (property.empty() && (value == "Any" || value == "ASCII")) {
    re2_name = value;  // binary properties ECMA-262 lists that RE2 can spell as a range
  }
  if (!re2_name.empty()) {
    std::string_view members = members_of(re2_name);
    if (members.empty()) return escape(re2_name, negated);
    if (!negated) return in_class ? std::string(members) : "[" + std::string(members) + "]";
    if (in_class) return unexpected("\\P{" + std::string(name) + "} inside a character class");
    return "[^" + std::string(members) + "]";
  }
  // A bare script name (\p{Greek}) is RE2's spelling, which hotreload has always accepted;
  // RE2 reports a name it does not know, such as a binary property (\p{Alphabetic}).
  if ((script || property.empty()) && is_script_name(value)) return escape(value, negated);
  return unexpected("the Unicode property \\p{" + std::string(name) +
                    "}: supported are general categories (\\p{L}, \\p{Letter}, \\p{gc=Lu}) and scripts (\\p{Script=Greek})");
}

}  // namespace hotreload::schema_detail
