// OFREP's JSON, apart from HTTP: reading an evaluation request into an EvaluationContext, and
// writing a resolution as the spec's success or failure object.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hotreload/evaluation.hpp"

namespace hotreload::ofrep {

// A request the evaluation endpoints refuse as a whole: 400 with this code and details.
struct RequestError {
  std::string code;  // PARSE_ERROR, INVALID_CONTEXT or TARGETING_KEY_MISSING
  std::string details;
};

struct ContextLimits {
  std::size_t max_values = 1000;
  std::size_t max_depth = 16;
  bool require_targeting_key = false;
};

// {"context": {...}} into a context: targetingKey becomes EvaluationContext::targeting_key, the
// other members its attributes. Either the context or why the request is refused.
struct ParsedRequest {
  std::optional<EvaluationContext> context;
  std::optional<RequestError> error;
};
ParsedRequest parse_request(std::string_view body, const ContextLimits& limits);

// What a resolution becomes on the wire, and the HTTP status of the single-flag route.
struct Rendered {
  int status = 200;
  nlohmann::ordered_json body;
};
// A success {"key","value"?,"variant"?,"reason","metadata"?} (no value nor variant when the
// caller's default is the answer: disabled, or no default variant), or a failure
// {"key","errorCode","errorDetails","metadata"?}: 404 for FLAG_NOT_FOUND, else 400.
Rendered render(std::string_view key, const Resolution<nlohmann::json>& resolution);

// {"errorCode", "errorDetails"}, with "key" first when one is given.
nlohmann::ordered_json failure(std::optional<std::string_view> key, std::string_view code, std::string_view details);

// True when an If-None-Match header value names `etag` (a list, weak tags and * included).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace hotreload::ofrep
