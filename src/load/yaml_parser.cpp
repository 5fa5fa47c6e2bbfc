// YAML's reference path: yaml-cpp's event parser feeding the shared tree builder (yaml_tree.hpp).
// The fast path (yaml_fast_path.cpp, libyaml) reads a valid text first; whatever it gives up on
// is read here, which says what is wrong and where, with the messages it always gave.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <sstream>
#include <string>

#include "load/parsers.hpp"
#include "load/yaml_tree.hpp"
#include "load/yaml_unclosed.hpp"

namespace hotreload::detail {
namespace {

std::uint32_t one_based(int zero_based) { return zero_based < 0 ? 0 : static_cast<std::uint32_t>(zero_based) + 1; }

Origin origin_of(const YAML::Mark& mark) { return Origin{0, one_based(mark.line), one_based(mark.column)}; }

// "unexpected ','" for the character at `pos`, when it is printable ASCII.
std::string unexpected_text(std::string_view text, int pos) {
  if (pos < 0 || static_cast<std::size_t>(pos) >= text.size()) return "unexpected end of the document";
  char c = text[static_cast<std::size_t>(pos)];
  if (c < ' ' || c > '~') return "unexpected character";
  return std::string("unexpected '") + c + "'";
}

// yaml-cpp's events into the shared tree; yaml-cpp numbers anchors as YamlTree expects.
class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(std::string_view source_name, const ParseLimits& limits) : tree_(source_name, limits) {}

  Value take_root() { return tree_.take_root(); }
  const std::optional<Error>& deferred_error() const { return tree_.deferred_error(); }
  const YAML::Mark& document_start() const { return document_start_; }
  // Where the last quoted scalar's opening quote is, if there was one.
  std::optional<std::size_t> last_quote() const { return last_quote_; }

  void OnDocumentStart(const YAML::Mark& mark) override { document_start_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { tree_.null(origin_of(mark), anchor); }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    if (tree_.deferred_error()) return;
    if (tag == "!") last_quote_ = static_cast<std::size_t>(std::max(mark.pos, 0));  // quoted, or a block scalar
    tree_.scalar(origin_of(mark), tag, anchor, text);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override { tree_.alias(origin_of(mark), anchor); }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    tree_.sequence_start(origin_of(mark), tag, anchor);
  }
  void OnSequenceEnd() override { tree_.end(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    tree_.map_start(origin_of(mark), tag, anchor);
  }
  void OnMapEnd() override { tree_.end(); }

 private:
  YamlTree tree_;
  YAML::Mark document_start_ = YAML::Mark::null_mark();
  std::optional<std::size_t> last_quote_;
};

Error unclosed_yaml_error(const UnclosedConstruct& unclosed, std::string_view source_name) {
  return unclosed_error("YAML", unclosed.opener, unclosed.line, unclosed.column, unclosed.problem,
                        unclosed.problem_line, unclosed.problem_column, source_name);
}

}  // namespace

Result<Value> parse_yaml_reference(std::string_view text, std::string_view source_name, const ParseLimits& limits) {
  std::istringstream stream{std::string(text)};
  try {
    YAML::Parser parser(stream);
    std::optional<Value> root;
    std::optional<int> previous_start;
    std::optional<std::size_t> last_quote;
    for (;;) {
      TreeBuilder builder(source_name, limits);
      if (!parser.HandleNextDocument(builder)) break;
      if (builder.deferred_error()) return unexpected(*builder.deferred_error());
      if (builder.last_quote()) last_quote = builder.last_quote();
      Value document = builder.take_root();
      // yaml-cpp 0.7 reports an empty document for a token no document can start with (a stray
      // ",") without consuming it, forever: a second document starting where the previous one
      // did means the parser is stuck there.
      const YAML::Mark& start = builder.document_start();
      if (previous_start == start.pos) {
        return unexpected(error_at(ErrorCode::parse, "invalid YAML: " + unexpected_text(text, start.pos), source_name,
                                   one_based(start.line), one_based(start.column)));
      }
      previous_start = start.pos;
      // A stray "---" at either end makes an empty document; only real content counts.
      if (document.is_null()) continue;
      if (root) {
        return unexpected(error_at(ErrorCode::parse, "multiple YAML documents are not supported", source_name,
                                   document.origin.line, document.origin.column));
      }
      root = std::move(document);
    }
    // Only the last quoted scalar can have run to the end of the text unclosed.
    if (last_quote && !quoted_scalar_closes(text, *last_quote)) {
      if (auto unclosed = find_unclosed_yaml(text, limits.max_depth)) {
        return unexpected(unclosed_yaml_error(*unclosed, source_name));
      }
    }
    return root ? std::move(*root) : Value(nullptr);
  } catch (const YamlRefusal& refusal) {
    return unexpected(refusal.error);
  } catch (const YAML::DeepRecursion& e) {
    // Reachable only when max_depth is set above yaml-cpp's own recursion guard.
    return unexpected(error_at(ErrorCode::limit, too_deep_message(limits), source_name, one_based(e.mark.line),
                               one_based(e.mark.column)));
  } catch (const YAML::Exception& e) {
    if (auto unclosed = find_unclosed_yaml(text, limits.max_depth)) {
      return unexpected(unclosed_yaml_error(*unclosed, source_name));
    }
    return unexpected(error_at(ErrorCode::parse, "invalid YAML: " + e.msg, source_name, one_based(e.mark.line),
                               one_based(e.mark.column)));
  }
}

Result<Value> parse_yaml(std::string_view text, std::string_view source_name, const ParseLimits& limits) {
  if (std::optional<Value> fast = parse_yaml_fast(text, limits)) return std::move(*fast);
  return parse_yaml_reference(text, source_name, limits);
}

}  // namespace hotreload::detail
