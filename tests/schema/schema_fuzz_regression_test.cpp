// Inputs the fuzzer (fuzz/schema_fuzzer.cpp) found, kept as tests.
#include <gtest/gtest.h>

#include <string>

#include "hotreload/document.hpp"
#include "hotreload/schema.hpp"

namespace hotreload {
namespace {

Errors validate_json(std::string_view schema_text, std::string_view instance_text) {
  Result<Document> schema_document = parse(schema_text, Format::json, "schema.json", {.require_object = false});
  EXPECT_TRUE(schema_document) << schema_document.error().to_string();
  Result<Schema, Errors> schema = Schema::compile(*schema_document);
  EXPECT_TRUE(schema) << to_string(schema.error());
  Result<Document> instance = parse(instance_text, Format::json, "instance.json", {.require_object = false});
  EXPECT_TRUE(instance) << instance.error().to_string();
  return schema ? schema->validate(*instance) : Errors{};
}

// A float count past size_t was cast to size_t, which is undefined (UBSan stopped here).
TEST(Schema, HugeFloatCountsMeanNoUpperLimit) {
  EXPECT_TRUE(validate_json(R"({"maxLength": 1.11111e44, "maxItems": 1e300, "maxProperties": 2e19})",
                            R"("any string")")
                  .empty());
  EXPECT_TRUE(validate_json(R"({"maxItems": 1e300})", "[1, 2, 3]").empty());
}

TEST(Schema, HugeFloatMinimumCountsRefuseEverything) {
  Errors errors = validate_json(R"({"minLength": 1e30})", R"("short")");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, ErrorCode::validation);
}

}  // namespace
}  // namespace hotreload
