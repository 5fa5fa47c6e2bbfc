// Reading a flagd flag file: the shape is checked key by key, every problem is reported with its
// position, and targeting rules are compiled (flagd/logic_compile.cpp).
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "flagd/table.hpp"
#include "hotreload/flagd.hpp"
#include "hotreload/json.hpp"

namespace hotreload {
namespace {

using detail::FlagdFlag;
using detail::FlagdTable;
using detail::FlagdVariant;
namespace logic = detail::logic;

Path child(const Path& path, PathSegment segment) {
  Path out = path;
  out.push_back(std::move(segment));
  return out;
}

std::string json_quoted(std::string_view s) { return logic::json_text(nlohmann::json(std::string(s))); }

std::string describe(const Value& value) {
  if (value.is_scalar()) return std::string(kind_name(value.kind())) + " " + to_json_text(value);
  return kind_name(value.kind());
}

class Builder {
 public:
  Builder(const Document& document, const FlagdOptions& options) : document_(document), options_(options) {}

  Result<std::shared_ptr<const FlagdTable>, Errors> build() {
    auto table = std::make_shared<FlagdTable>();
    const Object& root = document_.root.as_object();
    for (const auto& [key, value] : root) {
      if (key != "flags" && key != "$evaluators" && key != "metadata" && key != "$schema") {
        lint("unknown key " + json_quoted(key) + " (expected flags, $evaluators, metadata or $schema)", value.origin, {key});
      }
    }
    if (const Value* schema = root.find("$schema"); schema != nullptr && !schema->is_string()) {
      error("expected a string, got " + describe(*schema), schema->origin, {std::string("$schema")});
    }
    evaluators_ = root.find("$evaluators");
    if (evaluators_ != nullptr) check_evaluators();
    if (const Value* metadata = root.find("metadata")) {
      if (check_metadata(*metadata, {std::string("metadata")})) table->metadata = to_json_as<nlohmann::json>(*metadata);
    }
    const Value* flags = root.find("flags");
    if (flags == nullptr) {
      error("missing required key \"flags\"", document_.root.origin, {});
    } else if (!flags->is_object()) {
      error("expected a map of flag keys to flags, got " + describe(*flags), flags->origin, {std::string("flags")});
    } else {
      for (const auto& [key, definition] : flags->as_object()) {
        if (auto flag = build_flag(key, definition, table->metadata)) table->flags.push_back(std::move(flag));
      }
    }
    if (!errors_.empty()) return unexpected(std::move(errors_));
    for (const auto& flag : table->flags) table->by_key.emplace(flag->key, flag.get());
    table->warnings = std::move(warnings_);
    return std::shared_ptr<const FlagdTable>(std::move(table));
  }

 private:
  void error(std::string message, const Origin& origin, const Path& path) {
    errors_.push_back({ErrorCode::validation, std::move(message), document_.location_of(origin), to_dotted(path)});
  }
  // A problem flagd itself tolerates: an error when strict, a warning when lenient.
  void lint(std::string message, const Origin& origin, const Path& path) {
    Error problem{ErrorCode::validation, std::move(message), document_.location_of(origin), to_dotted(path)};
    (options_.strict ? errors_ : warnings_).push_back(std::move(problem));
  }

  void report(const std::vector<logic::Problem>& problems) {
    for (const logic::Problem& problem : problems) lint(problem.message, problem.origin, problem.path);
  }

  // Each evaluator is compiled once here, so that its problems are reported once, at the
  // evaluator, however many flags refer to it (and even when none does).
  void check_evaluators() {
    const Path here{std::string("$evaluators")};
    if (!evaluators_->is_object()) {
      error("expected a map of evaluator names to rules, got " + describe(*evaluators_), evaluators_->origin, here);
      evaluators_ = nullptr;
      return;
    }
    for (const auto& [name, rule] : evaluators_->as_object()) {
      std::vector<logic::Problem> problems;
      (void)logic::compile(rule, evaluators_, child(here, name), problems);
      report(problems);
    }
  }

  bool check_metadata(const Value& metadata, const Path& path) {
    if (!metadata.is_object()) {
      error("expected a map of metadata, got " + describe(metadata), metadata.origin, path);
      return false;
    }
    bool ok = true;
    for (const auto& [key, value] : metadata.as_object()) {
      if (!value.is_bool() && !value.is_number() && !value.is_string()) {
        error("metadata values must be strings, numbers or booleans, got " + describe(value), value.origin,
              child(path, key));
        ok = false;
      }
    }
    return ok;
  }

  std::unique_ptr<FlagdFlag> build_flag(const std::string& key, const Value& definition, const nlohmann::json& set_metadata) {
    const Path here{std::string("flags"), key};
    const std::size_t errors_before = errors_.size();
    if (key.empty()) error("a flag key must not be empty", definition.origin, here);
    if (!definition.is_object()) {
      error("expected a flag (a map with state and variants), got " + describe(definition), definition.origin, here);
      return nullptr;
    }
    auto flag = std::make_unique<FlagdFlag>();
    flag->key = key;
    const Object& fields = definition.as_object();
    for (const auto& [name, value] : fields) {
      if (name != "state" && name != "variants" && name != "defaultVariant" && name != "targeting" && name != "metadata") {
        lint("unknown key " + json_quoted(name) + " (expected state, variants, defaultVariant, targeting or metadata)",
             value.origin, child(here, name));
      }
    }

    const Value* state = fields.find("state");
    if (state == nullptr) {
      error("missing required key \"state\"", definition.origin, here);
    } else if (!state->is_string() || (state->as_string() != "ENABLED" && state->as_string() != "DISABLED")) {
      error("expected \"ENABLED\" or \"DISABLED\", got " + describe(*state), state->origin, child(here, "state"));
    } else {
      flag->enabled = state->as_string() == "ENABLED";
    }

    build_variants(*flag, fields.find("variants"), definition, here);

    if (const Value* default_variant = fields.find("defaultVariant"); default_variant != nullptr && !default_variant->is_null()) {
      const Path at = child(here, "defaultVariant");
      if (!default_variant->is_string()) {
        error("expected the name of a variant (or null), got " + describe(*default_variant), default_variant->origin, at);
      } else if (!flag->variants.empty()) {
        flag->default_variant = flag->find_variant(default_variant->as_string());
        if (flag->default_variant == nullptr) {
          error("unknown variant " + json_quoted(default_variant->as_string()) + " (variants: " + variant_names(*flag) + ")",
                default_variant->origin, at);
        }
      }
    }

    flag->metadata = set_metadata;
    if (const Value* metadata = fields.find("metadata")) {
      if (check_metadata(*metadata, child(here, "metadata"))) {
        for (const auto& [name, value] : metadata->as_object()) flag->metadata[name] = to_json_as<nlohmann::json>(value);
      }
    }

    if (const Value* targeting = fields.find("targeting"); targeting != nullptr && !targeting->is_null()) {
      build_targeting(*flag, *targeting, child(here, "targeting"));
    }
    if (errors_.size() != errors_before) return nullptr;
    return flag;
  }

  void build_variants(FlagdFlag& flag, const Value* variants, const Value& definition, const Path& here) {
    const Path at = child(here, "variants");
    if (variants == nullptr) {
      error("missing required key \"variants\"", definition.origin, here);
      return;
    }
    if (!variants->is_object() || variants->as_object().empty()) {
      error("expected a non-empty map of variant names to values, got " + describe(*variants), variants->origin, at);
      return;
    }
    std::optional<FlagType> type;
    const Value* first = nullptr;
    for (const auto& [name, value] : variants->as_object()) {
      std::optional<FlagType> this_type;
      switch (value.kind()) {
        case Value::Kind::boolean: this_type = FlagType::boolean; break;
        case Value::Kind::string: this_type = FlagType::string; break;
        case Value::Kind::integer: this_type = FlagType::integer; break;
        case Value::Kind::floating: this_type = FlagType::floating; break;
        case Value::Kind::object: this_type = FlagType::object; break;
        default: break;
      }
      if (!this_type) {
        error("a variant must be a boolean, string, number or object, got " + describe(value), value.origin,
              child(at, name));
        continue;
      }
      const bool numbers = (type == FlagType::integer || type == FlagType::floating) &&
                           (this_type == FlagType::integer || this_type == FlagType::floating);
      if (!type) {
        type = this_type;
        first = &value;
      } else if (numbers) {
        if (this_type == FlagType::floating) type = FlagType::floating;  // 1 and 0.5: a float flag
      } else if (type != this_type) {
        error(std::string("all variants of a flag must have one type: this one is ") + to_string(*this_type) +
                  ", the first (line " + std::to_string(first->origin.line) + ") is " + to_string(*type),
              value.origin, child(at, name));
        continue;
      }
      FlagdVariant variant;
      variant.name = name;
      variant.value = to_json_as<nlohmann::json>(value);
      if (value.is_bool()) variant.boolean = value.as_bool();
      if (value.is_number()) {
        variant.number = value.as_double();
        if (value.is_int()) {
          variant.is_integer = true;
          variant.integer = value.as_int();
        } else if (std::trunc(variant.number) == variant.number && std::fabs(variant.number) < 9.2e18) {
          variant.is_integer = true;
          variant.integer = static_cast<std::int64_t>(variant.number);
        }
      }
      flag.variants.push_back(std::move(variant));
    }
    if (type) flag.type = *type;
  }

  static std::string variant_names(const FlagdFlag& flag) {
    std::string out;
    for (const FlagdVariant& variant : flag.variants) {
      if (!out.empty()) out += ", ";
      out += variant.name;
    }
    return out;
  }

  void build_targeting(FlagdFlag& flag, const Value& targeting, const Path& at) {
    if (!targeting.is_object()) {
      error("expected a JSONLogic rule (a map), got " + describe(targeting), targeting.origin, at);
      return;
    }
    if (targeting.as_object().empty()) return;  // {}: no targeting, as in flagd
    std::vector<logic::Problem> problems;
    logic::Term rule = logic::compile(targeting, evaluators_, at, problems);
    bool runnable = true;
    for (const logic::Problem& problem : problems) {
      if (problem.kind == logic::Problem::Kind::unknown_operator) {
        runnable = false;
        if (flag.broken.empty()) flag.broken = document_.location_of(problem.origin).to_string() + ": " + problem.message;
      }
      // Problems inside an evaluator were reported when $evaluators was checked.
      const bool in_evaluator = !problem.path.empty() && problem.path.front() == PathSegment(std::string("$evaluators"));
      if (!in_evaluator) lint(problem.message, problem.origin, problem.path);
    }
    if (!runnable) {
      flag.targeting_source = to_json_as<nlohmann::json>(targeting);  // served as broken as it is
      return;
    }
    check_results(flag, rule, targeting, at);
    flag.targeting = std::move(rule);
    flag.targeting_source = inline_refs(targeting);
  }

  // The rule as written with every {"$ref": NAME} replaced by that evaluator's rule, so that a
  // configuration served to other evaluators needs no $evaluators, and files merged for serving
  // cannot clash over evaluator names. Called on rules that compiled: every $ref names an
  // evaluator and no chain loops.
  nlohmann::json inline_refs(const Value& rule) const {
    if (rule.is_array()) {
      nlohmann::json out = nlohmann::json::array();
      for (const Value& item : rule.as_array()) out.push_back(inline_refs(item));
      return out;
    }
    if (!rule.is_object()) return to_json_as<nlohmann::json>(rule);
    if (const Value* name = rule.as_object().find("$ref"); name != nullptr && name->is_string() && evaluators_ != nullptr) {
      if (const Value* target = evaluators_->as_object().find(name->as_string())) return inline_refs(*target);
    }
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : rule.as_object()) out[key] = inline_refs(item);
    return out;
  }

  // The variants a rule can return literally (the branches of if, the buckets of fractional) must
  // exist; anything else is a GENERAL error on every evaluation that takes that branch.
  void check_results(const FlagdFlag& flag, const logic::Term& term, const Value& node, const Path& at) {
    auto check_name = [&](const nlohmann::json& name, const Value& where, const Path& path) {
      std::string text;
      if (name.is_string()) {
        text = name.get<std::string>();
      } else if (name.is_boolean()) {
        text = name.get<bool>() ? "true" : "false";
      } else {
        return;
      }
      if (flag.find_variant(text) == nullptr) {
        lint("targeting returns variant " + json_quoted(text) + ", which the flag does not define (variants: " +
                 variant_names(flag) + ")",
             where.origin, path);
      }
    };
    if (!node.is_object() || node.as_object().size() != 1) return;
    const auto& [name, operand] = *node.as_object().begin();
    if (!operand.is_array()) return;
    const Array& items = operand.as_array();
    const Path here = child(at, name);
    if (term.op == logic::Op::if_) {
      // {"if": [c1, r1, c2, r2, ..., else]}: results at odd indices, and the last one when the
      // count is odd.
      const std::size_t n = std::min(items.size(), term.args.size());
      for (std::size_t i = 1; i <= n; ++i) {
        const bool result_index = (i % 2 == 1 && i < n) || (i == n - 1 && n % 2 == 1);
        if (!result_index) continue;
        const logic::Term& result = term.args[i];
        if (result.op == logic::Op::constant) {
          check_name(result.constant, items[i], child(here, i));
        } else {
          check_results(flag, result, items[i], child(here, i));
        }
      }
    } else if (term.op == logic::Op::fractional) {
      for (std::size_t i = 0; i < items.size() && i < term.args.size(); ++i) {
        const logic::Term& bucket = term.args[i];
        if (bucket.op == logic::Op::constant && bucket.constant.is_array() && !bucket.constant.empty() &&
            items[i].is_array()) {
          check_name(bucket.constant[0], items[i].as_array()[0], child(child(here, i), std::size_t{0}));
        }
      }
    }
  }

  const Document& document_;
  const FlagdOptions& options_;
  const Value* evaluators_ = nullptr;
  Errors errors_;
  Errors warnings_;
};

Result<std::shared_ptr<const FlagdTable>, Errors> build(Result<Document> document, const FlagdOptions& options) {
  if (!document) return unexpected(Errors{std::move(document).error()});
  return Builder(*document, options).build();
}

ParseOptions parse_options(const FlagdOptions& options) {
  ParseOptions parse;
  parse.limits = options.limits;
  return parse;
}

}  // namespace

FlagdDefinitions::FlagdDefinitions() : table_(std::make_shared<const FlagdTable>()) {}

Result<FlagdDefinitions, Errors> FlagdDefinitions::parse(std::string_view text, std::string_view source_name,
                                                         Format format, const FlagdOptions& options) {
  auto table = build(hotreload::parse(text, format, source_name, parse_options(options)), options);
  if (!table) return unexpected(std::move(table).error());
  return FlagdDefinitions(std::move(*table));
}

Result<FlagdDefinitions, Errors> FlagdDefinitions::parse_file(const std::string& path, const FlagdOptions& options) {
  const Format format = format_from_path(path).value_or(Format::json);
  auto table = build(hotreload::parse_file(path, format, parse_options(options)), options);
  if (!table) return unexpected(std::move(table).error());
  return FlagdDefinitions(std::move(*table));
}

Result<FlagdDefinitions, Errors> FlagdDefinitions::from_document(const Document& document,
                                                                 const FlagdOptions& options) {
  auto table = Builder(document, options).build();
  if (!table) return unexpected(std::move(table).error());
  return FlagdDefinitions(std::move(*table));
}

FlagdDefinitions FlagdDefinitions::merge(const std::vector<FlagdDefinitions>& in_order) {
  auto merged = std::make_shared<FlagdTable>();
  std::unordered_map<std::string_view, std::size_t> position;  // key -> index in merged->flags
  for (const FlagdDefinitions& part : in_order) {
    const FlagdTable& table = *part.table_;
    for (const auto& flag : table.flags) {
      auto [at, added] = position.emplace(flag->key, merged->flags.size());
      if (added) {
        merged->flags.push_back(flag);
      } else {
        merged->flags[at->second] = flag;  // the key viewed stays alive in its part until the end
      }
    }
    for (const auto& [name, value] : table.metadata.items()) merged->metadata[name] = value;
    merged->warnings.insert(merged->warnings.end(), table.warnings.begin(), table.warnings.end());
  }
  for (const auto& flag : merged->flags) merged->by_key.emplace(flag->key, flag.get());
  return FlagdDefinitions(std::shared_ptr<const FlagdTable>(std::move(merged)));
}

const Errors& FlagdDefinitions::warnings() const { return table_->warnings; }

std::vector<std::string> FlagdDefinitions::keys() const {
  std::vector<std::string> out;
  out.reserve(table_->flags.size());
  for (const auto& flag : table_->flags) out.push_back(flag->key);
  return out;
}

std::size_t FlagdDefinitions::size() const { return table_->flags.size(); }

nlohmann::ordered_json FlagdDefinitions::to_json() const {
  nlohmann::ordered_json flags = nlohmann::ordered_json::object();
  for (const auto& flag : table_->flags) {
    nlohmann::ordered_json definition;
    definition["state"] = flag->enabled ? "ENABLED" : "DISABLED";
    nlohmann::ordered_json variants = nlohmann::ordered_json::object();
    for (const detail::FlagdVariant& variant : flag->variants) variants[variant.name] = variant.value;
    definition["variants"] = std::move(variants);
    if (flag->default_variant != nullptr) definition["defaultVariant"] = flag->default_variant->name;
    if (!flag->targeting_source.is_null()) definition["targeting"] = flag->targeting_source;
    if (!flag->metadata.empty()) definition["metadata"] = flag->metadata;
    flags[flag->key] = std::move(definition);
  }
  nlohmann::ordered_json document;
  document["flags"] = std::move(flags);
  if (!table_->metadata.empty()) document["metadata"] = table_->metadata;
  return document;
}

}  // namespace hotreload
