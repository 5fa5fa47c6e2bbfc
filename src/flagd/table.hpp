// The compiled form of a flagd flag file, shared by parsing (definitions.cpp) and evaluation
// (store.cpp). Immutable once built.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "flagd/logic.hpp"
#include "hotreload/error.hpp"
#include "hotreload/evaluation.hpp"

namespace hotreload::detail {

struct FlagdVariant {
  std::string name;
  nlohmann::json value;  // as written; the typed fields below are copies for the fast paths
  bool boolean = false;
  bool is_integer = false;  // an integer, or a float with a whole value
  std::int64_t integer = 0;
  double number = 0;
};

struct FlagdFlag {
  std::string key;
  bool enabled = true;
  FlagType type = FlagType::boolean;
  // Few per flag: a linear search beats hashing.
  std::vector<FlagdVariant> variants;
  const FlagdVariant* default_variant = nullptr;  // into variants; null when none is named
  std::optional<logic::Term> targeting;           // none (or {}): the flag is static
  // The rule as written, $refs inlined (null when static): what to_json() serves to other evaluators.
  nlohmann::json targeting_source;
  std::string broken;  // set when a lenient load kept a targeting rule that cannot run (PARSE_ERROR)
  nlohmann::json metadata = nlohmann::json::object();  // the flag set's, overlaid by the flag's

  const FlagdVariant* find_variant(std::string_view name) const {
    for (const FlagdVariant& variant : variants) {
      if (variant.name == name) return &variant;
    }
    return nullptr;
  }
};

// Deliberately not noexcept (see detail::StringHash in flags.hpp: libstdc++ then caches hash codes).
struct FlagdKeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct FlagdTable {
  // Flags live in a vector (file order) and the map points into it; the table is never copied.
  // Shared, not owned: a merged table (FlagdDefinitions::merge) holds the flags of its parts.
  std::vector<std::shared_ptr<const FlagdFlag>> flags;
  std::unordered_map<std::string_view, const FlagdFlag*, FlagdKeyHash, std::equal_to<>> by_key;
  nlohmann::json metadata = nlohmann::json::object();
  Errors warnings;

  FlagdTable() = default;
  FlagdTable(const FlagdTable&) = delete;
  FlagdTable& operator=(const FlagdTable&) = delete;

  const FlagdFlag* find(std::string_view key) const {
    auto it = by_key.find(key);
    return it == by_key.end() ? nullptr : it->second;
  }
};

}  // namespace hotreload::detail
