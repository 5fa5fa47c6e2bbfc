// flagd-format feature flags, evaluated in-process: load a flagd flag file (JSON, or YAML with the
// same shape), validate it with file:line:col errors, and evaluate its flags (static variants and
// JSONLogic targeting, including flagd's fractional, sem_ver, starts_with and ends_with) with the
// same results flagd gives.
//
//   hotreload::FlagdStore flags;
//   if (auto loaded = flags.load_file("flags.json"); !loaded) die(hotreload::to_string(loaded.error()));
//   auto view = flags.view();
//   auto checkout = view.evaluate_boolean("new-checkout", false, {.targeting_key = user_id});
//   if (checkout.value) ...;                        // checkout.variant, .reason, .error
//   flags.load_file("flags.json");                   // on change: all flags swap at once, or none
//
// Targeting rules are compiled once, when the file is loaded; an evaluation walks the compiled
// rule. Evaluating a flag without targeting does not allocate (with a short variant name, a
// boolean flag never does).
//
// Thread safety: every member function of FlagdStore may be called concurrently from any threads;
// readers take no lock once the calling thread has seen the current flags (see Snapshot::read()).
// A FlagdView belongs to the thread that created it, like a ReadHandle. FlagdDefinitions is an
// immutable value: share it freely.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/evaluation.hpp"
#include "hotreload/result.hpp"
#include "hotreload/snapshot.hpp"

namespace hotreload {

namespace detail {
struct FlagdTable;  // the compiled flags (src/flagd/table.hpp)
}  // namespace detail

struct FlagdOptions {
  // Strict (the default): a targeting rule that cannot be compiled (an unknown operator, a $ref
  // to an evaluator that does not exist, sem_ver/starts_with/ends_with/fractional with the wrong
  // number of arguments) and an unknown key make the whole file invalid, so a typo never reaches
  // production. Lenient: as flagd itself, such problems are warnings; a flag whose targeting does
  // not compile evaluates to PARSE_ERROR, and a custom operator with bad arguments yields null.
  bool strict = true;
  ParseLimits limits{};
};

// One parsed, validated and compiled flag file.
class FlagdDefinitions {
 public:
  // An empty set of flags.
  FlagdDefinitions();

  // Parses flagd's format: {"flags": {KEY: {"state", "variants", "defaultVariant"?, "targeting"?,
  // "metadata"?}}, "$evaluators"?: {NAME: rule}, "metadata"?: {...}, "$schema"?: "..."}.
  // Every problem found is reported, each with file:line:col and the key path
  // ("flags.my-flag.defaultVariant"), code ErrorCode::parse for syntax and ErrorCode::validation
  // for the rest.
  static Result<FlagdDefinitions, Errors> parse(std::string_view text, std::string_view source_name,
                                                Format format = Format::json, const FlagdOptions& options = {});
  // Reads a file; the format comes from the extension (.json, .yaml/.yml), JSON otherwise.
  static Result<FlagdDefinitions, Errors> parse_file(const std::string& path, const FlagdOptions& options = {});
  // A document already parsed, with its positions (a layer source's load(): etcd, HTTP).
  static Result<FlagdDefinitions, Errors> from_document(const Document& document, const FlagdOptions& options = {});
  // Several flag sets as flagd serves several sources: a key defined again by a later set
  // replaces the earlier flag (which keeps its place in the order); each flag keeps the metadata
  // of its own set, and the sets' metadata merge key by key, later sets winning. Shares the flags.
  static FlagdDefinitions merge(const std::vector<FlagdDefinitions>& in_order);

  // Problems a lenient parse tolerated (always empty after a strict parse).
  const Errors& warnings() const;
  // Flag keys in file order.
  std::vector<std::string> keys() const;
  std::size_t size() const;

  // The flags as a flagd flag definition document, for other evaluators (flagd's sync protocol,
  // flagd providers in-process): every flag with its state, variants, defaultVariant, targeting
  // with each $ref replaced by its evaluator (so no "$evaluators"), and its metadata with the set's
  // folded in; the set's metadata at the top. Evaluating it gives what this evaluates.
  nlohmann::ordered_json to_json() const;

 private:
  friend class FlagdStore;
  explicit FlagdDefinitions(std::shared_ptr<const detail::FlagdTable> table) : table_(std::move(table)) {}
  std::shared_ptr<const detail::FlagdTable> table_;  // never null
};

class FlagdStore;

// One version of the flags, for evaluations that must agree with each other. Cheap to create;
// bound to the creating thread, and must not outlive its FlagdStore. Resolutions point into it.
class [[nodiscard]] FlagdView {
 public:
  Resolution<bool> evaluate_boolean(std::string_view key, bool default_value,
                                    const EvaluationContext& context = {}) const;
  Resolution<std::string> evaluate_string(std::string_view key, std::string_view default_value,
                                          const EvaluationContext& context = {}) const;
  // An integer flag, or a float flag whose chosen value is a whole number.
  Resolution<std::int64_t> evaluate_integer(std::string_view key, std::int64_t default_value,
                                            const EvaluationContext& context = {}) const;
  // Any number.
  Resolution<double> evaluate_float(std::string_view key, double default_value,
                                    const EvaluationContext& context = {}) const;
  Resolution<nlohmann::json> evaluate_object(std::string_view key, const nlohmann::json& default_value,
                                             const EvaluationContext& context = {}) const;
  // As the flag's own type when `type` is nullopt (tools that list every flag), else as `type`.
  // The value is JSON either way; `default_value` is returned as is on an error.
  Resolution<nlohmann::json> evaluate(std::string_view key, std::optional<FlagType> type,
                                      const nlohmann::json& default_value,
                                      const EvaluationContext& context = {}) const;

  // The type of a flag's variants; nullopt for an unknown key.
  std::optional<FlagType> type_of(std::string_view key) const;
  // Flag keys in file order.
  std::vector<std::string> keys() const;
  // The flag set's own metadata (an empty object if none).
  const nlohmann::json& metadata() const;
  std::size_t size() const;

 private:
  friend class FlagdStore;
  explicit FlagdView(ReadHandle<detail::FlagdTable> table) : table_(std::move(table)) {}
  ReadHandle<detail::FlagdTable> table_;
};

// The live flags of a service: replaced as a whole, read without locks.
class FlagdStore {
 public:
  // Starts empty: every key is FLAG_NOT_FOUND until a load succeeds.
  FlagdStore();
  explicit FlagdStore(FlagdDefinitions initial);
  FlagdStore(const FlagdStore&) = delete;
  FlagdStore& operator=(const FlagdStore&) = delete;

  // Parses, validates and compiles, then swaps all flags at once; a reader sees either the old
  // flags or the new ones, never a mix. On any error the current flags stay live.
  Result<void, Errors> load_file(const std::string& path, const FlagdOptions& options = {});
  Result<void, Errors> load(std::string_view text, std::string_view source_name, Format format = Format::json,
                            const FlagdOptions& options = {});
  // Swaps in flags parsed earlier.
  void replace(FlagdDefinitions definitions);

  // A consistent view of the current flags.
  FlagdView view() const { return FlagdView(table_.read()); }
  // The current flags as a value that may be kept and passed between threads.
  FlagdDefinitions definitions() const { return FlagdDefinitions(table_.load()); }
  // Counts successful loads and replaces, starting at 1.
  std::uint64_t version() const { return table_.version(); }

  // Just the value, for call sites that need nothing else (OpenFeature's get*Value).
  bool boolean_value(std::string_view key, bool default_value, const EvaluationContext& context = {}) const {
    return view().evaluate_boolean(key, default_value, context).value;
  }
  std::string string_value(std::string_view key, std::string_view default_value,
                           const EvaluationContext& context = {}) const {
    return view().evaluate_string(key, default_value, context).value;
  }
  std::int64_t integer_value(std::string_view key, std::int64_t default_value,
                             const EvaluationContext& context = {}) const {
    return view().evaluate_integer(key, default_value, context).value;
  }
  double float_value(std::string_view key, double default_value, const EvaluationContext& context = {}) const {
    return view().evaluate_float(key, default_value, context).value;
  }
  nlohmann::json object_value(std::string_view key, const nlohmann::json& default_value,
                              const EvaluationContext& context = {}) const {
    return view().evaluate_object(key, default_value, context).value;
  }

 private:
  Snapshot<detail::FlagdTable> table_;
};

}  // namespace hotreload
