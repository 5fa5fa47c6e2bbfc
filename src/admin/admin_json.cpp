// The JSON bodies of the admin endpoints that do not depend on HTTP.
#include "hotreload/admin.hpp"
#include "hotreload/flagd.hpp"
#include "hotreload/flags.hpp"
#include "hotreload/json.hpp"
#include "hotreload/layers.hpp"
#include "hotreload/path.hpp"

namespace hotreload {
namespace {

nlohmann::ordered_json null_if_empty(const std::string& text) {
  return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

// The key a provenance entry is shown under: a path inside a secret subtree is shown as the
// subtree's root, so the names of the keys below a secret (db.password.x) do not leak either.
std::string shown_path(const std::string& dotted, const FieldRules& fields) {
  if (!fields.is_secret(dotted)) return dotted;
  auto path = parse_dotted(dotted);
  if (!path) return dotted;
  while (path->size() > 1) {
    Path parent(path->begin(), path->end() - 1);
    if (!fields.is_secret(to_dotted(parent))) break;
    *path = std::move(parent);
  }
  return to_dotted(*path);
}

}  // namespace

nlohmann::ordered_json config_json(const Document& document, const FieldRules& fields, std::uint64_t generation) {
  nlohmann::ordered_json out;
  out["generation"] = generation;
  out["config"] = to_json(fields.redact(document.root));
  nlohmann::ordered_json sources = nlohmann::ordered_json::object();
  for (const auto& [path, layer] : provenance(document)) sources[shown_path(path, fields)] = layer;
  out["sources"] = std::move(sources);
  // The etcd revision (or other version) each versioned layer was read at; {} for files only.
  nlohmann::ordered_json versions = nlohmann::ordered_json::object();
  for (const auto& [layer, version] : source_versions(document)) versions[layer] = version;
  out["sourceVersions"] = std::move(versions);
  return out;
}

nlohmann::ordered_json outcome_json(const ReloadOutcome& outcome) {
  nlohmann::ordered_json out;
  out["status"] = to_string(outcome.status);
  out["reloadId"] = outcome.reload_id;
  out["generation"] = outcome.generation;
  nlohmann::ordered_json changes = nlohmann::ordered_json::array();
  for (const Change& change : outcome.changes) changes.push_back(to_json(change));
  out["changes"] = std::move(changes);
  nlohmann::ordered_json errors = nlohmann::ordered_json::array();
  for (const Error& error : outcome.errors) errors.push_back(to_json(error));
  out["errors"] = std::move(errors);
  out["failedModule"] = null_if_empty(outcome.failed_module);
  out["skipReason"] = null_if_empty(outcome.skip_reason);
  out["pendingRestart"] = outcome.pending_restart;
  out["rolledBack"] = outcome.rolled_back;
  return out;
}

nlohmann::ordered_json flags_json(const FlagSet* flags, const FlagdStore* flagd) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (flags != nullptr) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const FlagConfig& flag : flags->flags()) {
      list.push_back({{"name", flag.name},
                      {"enabled", flag.enabled},
                      {"percentage", flag.percentage},
                      {"description", flag.description},
                      {"group", flag.group.empty() ? flag.name : flag.group}});
    }
    out["flags"] = std::move(list);
  }
  if (flagd != nullptr) {
    nlohmann::ordered_json states = nlohmann::ordered_json::object();
    FlagdView view = flagd->view();
    for (const std::string& key : view.keys()) {
      // Evaluated without a context: the value everyone gets unless targeting says otherwise.
      Resolution<nlohmann::json> resolution = view.evaluate(key, std::nullopt, nullptr);
      nlohmann::ordered_json state;
      state["value"] = nlohmann::ordered_json(resolution.value);  // no text round trip: bytes kept as they are
      state["variant"] = resolution.variant.empty() ? nlohmann::ordered_json(nullptr)
                                                    : nlohmann::ordered_json(std::string(resolution.variant));
      state["reason"] = to_string(resolution.reason);
      if (resolution.error != ResolutionError::none) state["error"] = to_string(resolution.error);
      states[key] = std::move(state);
    }
    out["flagd"] = std::move(states);
  }
  return out;
}

}  // namespace hotreload
