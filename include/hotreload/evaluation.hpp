// The vocabulary of a feature-flag evaluation as OpenFeature defines it: the context a flag is
// evaluated for, and the resolution that comes back (value, variant, reason, error code).
//
//   hotreload::EvaluationContext context{.targeting_key = user_id, .attributes = {{"email", email}}};
//   auto resolution = view.evaluate_boolean("new-checkout", false, context);
//   if (resolution.error != hotreload::ResolutionError::none) log(resolution.error_message);
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hotreload {

// The type a flag's variants have, and the type a caller asks for.
enum class FlagType { boolean, string, integer, floating, object };

// "boolean", "string", "integer", "float", "object".
const char* to_string(FlagType type);
// The inverse of to_string(FlagType), case-sensitive; nullopt for anything else.
std::optional<FlagType> parse_flag_type(std::string_view name);

// Why a resolution has the value it has. Enumerators that are C++ keywords carry a trailing '_'.
enum class Reason {
  static_,          // STATIC: the flag has no targeting; its default variant
  targeting_match,  // TARGETING_MATCH: the targeting rule chose a variant
  default_,         // DEFAULT: targeting chose nothing; the default variant (or, with none, the caller's default)
  disabled,         // DISABLED: the flag's state is DISABLED; the caller's default
  error,            // ERROR: see the error code; the caller's default
};

// "STATIC", "TARGETING_MATCH", "DEFAULT", "DISABLED", "ERROR".
const char* to_string(Reason reason);

// OpenFeature's error codes, as far as an in-process evaluator can produce them.
enum class ResolutionError {
  none,
  flag_not_found,  // FLAG_NOT_FOUND: no flag has this key
  type_mismatch,   // TYPE_MISMATCH: the resolved value is not of the requested type
  parse_error,     // PARSE_ERROR: the flag's targeting could not be compiled (a lenient load kept it)
  general,         // GENERAL: anything else, e.g. targeting named a variant the flag does not have
};

// "" for none, else "FLAG_NOT_FOUND", "TYPE_MISMATCH", "PARSE_ERROR", "GENERAL".
const char* to_string(ResolutionError error);

// Who the flag is evaluated for. Attributes are a JSON object (null counts as empty); targeting
// rules read them with {"var": "dotted.path"}. Constructing an empty context does not allocate.
struct EvaluationContext {
  std::string targeting_key{};   // {"var": "targetingKey"}; the default bucketing key of `fractional`
  nlohmann::json attributes{};   // an object, or null
};

// The outcome of one evaluation. On an error, `value` is the caller's default, `variant` is empty
// and `reason` is Reason::error. `variant` and `metadata` point into the flag definitions and stay
// valid as long as the FlagdView that produced the resolution.
template <class T>
struct Resolution {
  T value{};
  std::string_view variant{};  // empty when the caller's default was returned
  Reason reason = Reason::default_;
  ResolutionError error = ResolutionError::none;
  std::string error_message{};
  // The flag's metadata over the flag set's (the flag's entries win); an empty object if none.
  const nlohmann::json* metadata = nullptr;
};

}  // namespace hotreload
