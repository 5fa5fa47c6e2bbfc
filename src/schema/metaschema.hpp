// The draft-07 meta-schema, bundled so that {"$ref": "http://json-schema.org/draft-07/schema#"}
// (a schema that validates schemas) resolves without the network.
#pragma once

#include <string_view>

namespace hotreload::schema_detail {

inline constexpr std::string_view kDraft07MetaSchemaUri = "http://json-schema.org/draft-07/schema";

// The meta-schema's JSON text, written from the draft-07 specification (validation section 6-10).
std::string_view draft07_metaschema();

}  // namespace hotreload::schema_detail
