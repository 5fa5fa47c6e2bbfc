// FlagConfig <-> nlohmann::json, for binding the config's `feature_flags:` list.
#include <string>

#include <nlohmann/json.hpp>

#include "hotreload/binding.hpp"
#include "hotreload/flags.hpp"

namespace hotreload {

void from_json(const nlohmann::json& j, FlagConfig& flag) {
  if (!j.is_object()) reject(j, "a feature flag must be a map with at least a name");
  for (const auto& [key, value] : j.items()) {
    if (key != "name" && key != "enabled" && key != "percentage" && key != "description" &&
        key != "group") {
      // A misspelt key would otherwise fall back to its default, and percentage's is 100%.
      reject(value, "unknown feature flag key \"" + key +
                        "\" (expected name, enabled, percentage, description, group)");
    }
  }
  FlagConfig out;
  if (!j.contains("name")) reject(j, "a feature flag needs a name");
  j.at("name").get_to(out.name);
  if (out.name.empty()) reject(j.at("name"), "a feature flag's name must not be empty");
  if (j.contains("enabled")) j.at("enabled").get_to(out.enabled);
  if (j.contains("percentage")) {
    const nlohmann::json& percentage = j.at("percentage");
    // get<int>() would truncate 12.5 to 12 without a word.
    if (!percentage.is_number_integer()) reject(percentage, "percentage must be an integer from 0 to 100");
    const auto value = percentage.get<std::int64_t>();
    if (value < 0 || value > 100) {
      reject(percentage, "percentage must be from 0 to 100, got " + std::to_string(value));
    }
    out.percentage = static_cast<int>(value);
  }
  if (j.contains("description")) j.at("description").get_to(out.description);
  if (j.contains("group")) j.at("group").get_to(out.group);
  flag = std::move(out);
}

void to_json(nlohmann::json& j, const FlagConfig& flag) {
  j = nlohmann::json{{"name", flag.name}, {"enabled", flag.enabled}, {"percentage", flag.percentage}};
  if (!flag.description.empty()) j["description"] = flag.description;
  if (!flag.group.empty()) j["group"] = flag.group;
}

}  // namespace hotreload
