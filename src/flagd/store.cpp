// FlagdStore and FlagdView: choosing a flag's variant (state, targeting, default variant) and
// converting it to the type the caller asked for.
#include <cmath>
#include <cstdio>

#include "flagd/table.hpp"
#include "hotreload/flagd.hpp"

namespace hotreload {
namespace {

using detail::FlagdFlag;
using detail::FlagdTable;
using detail::FlagdVariant;

// Which variant a flag resolves to before its value is typed. `variant` null: the caller's default.
struct Selection {
  const FlagdVariant* variant = nullptr;
  Reason reason = Reason::default_;
  ResolutionError error = ResolutionError::none;
  std::string message{};
};

Selection fail(ResolutionError error, std::string message) {
  return {nullptr, Reason::error, error, std::move(message)};
}

// The text flagd looks a targeting result up by: strings as they are, booleans and numbers as
// their JSON text ("true", "2"). Writes into `buffer` when it has to print.
std::optional<std::string_view> variant_key(const detail::logic::Val& result, std::string& buffer) {
  using Kind = detail::logic::Val::Kind;
  switch (result.kind()) {
    case Kind::string: return result.as_string();
    case Kind::boolean: return result.as_bool() ? std::string_view("true") : std::string_view("false");
    case Kind::number: buffer = detail::logic::number_text(result.as_number()); return std::string_view(buffer);
    default: return std::nullopt;
  }
}

Selection select(const FlagdFlag& flag, const EvaluationContext& context) {
  if (!flag.enabled) return {nullptr, Reason::disabled, ResolutionError::none, {}};
  if (!flag.broken.empty()) return fail(ResolutionError::parse_error, "flag \"" + flag.key + "\": " + flag.broken);
  if (!flag.targeting) {
    // Without a default variant the caller's default is the answer, and that is no error.
    return {flag.default_variant, flag.default_variant != nullptr ? Reason::static_ : Reason::default_,
            ResolutionError::none, {}};
  }
  detail::logic::Scope scope{&context, flag.key, nullptr, nullptr};
  detail::logic::Val result = detail::logic::evaluate(*flag.targeting, scope);
  if (result.is_null()) return {flag.default_variant, Reason::default_, ResolutionError::none, {}};
  std::string buffer;
  auto key = variant_key(result, buffer);
  const FlagdVariant* variant = key ? flag.find_variant(*key) : nullptr;
  if (variant == nullptr) {
    return fail(ResolutionError::general, "flag \"" + flag.key + "\": targeting returned " +
                                              detail::logic::json_text(result.to_json()) +
                                              ", which is not one of its variants");
  }
  return {variant, Reason::targeting_match, ResolutionError::none, {}};
}

std::string mismatch(const FlagdFlag& flag, FlagType wanted) {
  return "flag \"" + flag.key + "\" is " + to_string(flag.type) + ", not " + to_string(wanted);
}

// The shared part of every typed evaluation; `convert` types the chosen variant's value or
// returns false for a type mismatch.
template <class T, class Convert>
Resolution<T> resolve(const FlagdTable& table, std::string_view key, T default_value, const EvaluationContext& context,
                      FlagType wanted, const Convert& convert) {
  Resolution<T> out;
  const FlagdFlag* flag = table.find(key);
  if (flag == nullptr) [[unlikely]] {
    out.value = std::move(default_value);
    out.reason = Reason::error;
    out.error = ResolutionError::flag_not_found;
    out.error_message = "flag \"" + std::string(key) + "\" not found";
    out.metadata = &table.metadata;
    return out;
  }
  out.metadata = &flag->metadata;
  // The common case, a static flag, without building a Selection.
  if (flag->enabled && !flag->targeting && flag->default_variant != nullptr && flag->broken.empty() &&
      convert(*flag->default_variant, out.value)) [[likely]] {
    out.variant = flag->default_variant->name;
    out.reason = Reason::static_;
    return out;
  }
  Selection selection = select(*flag, context);
  out.reason = selection.reason;
  out.error = selection.error;
  if (selection.variant != nullptr && convert(*selection.variant, out.value)) {
    out.variant = selection.variant->name;
    return out;
  }
  out.value = std::move(default_value);
  if (selection.variant != nullptr) {
    out.reason = Reason::error;
    out.error = ResolutionError::type_mismatch;
    out.error_message = mismatch(*flag, wanted);
  } else {
    out.error_message = std::move(selection.message);
  }
  return out;
}

}  // namespace

const char* to_string(FlagType type) {
  switch (type) {
    case FlagType::boolean: return "boolean";
    case FlagType::string: return "string";
    case FlagType::integer: return "integer";
    case FlagType::floating: return "float";
    case FlagType::object: return "object";
  }
  return "object";
}

std::optional<FlagType> parse_flag_type(std::string_view name) {
  for (FlagType type : {FlagType::boolean, FlagType::string, FlagType::integer, FlagType::floating, FlagType::object}) {
    if (name == to_string(type)) return type;
  }
  return std::nullopt;
}

const char* to_string(Reason reason) {
  switch (reason) {
    case Reason::static_: return "STATIC";
    case Reason::targeting_match: return "TARGETING_MATCH";
    case Reason::default_: return "DEFAULT";
    case Reason::disabled: return "DISABLED";
    case Reason::error: return "ERROR";
  }
  return "ERROR";
}

const char* to_string(ResolutionError error) {
  switch (error) {
    case ResolutionError::none: return "";
    case ResolutionError::flag_not_found: return "FLAG_NOT_FOUND";
    case ResolutionError::type_mismatch: return "TYPE_MISMATCH";
    case ResolutionError::parse_error: return "PARSE_ERROR";
    case ResolutionError::general: return "GENERAL";
  }
  return "GENERAL";
}

Resolution<bool> FlagdView::evaluate_boolean(std::string_view key, bool default_value,
                                             const EvaluationContext& context) const {
  return resolve<bool>(*table_, key, default_value, context, FlagType::boolean,
                       [](const FlagdVariant& variant, bool& out) {
                         if (!variant.value.is_boolean()) return false;
                         out = variant.boolean;
                         return true;
                       });
}

Resolution<std::string> FlagdView::evaluate_string(std::string_view key, std::string_view default_value,
                                                   const EvaluationContext& context) const {
  return resolve<std::string>(*table_, key, std::string(default_value), context, FlagType::string,
                              [](const FlagdVariant& variant, std::string& out) {
                                if (!variant.value.is_string()) return false;
                                out = variant.value.get_ref<const std::string&>();
                                return true;
                              });
}

Resolution<std::int64_t> FlagdView::evaluate_integer(std::string_view key, std::int64_t default_value,
                                                     const EvaluationContext& context) const {
  return resolve<std::int64_t>(*table_, key, default_value, context, FlagType::integer,
                               [](const FlagdVariant& variant, std::int64_t& out) {
                                 if (!variant.is_integer) return false;
                                 out = variant.integer;
                                 return true;
                               });
}

Resolution<double> FlagdView::evaluate_float(std::string_view key, double default_value,
                                             const EvaluationContext& context) const {
  return resolve<double>(*table_, key, default_value, context, FlagType::floating,
                         [](const FlagdVariant& variant, double& out) {
                           if (!variant.value.is_number()) return false;
                           out = variant.number;
                           return true;
                         });
}

Resolution<nlohmann::json> FlagdView::evaluate_object(std::string_view key, const nlohmann::json& default_value,
                                                      const EvaluationContext& context) const {
  return resolve<nlohmann::json>(*table_, key, default_value, context, FlagType::object,
                                 [](const FlagdVariant& variant, nlohmann::json& out) {
                                   if (!variant.value.is_object()) return false;
                                   out = variant.value;
                                   return true;
                                 });
}

Resolution<nlohmann::json> FlagdView::evaluate(std::string_view key, std::optional<FlagType> type,
                                               const nlohmann::json& default_value,
                                               const EvaluationContext& context) const {
  const FlagdFlag* flag = table_->find(key);
  const FlagType wanted = type ? *type : flag != nullptr ? flag->type : FlagType::object;
  return resolve<nlohmann::json>(*table_, key, default_value, context, wanted,
                                 [wanted](const FlagdVariant& variant, nlohmann::json& out) {
                                   const nlohmann::json& value = variant.value;
                                   bool ok = false;
                                   switch (wanted) {
                                     case FlagType::boolean: ok = value.is_boolean(); break;
                                     case FlagType::string: ok = value.is_string(); break;
                                     case FlagType::integer: ok = variant.is_integer; break;
                                     case FlagType::floating: ok = value.is_number(); break;
                                     case FlagType::object: ok = value.is_object(); break;
                                   }
                                   if (!ok) return false;
                                   if (wanted == FlagType::integer) {
                                     out = variant.integer;
                                   } else {
                                     out = value;
                                   }
                                   return true;
                                 });
}

std::optional<FlagType> FlagdView::type_of(std::string_view key) const {
  const FlagdFlag* flag = table_->find(key);
  if (flag == nullptr) return std::nullopt;
  return flag->type;
}

std::vector<std::string> FlagdView::keys() const {
  std::vector<std::string> out;
  out.reserve(table_->flags.size());
  for (const auto& flag : table_->flags) out.push_back(flag->key);
  return out;
}

const nlohmann::json& FlagdView::metadata() const { return table_->metadata; }

std::size_t FlagdView::size() const { return table_->flags.size(); }

FlagdStore::FlagdStore() : table_(std::make_shared<const FlagdTable>()) {}

FlagdStore::FlagdStore(FlagdDefinitions initial) : table_(std::move(initial.table_)) {}

Result<void, Errors> FlagdStore::load_file(const std::string& path, const FlagdOptions& options) {
  auto definitions = FlagdDefinitions::parse_file(path, options);
  if (!definitions) return unexpected(std::move(definitions).error());
  replace(std::move(*definitions));
  return {};
}

Result<void, Errors> FlagdStore::load(std::string_view text, std::string_view source_name, Format format,
                                      const FlagdOptions& options) {
  auto definitions = FlagdDefinitions::parse(text, source_name, format, options);
  if (!definitions) return unexpected(std::move(definitions).error());
  replace(std::move(*definitions));
  return {};
}

void FlagdStore::replace(FlagdDefinitions definitions) { table_.publish(std::move(definitions.table_)); }

}  // namespace hotreload
