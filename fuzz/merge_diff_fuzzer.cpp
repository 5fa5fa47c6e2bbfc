// Layer merge and diff on two fuzzed documents. Input: a format byte ('0' YAML, '1' JSON, '2'
// TOML: byte % 3), then the base and the overlay separated by a NUL byte. Checks: a document
// has no changes against itself; diff(a, b) mirrors diff(b, a); every change's path leads to
// its old and new values; a merge keeps all of the overlay and is idempotent.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>

#include "fuzz_support.hpp"
#include "hotreload/diff.hpp"
#include "hotreload/document.hpp"
#include "hotreload/layers.hpp"
#include "hotreload/path.hpp"

namespace {

using namespace hotreload;

constexpr ParseLimits kLimits{.max_file_bytes = 1u << 20, .max_depth = 64, .max_nodes = 20'000};

std::string describe(const std::vector<Change>& changes) {
  std::string text;
  for (const Change& change : changes) text += std::string(to_string(change.op)) + " " + to_line(change) + "\n";
  return text;
}

void check_changes(const Value& old_root, const Value& new_root) {
  std::vector<Change> forward = diff(old_root, new_root);
  std::vector<Change> backward = diff(new_root, old_root);
  const std::string context = to_json_text(old_root) + "\n" + to_json_text(new_root) + "\n" + describe(forward);
  HOTRELOAD_FUZZ_CHECK(forward.empty() == fuzz::same(old_root, new_root), context);

  // Reversed, the same paths change, with added and removed swapped.
  std::map<std::string, ChangeOp> mirrored;
  for (const Change& change : backward) {
    ChangeOp op = change.op == ChangeOp::added     ? ChangeOp::removed
                  : change.op == ChangeOp::removed ? ChangeOp::added
                                                   : ChangeOp::modified;
    HOTRELOAD_FUZZ_CHECK(mirrored.emplace(change.path, op).second, "duplicate path " + change.path + "\n" + context);
  }
  HOTRELOAD_FUZZ_CHECK(mirrored.size() == forward.size(), context + describe(backward));

  for (const Change& change : forward) {
    auto found = mirrored.find(change.path);
    HOTRELOAD_FUZZ_CHECK(found != mirrored.end() && found->second == change.op, change.path + "\n" + context);
    HOTRELOAD_FUZZ_CHECK(change.old_value.has_value() == (change.op != ChangeOp::added), change.path);
    HOTRELOAD_FUZZ_CHECK(change.new_value.has_value() == (change.op != ChangeOp::removed), change.path);
    (void)to_line(change);

    // The dotted path is the way back to both values.
    std::optional<Path> path = change.path.empty() ? std::optional<Path>(Path{}) : parse_dotted(change.path);
    HOTRELOAD_FUZZ_CHECK(path.has_value(), "unparsable path " + change.path);
    HOTRELOAD_FUZZ_CHECK(to_dotted(*path) == change.path, change.path + " -> " + to_dotted(*path));
    const Value* old_value = old_root.find(*path);
    const Value* new_value = new_root.find(*path);
    HOTRELOAD_FUZZ_CHECK((old_value != nullptr) == change.old_value.has_value(), change.path + "\n" + context);
    HOTRELOAD_FUZZ_CHECK((new_value != nullptr) == change.new_value.has_value(), change.path + "\n" + context);
    if (old_value != nullptr) HOTRELOAD_FUZZ_CHECK(fuzz::same(*old_value, *change.old_value), change.path);
    if (new_value != nullptr) HOTRELOAD_FUZZ_CHECK(fuzz::same(*new_value, *change.new_value), change.path);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr Format kFormats[] = {Format::yaml, Format::json, Format::toml};
  const Format format = kFormats[data[0] % std::size(kFormats)];
  auto parts = fuzz::split_parts(fuzz::as_text(data + 1, size - 1), 2);
  ParseOptions options{.limits = kLimits, .require_object = false, .allow_empty = true};
  Result<Document> base = parse(parts[0], format, "base.conf", options);
  Result<Document> overlay = parse(parts[1], format, "overlay.conf", options);
  if (!base || !overlay) return 0;
  const Value& a = base->root;
  const Value& b = overlay->root;

  HOTRELOAD_FUZZ_CHECK(diff(a, a).empty(), to_json_text(a));
  HOTRELOAD_FUZZ_CHECK(diff(b, b).empty(), to_json_text(b));
  check_changes(a, b);

  // The merge holds everything the overlay set: against the overlay it only adds the keys that
  // came from the base, and merging the overlay again changes nothing.
  Value merged = a;
  merge_into(merged, b);
  for (const Change& change : diff(b, merged)) {
    HOTRELOAD_FUZZ_CHECK(change.op == ChangeOp::added, to_line(change) + "\n" + to_json_text(merged));
  }
  Value twice = merged;
  merge_into(twice, b);
  HOTRELOAD_FUZZ_CHECK(fuzz::same(twice, merged), to_json_text(twice) + "\n" + to_json_text(merged));
  check_changes(a, merged);

  Value self = a;
  merge_into(self, a);
  HOTRELOAD_FUZZ_CHECK(fuzz::same(self, a), to_json_text(self));
  return 0;
}
