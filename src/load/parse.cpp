// parse() and parse_file(): the checks every format shares (size, emptiness, a map at the top)
// around the parser the format registry holds (formats.cpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "core/utf8.hpp"
#include "hotreload/document.hpp"
#include "load/parsers.hpp"

namespace hotreload {
namespace {

Error file_error(ErrorCode code, std::string message, std::string_view source_name) {
  return Error{code, std::move(message), SourceLocation{std::string(source_name), 0, 0}, {}};
}

Error too_large(std::size_t size, const ParseLimits& limits, std::string_view source_name) {
  return file_error(ErrorCode::limit,
                    "file is " + std::to_string(size) + " bytes, over the " + std::to_string(limits.max_file_bytes) +
                        "-byte limit",
                    source_name);
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// What "empty" means depends on the format: a YAML file of comments is a null document and a
// TOML one an empty table (TOML cannot write an empty root otherwise); JSON has no comments.
bool is_empty(EmptyText rule, std::string_view text, const Value& root) {
  if (is_blank(text)) return true;
  switch (rule) {
    case EmptyText::blank_only: return false;
    case EmptyText::null_root: return root.is_null();
    case EmptyText::empty_map: return root.is_object() && root.as_object().empty();
  }
  return false;
}

// YAML, JSON and TOML are all Unicode, and keyvalue and registered formats are held to the same
// rule: a byte that is not UTF-8 is refused here, where it can be located, rather than passed
// through to break every JSON writer downstream (yaml-cpp would pass it through; nlohmann and
// toml++ would refuse it in words of their own).
std::optional<Error> invalid_utf8(std::string_view text, std::string_view source_name) {
  std::size_t offset = detail::find_invalid_utf8(text);
  if (offset == std::string_view::npos) return std::nullopt;
  std::size_t line_start = text.rfind('\n', offset);
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  std::string_view before = text.substr(0, offset);
  auto line = static_cast<std::uint32_t>(std::count(before.begin(), before.end(), '\n') + 1);
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[offset]));
  return detail::error_at(ErrorCode::parse, std::string("invalid UTF-8 byte ") + byte, source_name, line,
                          static_cast<std::uint32_t>(offset - line_start + 1));
}

Result<Value> parse_root(std::string_view text, const FormatSpec& spec, std::string_view source_name,
                         const ParseLimits& limits) {
  if (auto error = invalid_utf8(text, source_name)) return unexpected(std::move(*error));
  return spec.parser(text, source_name, limits);
}

Result<Document> parse_checked(std::string_view text, Format format, std::string_view source_name,
                               const ParseOptions& options) {
  if (text.size() > options.limits.max_file_bytes) {
    return unexpected(too_large(text.size(), options.limits, source_name));
  }
  // Unreachable through the public API (a Format always names a registered format); kept so a
  // bug reads as an error rather than a crash.
  const FormatSpec* spec = detail::find_format_spec(format);
  if (spec == nullptr) {
    return unexpected(
        file_error(ErrorCode::usage, std::string("unknown format \"") + to_string(format) + "\"", source_name));
  }
  Value root;
  if (!is_blank(text)) {
    Result<Value> parsed = parse_root(text, *spec, source_name, options.limits);
    if (!parsed) return unexpected(std::move(parsed).error());
    root = std::move(*parsed);
  }
  if (is_empty(spec->empty, text, root)) {
    if (!options.allow_empty) return unexpected(file_error(ErrorCode::parse, "file is empty", source_name));
    root = Value(Object{});
    root.origin.source = 0;
  }
  if (options.require_object && !root.is_object()) {
    return unexpected(Error{ErrorCode::parse, std::string("top level must be a map, got ") + kind_name(root.kind()),
                            SourceLocation{std::string(source_name), root.origin.line, root.origin.column},
                            {}});
  }
  Document document;
  document.root = std::move(root);
  document.add_source(Source{std::string(source_name), std::string(source_name), format});
  return document;
}

detail::ReadFaultHook& read_fault_hook() {
  static detail::ReadFaultHook hook;
  return hook;
}

// The errno the test seam injects at this step; 0 (no fault) without a hook.
int injected_fault(const std::string& path, detail::ReadStep step) {
  const detail::ReadFaultHook& hook = read_fault_hook();
  return hook ? hook(path, step) : 0;
}

// Closes the descriptor however read_bounded() returns.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

Error read_error(int error_number, std::string_view name) {
  return file_error(ErrorCode::io, std::string("cannot read: ") + std::strerror(error_number), name);
}

// Reads a whole regular file, refusing it by its size before reading and again if it grew
// past the limit while being read. Errors name the file as `name`.
Result<std::string> read_bounded(const std::string& path, std::string_view name, const ParseLimits& limits) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
  if (int fault = injected_fault(path, detail::ReadStep::open)) return unexpected(read_error(fault, name));
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (file.fd < 0) return unexpected(read_error(errno, name));
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) return unexpected(read_error(errno, name));
  if (!S_ISREG(info.st_mode)) return unexpected(file_error(ErrorCode::io, "not a regular file", name));
  auto size = static_cast<std::size_t>(info.st_size);
  if (size > limits.max_file_bytes) return unexpected(too_large(size, limits, name));

  // One byte over the limit is enough to know the file is too large.
  std::size_t cap = limits.max_file_bytes + 1;
  std::string text(std::min(size + 1, cap), '\0');
  std::size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      if (text.size() == cap) break;
      text.resize(std::min(text.size() * 2 + 4096, cap));
    }
    if (int fault = injected_fault(path, detail::ReadStep::read)) return unexpected(read_error(fault, name));
    ssize_t n = ::read(file.fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unexpected(read_error(errno, name));
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > limits.max_file_bytes) return unexpected(too_large(std::max(size, used), limits, name));
  text.resize(used);
  return text;
}

}  // namespace

SourceLocation Document::location_of(const Origin& origin) const {
  SourceLocation location{{}, origin.line, origin.column};
  if (origin.source < sources.size()) location.file = sources[origin.source].name;
  return location;
}

std::uint32_t Document::add_source(Source source) {
  sources.push_back(std::move(source));
  return static_cast<std::uint32_t>(sources.size() - 1);
}

Result<Document> parse(std::string_view text, Format format, std::string_view source_name,
                       const ParseOptions& options) {
  // The parsers turn their libraries' errors into values; this catches what is left
  // (std::bad_alloc, a library bug) so that nothing escapes the boundary.
  try {
    return parse_checked(text, format, source_name, options);
  } catch (const std::exception& e) {
    return unexpected(file_error(ErrorCode::internal, std::string("cannot parse: ") + e.what(), source_name));
  } catch (...) {
    return unexpected(file_error(ErrorCode::internal, "cannot parse: unknown exception", source_name));
  }
}

Result<Document> parse_file(const std::string& path, std::optional<Format> format, const ParseOptions& options) {
  return detail::parse_file_as(path, path, format, options);
}

namespace detail {

void set_read_fault_hook_for_testing(ReadFaultHook hook) { read_fault_hook() = std::move(hook); }

Result<Document> parse_file_as(const std::string& read_path, const std::string& name, std::optional<Format> format,
                               const ParseOptions& options) {
  if (!format) format = format_from_path(name);
  if (!format) {
    return unexpected(file_error(ErrorCode::usage,
                                 "cannot tell the format from the extension; use .yaml, .yml, .json or .toml", name));
  }
  try {
    Result<std::string> text = read_bounded(read_path, name, options.limits);
    if (!text) return unexpected(std::move(text).error());
    return parse(*text, *format, name, options);
  } catch (const std::exception& e) {  // std::bad_alloc for the buffer
    return unexpected(file_error(ErrorCode::internal, std::string("cannot read: ") + e.what(), name));
  }
}

}  // namespace detail
}  // namespace hotreload
