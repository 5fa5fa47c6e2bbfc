// TOML through toml++, which already refuses duplicate keys and records a source region on every
// node. Its tables are sorted by key, so entries are put back in document order by the positions
// of their keys; dates and times become strings in their TOML (ISO 8601) form.
#include <toml++/toml.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "load/parsers.hpp"
#include "load/toml_unclosed.hpp"

namespace hotreload::detail {
namespace {

Origin origin_of(const toml::source_region& region) { return Origin{0, region.begin.line, region.begin.column}; }

template <class T>
std::string toml_text(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

class Converter {
 public:
  Converter(std::string_view source_name, const ParseLimits& limits) : source_name_(source_name), limits_(limits) {}

  Result<Value> convert(const toml::node& node, std::size_t depth) {
    Origin origin = origin_of(node.source());
    Value value;
    if (const toml::table* table = node.as_table()) {
      if (depth > limits_.max_depth) return too_deep(origin);
      auto converted = convert_table(*table, depth);
      if (!converted) return converted;
      value = std::move(*converted);
    } else if (const toml::array* array = node.as_array()) {
      if (depth > limits_.max_depth) return too_deep(origin);
      Array items;
      items.reserve(array->size());
      for (std::size_t i = 0; i < array->size(); ++i) {
        path_.emplace_back(i);
        auto item = convert((*array)[i], depth + 1);
        if (!item) return item;
        items.push_back(std::move(*item));
        path_.pop_back();
      }
      value = Value(std::move(items));
    } else {
      value = scalar(node);
    }
    value.origin = origin;
    return value;
  }

 private:
  Result<Value> convert_table(const toml::table& table, std::size_t depth) {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    entries.reserve(table.size());
    for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      const toml::source_position& pa = a.first->source().begin;
      const toml::source_position& pb = b.first->source().begin;
      return std::pair(pa.line, pa.column) < std::pair(pb.line, pb.column);
    });
    Object object;
    for (const auto& [key, node] : entries) {
      path_.emplace_back(std::string(key->str()));
      auto child = convert(*node, depth + 1);
      if (!child) return child;
      object.insert_or_assign(std::string(key->str()), std::move(*child));
      path_.pop_back();
    }
    return Value(std::move(object));
  }

  static Value scalar(const toml::node& node) {
    switch (node.type()) {
      case toml::node_type::string: return Value(std::string(node.as_string()->get()));
      case toml::node_type::integer: return Value(static_cast<std::int64_t>(node.as_integer()->get()));
      case toml::node_type::floating_point: return Value(node.as_floating_point()->get());
      case toml::node_type::boolean: return Value(node.as_boolean()->get());
      case toml::node_type::date: return Value(toml_text(node.as_date()->get()));
      case toml::node_type::time: return Value(toml_text(node.as_time()->get()));
      case toml::node_type::date_time: return Value(toml_text(node.as_date_time()->get()));
      default: return Value(nullptr);  // tables and arrays are handled by convert()
    }
  }

  Result<Value> too_deep(const Origin& origin) const {
    return unexpected(
        error_at(ErrorCode::limit, too_deep_message(limits_), source_name_, origin.line, origin.column, path_));
  }

  std::string_view source_name_;
  const ParseLimits& limits_;
  Path path_;
};

Error syntax_error(std::string_view text, const toml::parse_error& e, std::string_view source_name) {
  Origin origin = origin_of(e.source());
  std::string_view description = e.description();
  if (auto opening = find_unclosed_toml(text, origin.line, origin.column)) {
    return unclosed_error("TOML", opening->opener, opening->line, opening->column, description, origin.line,
                          origin.column, source_name);
  }
  return error_at(ErrorCode::parse, "invalid TOML: " + std::string(description), source_name, origin.line,
                  origin.column);
}

}  // namespace

Result<Value> parse_toml(std::string_view text, std::string_view source_name, const ParseLimits& limits) {
  Converter converter(source_name, limits);
  // toml++ reports errors by exception or by result depending on how it was configured.
#if TOML_EXCEPTIONS
  try {
    toml::table table = toml::parse(text, std::string(source_name));
    return converter.convert(table, 1);
  } catch (const toml::parse_error& e) {
    return unexpected(syntax_error(text, e, source_name));
  }
#else
  toml::parse_result result = toml::parse(text, std::string(source_name));
  if (!result) return unexpected(syntax_error(text, result.error(), source_name));
  return converter.convert(result.table(), 1);
#endif
}

}  // namespace hotreload::detail
