// The flagd inputs of flagd_bench and peers_bench: a flag file (four flags under test among 32
// plain ones, so the lookup is not in a tiny map), the 64 evaluation contexts of the targeting
// benchmark and the 1,024 targeting keys of the rollout and fractional ones.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hotreload/evaluation.hpp"

namespace bench_fixture {

inline constexpr int kFillerFlags = 32;  // a realistic flag file: the lookup is not in a tiny map

inline std::string flags_json() {
  std::string text = R"({"flags": {
    "new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
    "eu-pro": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
      "targeting": {"if": [{"and": [{"==": [{"var": "country"}, "de"]},
                                    {">=": [{"var": "age"}, 18]},
                                    {"in": [{"var": "plan"}, ["pro", "team", "enterprise"]]}]}, "on", "off"]}},
    "rollout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
      "targeting": {"fractional": [["on", 25], ["off", 75]]}},
    "split": {"state": "ENABLED", "variants": {"a": "a", "b": "b", "c": "c", "d": "d"}, "defaultVariant": "a",
      "targeting": {"fractional": [["a", 25], ["b", 25], ["c", 25], ["d", 25]]}})";
  for (int i = 0; i < kFillerFlags; ++i) {
    text += ",\n\"service.feature-" + std::to_string(i) +
            R"(": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"})";
  }
  return text + "}}";
}

inline std::vector<std::string> users() {
  std::vector<std::string> out;
  for (int i = 0; i < 1024; ++i) out.push_back("3f2c1a9e-5b7d-4e21-9c0a-" + std::to_string(100000000 + i * 7919));
  return out;
}

inline nlohmann::json attributes(int i) {
  static const char* countries[] = {"de", "fr", "de", "us"};
  static const char* plans[] = {"free", "pro", "team", "enterprise"};
  return {{"country", countries[i % 4]}, {"age", 14 + (i * 7) % 40}, {"plan", plans[(i / 4) % 4]}};
}

inline std::vector<hotreload::EvaluationContext> contexts() {
  std::vector<hotreload::EvaluationContext> out;
  for (int i = 0; i < 64; ++i) out.push_back({"user-" + std::to_string(i), attributes(i)});
  return out;
}

}  // namespace bench_fixture
