// GET /config's body: redacted values, and where each key came from.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hotreload/admin.hpp"

namespace hotreload::config_json_test {

TEST(ConfigJson, KeysBelowASecretSubtreeAreNotListed) {
  auto document = parse("db:\n  host: h\n  password:\n    primary: hunter2\n    replica: hunter3\n", Format::yaml,
                        "config.yaml");
  ASSERT_TRUE(document.has_value());
  FieldRules fields;
  fields.secret("db.password");
  const nlohmann::ordered_json body = config_json(*document, fields, 3);
  EXPECT_EQ(body.at("config").at("db").at("password"), "<redacted>");
  const auto& sources = body.at("sources");
  EXPECT_EQ(sources.at("db.host"), "config.yaml");
  EXPECT_EQ(sources.at("db.password"), "config.yaml");  // the secret subtree as one entry
  EXPECT_FALSE(sources.contains("db.password.primary"));
  EXPECT_FALSE(sources.contains("db.password.replica"));
  EXPECT_EQ(body.dump().find("primary"), std::string::npos) << body.dump();
  EXPECT_EQ(body.dump().find("hunter"), std::string::npos) << body.dump();
}

}  // namespace hotreload::config_json_test
