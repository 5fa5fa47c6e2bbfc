// Reading OFREP evaluation requests and writing resolutions as the spec shapes them.
#include "ofrep/protocol.hpp"

namespace hotreload::ofrep {
namespace {

// Counts the values of `value` (itself included) into `count`; false as soon as a limit is
// passed. Recursion stops at the depth limit, so a deep context cannot exhaust the stack.
bool within_limits(const nlohmann::json& value, std::size_t depth, const ContextLimits& limits, std::size_t& count,
                   std::string& why) {
  if (++count > limits.max_values) {
    why = "the context has more than " + std::to_string(limits.max_values) + " values";
    return false;
  }
  if (!value.is_structured()) return true;
  if (depth + 1 > limits.max_depth) {
    why = "the context is nested more than " + std::to_string(limits.max_depth) + " levels deep";
    return false;
  }
  for (const auto& item : value) {
    if (!within_limits(item, depth + 1, limits, count, why)) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

ParsedRequest parse_request(std::string_view body, const ContextLimits& limits) {
  auto refuse = [](std::string code, std::string details) {
    return ParsedRequest{std::nullopt, RequestError{std::move(code), std::move(details)}};
  };
  // nlohmann's parser keeps its own stack, so nesting costs no recursion here; the body's size
  // was bounded before it was read.
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return refuse("PARSE_ERROR", "the request body is not JSON");
  if (!parsed.is_object()) return refuse("INVALID_CONTEXT", "the request body must be an object {\"context\": {...}}");
  auto found = parsed.find("context");
  if (found == parsed.end()) return refuse("INVALID_CONTEXT", "the request body has no \"context\"");
  nlohmann::json& context = *found;
  if (!context.is_object()) return refuse("INVALID_CONTEXT", "\"context\" must be an object");
  std::size_t count = 0;
  std::string why;
  // The context object itself is level 1.
  if (!within_limits(context, 0, limits, count, why)) return refuse("INVALID_CONTEXT", why);

  EvaluationContext out;
  if (auto key = context.find("targetingKey"); key != context.end()) {
    if (!key->is_string()) return refuse("INVALID_CONTEXT", "\"targetingKey\" must be a string");
    out.targeting_key = key->get<std::string>();
    context.erase(key);
  }
  if (limits.require_targeting_key && out.targeting_key.empty()) {
    return refuse("TARGETING_KEY_MISSING", "the context has no \"targetingKey\"");
  }
  out.attributes = std::move(context);
  return ParsedRequest{std::move(out), std::nullopt};
}

nlohmann::ordered_json failure(std::optional<std::string_view> key, std::string_view code, std::string_view details) {
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  if (key) body["key"] = *key;
  body["errorCode"] = code;
  body["errorDetails"] = details;
  return body;
}

Rendered render(std::string_view key, const Resolution<nlohmann::json>& resolution) {
  const bool has_metadata = resolution.metadata != nullptr && !resolution.metadata->empty();
  if (resolution.error != ResolutionError::none) {
    Rendered out{resolution.error == ResolutionError::flag_not_found ? 404 : 400,
                 failure(key, to_string(resolution.error), resolution.error_message)};
    if (has_metadata) out.body["metadata"] = *resolution.metadata;
    return out;
  }
  Rendered out{200, nlohmann::ordered_json::object()};
  out.body["key"] = key;
  // No variant means the caller's default was the answer: OFREP says so by leaving out the value.
  if (!resolution.variant.empty()) {
    out.body["value"] = resolution.value;
    out.body["variant"] = resolution.variant;
  }
  out.body["reason"] = to_string(resolution.reason);
  if (has_metadata) out.body["metadata"] = *resolution.metadata;
  return out;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  std::string_view rest = if_none_match;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view candidate = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (candidate == "*") return true;
    // If-None-Match compares weakly (RFC 9110 13.1.2).
    if (candidate.substr(0, 2) == "W/") candidate.remove_prefix(2);
    if (!candidate.empty() && candidate == etag) return true;
  }
  return false;
}

}  // namespace hotreload::ofrep
