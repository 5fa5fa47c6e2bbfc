// A realistic configuration of any size for the pipeline and schema benchmarks: a map of services,
// each with ten settings of the kinds real configs hold (host, port, flags, timeouts, a weight, an
// enum, a path), and the JSON Schema a team would write for it. "keys" counts the leaf settings,
// so a config of 10,000 keys holds 1,000 services.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/schema.hpp"
#include "hotreload/value.hpp"

namespace bench_fixture {

inline constexpr int kSettingsPerService = 10;

inline std::string service_name(int index) {
  std::string digits = std::to_string(index);
  return "svc-" + std::string(digits.size() < 5 ? 5 - digits.size() : 0, '0') + digits;
}

// Which copy of the config to build. `original` is the original; `edited` changes the timeout of
// five services spread over the map (the first, the last and three between), the size of a typical
// edit; `invalid` breaks one setting in each of those five services instead, one violation of a
// different keyword each (minimum, enum, type, additionalProperties, minLength).
enum class Edition { original, edited, invalid };

// One setting of a service: its key and its value as JSON text (strings quoted; numbers and booleans
// are scalars).
struct Setting {
  std::string key;
  std::string json;
  bool is_string = false;
};

inline Setting string_setting(std::string key, const std::string& text) {
  return {std::move(key), "\"" + text + "\"", true};
}
inline Setting scalar_setting(std::string key, const std::string& text) { return {std::move(key), text, false}; }

// The settings of service `index` of `services`, in the order both texts write them.
inline std::vector<Setting> service_settings(int index, int services, Edition edition) {
  const int i = index;
  const bool marked = i == 0 || i == services - 1 || i == services / 4 || i == services / 2 || i == 3 * services / 4;
  const bool changed = edition == Edition::edited && marked;
  const bool broken = edition == Edition::invalid && marked;
  const std::string name = service_name(i);
  std::vector<Setting> out{
      string_setting("host", broken && i == services - 1 ? "" : name + ".internal.example.com"),
      scalar_setting("port", std::to_string(broken && i == 0 ? 0 : 8000 + i % 1000)),
      scalar_setting("enabled", i % 7 == 0 ? "false" : "true"),
      broken && i == services / 2 ? string_setting("timeout_ms", std::to_string(250 + i % 50))
                                  : scalar_setting("timeout_ms", std::to_string(changed ? 750 : 250 + i % 50)),
      scalar_setting("retries", std::to_string(i % 5)),
      scalar_setting("weight", std::to_string((i % 10) / 10.0)),
      string_setting("mode", broken && i == services / 4 ? "paused" : (i % 3 == 0 ? "standby" : "active")),
      string_setting("path", "/api/v1/" + name),
      scalar_setting("max_conns", std::to_string(64 + i % 64)),
      string_setting("owner", "team-" + std::to_string(i % 17))};
  if (broken && i == 3 * services / 4) out.push_back(string_setting("colour", "blue"));
  return out;
}

// The JSON text of a config with `keys` leaf settings, one service per line.
inline std::string service_config_json(int keys, Edition edition = Edition::original) {
  const int services = keys / kSettingsPerService;
  std::string text = "{\n  \"services\": {";
  text.reserve(static_cast<std::size_t>(services) * 260);
  for (int i = 0; i < services; ++i) {
    text += i == 0 ? "\n" : ",\n";
    text += "    \"" + service_name(i) + "\": {";
    bool first = true;
    for (const Setting& setting : service_settings(i, services, edition)) {
      text += (first ? "\"" : ", \"") + setting.key + "\": " + setting.json;
      first = false;
    }
    text += "}";
  }
  return text + "\n  }\n}\n";
}

// The same config as block-style YAML (a key per line, nested by indentation), strings as plain
// scalars: every string of the fixture is one ("svc-00001.internal.example.com", "/api/v1/...");
// the empty host of the invalid edition is the exception and is quoted.
inline std::string service_config_yaml(int keys, Edition edition = Edition::original) {
  const int services = keys / kSettingsPerService;
  std::string text = "services:\n";
  text.reserve(static_cast<std::size_t>(services) * 260);
  for (int i = 0; i < services; ++i) {
    text += "  " + service_name(i) + ":\n";
    for (const Setting& setting : service_settings(i, services, edition)) {
      const bool plain = !setting.is_string || setting.json.size() > 2;
      text += "    " + setting.key + ": " +
              (plain && setting.is_string ? setting.json.substr(1, setting.json.size() - 2) : setting.json) + "\n";
    }
  }
  return text;
}

// The schema of that config: types, ranges, an enum, required keys, no unknown keys, and two
// patterns (service names and paths), which is what a team's schema for such a file checks.
inline constexpr std::string_view kServiceConfigSchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["services"],
  "additionalProperties": false,
  "properties": {
    "services": {
      "type": "object",
      "propertyNames": {"pattern": "^svc-[0-9]+$"},
      "additionalProperties": {"$ref": "#/definitions/service"}
    }
  },
  "definitions": {
    "service": {
      "type": "object",
      "required": ["host", "port", "enabled", "timeout_ms"],
      "additionalProperties": false,
      "properties": {
        "host": {"type": "string", "minLength": 1, "maxLength": 253},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "enabled": {"type": "boolean"},
        "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 60000},
        "retries": {"type": "integer", "minimum": 0, "maximum": 10},
        "weight": {"type": "number", "minimum": 0, "maximum": 1},
        "mode": {"enum": ["active", "standby", "drain"]},
        "path": {"type": "string", "pattern": "^/"},
        "max_conns": {"type": "integer", "minimum": 1},
        "owner": {"type": "string"}
      }
    }
  }
})";

// A benchmark fixture that does not parse or compile is a bug in the fixture: stop loudly.
[[noreturn]] inline void fail(const std::string& what) {
  std::cerr << "benchmark fixture: " << what << "\n";
  std::abort();
}

inline hotreload::Document parse_or_die(std::string_view text, std::string_view name) {
  auto document = hotreload::parse(text, hotreload::Format::json, name);
  if (!document) fail(document.error().to_string());
  return std::move(*document);
}

inline const hotreload::Schema& service_config_schema() {
  static const hotreload::Schema schema = [] {
    auto compiled = hotreload::Schema::compile(parse_or_die(kServiceConfigSchema, "service-config.schema.json"));
    if (!compiled) fail(hotreload::to_string(compiled.error()));
    return std::move(*compiled);
  }();
  return schema;
}

// Counts the leaves of a tree: the floor of any validator, which must at least visit every node.
inline std::uint64_t count_leaves(const hotreload::Value& value) {
  if (value.is_object()) {
    std::uint64_t leaves = 0;
    for (const auto& [key, child] : value.as_object()) leaves += count_leaves(child);
    return leaves;
  }
  if (value.is_array()) {
    std::uint64_t leaves = 0;
    for (const hotreload::Value& child : value.as_array()) leaves += count_leaves(child);
    return leaves;
  }
  return 1;
}

}  // namespace bench_fixture
