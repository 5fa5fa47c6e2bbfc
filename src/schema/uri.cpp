#include "schema/uri.hpp"

#include <cctype>

namespace hotreload::schema_detail {
namespace {

// Length of "scheme:" at the start of `uri`, or 0 when it has no scheme.
std::size_t scheme_length(std::string_view uri) {
  if (uri.empty() || !std::isalpha(static_cast<unsigned char>(uri[0]))) return 0;
  for (std::size_t i = 1; i < uri.size(); ++i) {
    char c = uri[i];
    if (c == ':') return i + 1;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return 0;
  }
  return 0;
}

std::string_view without_fragment(std::string_view uri) { return uri.substr(0, uri.find('#')); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

std::string resolve_uri(std::string_view base, std::string_view reference) {
  if (scheme_length(reference) > 0) return std::string(reference);
  std::string_view base_doc = without_fragment(base);
  if (reference.empty()) return std::string(base_doc);
  if (reference[0] == '#') return std::string(base_doc) + std::string(reference);
  std::size_t scheme = scheme_length(base_doc);
  if (reference.substr(0, 2) == "//") return std::string(base_doc.substr(0, scheme)) + std::string(reference);
  // The authority ends at the first '/' after "scheme://".
  std::size_t authority_end = base_doc.size();
  if (base_doc.substr(scheme, 2) == "//") {
    authority_end = base_doc.find('/', scheme + 2);
    if (authority_end == std::string_view::npos) authority_end = base_doc.size();
  } else {
    authority_end = scheme;
  }
  if (reference[0] == '/') return std::string(base_doc.substr(0, authority_end)) + std::string(reference);
  std::string_view base_path = base_doc.substr(authority_end);
  std::size_t last_slash = base_path.rfind('/');
  std::string merged(base_doc.substr(0, authority_end));
  if (last_slash != std::string_view::npos) {
    merged += base_path.substr(0, last_slash + 1);
  } else if (authority_end > scheme) {
    merged += '/';  // "http://host" + "a.json" is "http://host/a.json"
  }
  return merged + std::string(reference);
}

std::pair<std::string, std::string> split_fragment(std::string_view uri) {
  std::size_t hash = uri.find('#');
  if (hash == std::string_view::npos) return {std::string(uri), {}};
  return {std::string(uri.substr(0, hash)), percent_decode(uri.substr(hash + 1))};
}

}  // namespace hotreload::schema_detail
