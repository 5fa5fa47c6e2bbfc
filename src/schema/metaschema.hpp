// The official meta-schemas, bundled so that a $ref to one ({"$ref": "http://json-schema.org/draft-07/schema#"},
// {"$ref": "https://json-schema.org/draft/2020-12/schema"}, a schema that validates schemas) and a custom
// meta-schema built on the 2020-12 vocabulary meta-schemas resolve without the network.
#pragma once

#include <optional>
#include <string_view>

namespace hotreload::schema_detail {

inline constexpr std::string_view kDraft07MetaSchemaUri = "http://json-schema.org/draft-07/schema";

// The meta-schema's JSON text, written from the draft-07 specification (validation section 6-10).
std::string_view draft07_metaschema();

// The JSON text of the bundled meta-schema whose URI (without fragment) is `uri`: draft-07's, and
// 2020-12's "https://json-schema.org/draft/2020-12/schema" with its vocabulary meta-schemas
// ".../meta/core", "applicator", "unevaluated", "validation", "meta-data", "format-annotation",
// "format-assertion" and "content". nullopt for any other URI.
std::optional<std::string_view> bundled_metaschema(std::string_view uri);

}  // namespace hotreload::schema_detail
