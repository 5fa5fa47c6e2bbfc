#include "etcd/etcd_wire.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <string_view>

#include "core/scalar.hpp"
#include "core/utf8.hpp"

namespace hotreload::detail::etcd {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Error malformed(std::string what) { return Error{ErrorCode::parse, "malformed etcd reply: " + std::move(what), {}, {}}; }

// int64 fields arrive as JSON strings ("42"); a number is accepted too. Absent means 0 (proto3
// leaves out default values).
std::optional<std::int64_t> int64_field(const Json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || found->is_null()) return 0;
  if (found->is_number_integer()) return found->get<std::int64_t>();
  if (!found->is_string()) return std::nullopt;
  const std::string& text = found->get_ref<const std::string&>();
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A base64 field; absent means empty (an empty value is left out).
std::optional<std::string> bytes_field(const Json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || found->is_null()) return std::string();
  if (!found->is_string()) return std::nullopt;
  return base64_decode(found->get_ref<const std::string&>());
}

Result<KeyValue> parse_kv(const Json& kv) {
  if (!kv.is_object()) return unexpected(malformed("a key-value is not an object"));
  auto key = bytes_field(kv, "key");
  auto value = bytes_field(kv, "value");
  auto revision = int64_field(kv, "mod_revision");
  if (!key || !value || !revision) return unexpected(malformed("a key-value has a bad key, value or mod_revision"));
  return KeyValue{std::move(*key), std::move(*value), *revision};
}

std::optional<std::int64_t> header_revision(const Json& reply) {
  auto header = reply.find("header");
  if (header == reply.end()) return 0;
  if (!header->is_object()) return std::nullopt;
  return int64_field(*header, "revision");
}

std::string revision_note(std::int64_t revision) { return " (etcd revision " + std::to_string(revision) + ")"; }

Error key_error(const EtcdLocation& location, const KeyValue& kv, std::string message) {
  EtcdLocation at = location;
  at.key = kv.key;
  return Error{ErrorCode::parse, std::move(message) + revision_note(kv.mod_revision), {at.url(), 0, 0}, {}};
}

// Why a key or value of a prefix tree is not UTF-8, or nullopt. A value's bad byte is not
// located: a value may be a secret.
std::optional<std::string> invalid_utf8_message(const KeyValue& kv) {
  if (std::size_t offset = find_invalid_utf8(kv.key); offset != std::string_view::npos) {
    return "invalid UTF-8 at byte " + std::to_string(offset + 1) + " of the key";
  }
  if (find_invalid_utf8(kv.value) != std::string_view::npos) return "invalid UTF-8 in the value";
  return std::nullopt;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::array<int, 256> value{};
  value.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) value[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int padding = 0;
    unsigned n = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        ++padding;
        n <<= 6;
        continue;
      }
      const int v = value[static_cast<unsigned char>(c)];
      if (v < 0 || padding > 0) return std::nullopt;
      n = (n << 6) | static_cast<unsigned>(v);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (padding < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

Json range_request(const EtcdLocation& location) {
  Json request = {{"key", base64_encode(location.key)}};
  if (location.is_prefix()) request["range_end"] = base64_encode(prefix_end(location.key));
  return request;
}

Json watch_request(const EtcdLocation& location, std::int64_t start_revision) {
  Json create = {{"key", base64_encode(location.key)}, {"start_revision", std::to_string(start_revision)}};
  if (location.is_prefix()) create["range_end"] = base64_encode(prefix_end(location.key));
  return {{"create_request", std::move(create)}};
}

Result<RangeReply> parse_range_reply(std::string_view body) {
  Json reply = Json::parse(body, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) return unexpected(malformed("a range reply is not a JSON object"));
  RangeReply out;
  auto revision = header_revision(reply);
  if (!revision) return unexpected(malformed("a range reply has a bad header revision"));
  out.revision = *revision;
  if (auto kvs = reply.find("kvs"); kvs != reply.end() && !kvs->is_null()) {
    if (!kvs->is_array()) return unexpected(malformed("kvs is not an array"));
    for (const Json& kv : *kvs) {
      auto parsed = parse_kv(kv);
      if (!parsed) return unexpected(parsed.error());
      out.kvs.push_back(std::move(*parsed));
    }
  }
  return out;
}

Result<WatchMessage> parse_watch_line(std::string_view line) {
  Json message = Json::parse(line, nullptr, false);
  if (message.is_discarded() || !message.is_object()) return unexpected(malformed("a watch line is not a JSON object"));
  WatchMessage out;
  if (auto error = message.find("error"); error != message.end()) {
    out.error = "unknown error";
    if (error->is_object()) {
      if (auto text = error->find("message"); text != error->end() && text->is_string()) out.error = text->get<std::string>();
      if (auto code = error->find("grpc_code"); code != error->end() && code->is_number_integer()) out.grpc_code = code->get<int>();
    } else if (error->is_string()) {
      out.error = error->get<std::string>();
    }
    return out;
  }
  auto result = message.find("result");
  if (result == message.end() || !result->is_object()) return unexpected(malformed("a watch line has no result"));
  auto revision = header_revision(*result);
  auto compacted = int64_field(*result, "compact_revision");
  if (!revision || !compacted) return unexpected(malformed("a watch line has a bad revision"));
  out.header_revision = *revision;
  out.compact_revision = *compacted;
  out.created = result->value("created", false);
  out.canceled = result->value("canceled", false);
  if (auto reason = result->find("cancel_reason"); reason != result->end() && reason->is_string()) {
    out.cancel_reason = reason->get<std::string>();
  }
  if (auto events = result->find("events"); events != result->end() && !events->is_null()) {
    if (!events->is_array()) return unexpected(malformed("events is not an array"));
    for (const Json& event : *events) {
      if (!event.is_object()) return unexpected(malformed("an event is not an object"));
      WatchEvent parsed;
      // PUT is the enum's default value, so only a DELETE says its type.
      auto type = event.find("type");
      parsed.deleted = type != event.end() && type->is_string() && type->get<std::string>() == "DELETE";
      auto kv = event.find("kv");
      if (kv == event.end()) return unexpected(malformed("an event has no kv"));
      auto decoded = parse_kv(*kv);
      if (!decoded) return unexpected(decoded.error());
      parsed.kv = std::move(*decoded);
      out.events.push_back(std::move(parsed));
    }
  }
  return out;
}

std::string gateway_error_text(std::string_view body) {
  Json reply = Json::parse(body, nullptr, false);
  if (!reply.is_discarded() && reply.is_object()) {
    for (const char* field : {"message", "error"}) {
      if (auto text = reply.find(field); text != reply.end() && text->is_string()) return text->get<std::string>();
    }
  }
  std::string text(body.substr(0, 200));
  return text.empty() ? "no reply body" : text;
}

Result<Document, Errors> build_layer(const EtcdLocation& location, const EtcdOptions& options,
                                     const std::map<std::string, KeyValue>& keys, std::int64_t revision) {
  const std::string version = std::to_string(revision);
  Document doc;
  doc.root = Object{};
  if (!location.is_prefix()) {
    auto found = keys.find(location.key);
    if (found == keys.end()) {
      if (options.optional) {
        doc.add_source({location.url(), location.url(), options.format, version});
        return doc;
      }
      return unexpected(Errors{Error{ErrorCode::io, "etcd key " + location.key + " does not exist" + revision_note(revision),
                                     {location.url(), 0, 0}, {}}});
    }
    const KeyValue& kv = found->second;
    const Format format = options.format.value_or(format_from_path(location.key).value_or(Format::yaml));
    Result<Document> parsed = parse(kv.value, format, location.url(), options.parse);
    if (!parsed) {
      Error error = std::move(parsed).error();
      error.message += revision_note(kv.mod_revision);
      return unexpected(Errors{std::move(error)});
    }
    for (Source& source : parsed->sources) source.version = version;
    return std::move(*parsed);
  }

  Errors errors;
  for (const auto& [key, kv] : keys) {
    if (key.size() < location.key.size() || key.compare(0, location.key.size(), location.key) != 0) continue;
    const std::string_view rest = std::string_view(key).substr(location.key.size());
    std::vector<std::string_view> segments;
    std::size_t start = 0;
    while (true) {
      const std::size_t slash = rest.find('/', start);
      segments.push_back(rest.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    if (std::any_of(segments.begin(), segments.end(), [](std::string_view s) { return s.empty(); })) {
      errors.push_back(key_error(location, kv, "etcd key " + key + " has an empty path segment below " + location.key));
      continue;
    }
    // A tree's keys and values enter here, not through parse(), so they are held to UTF-8 here.
    if (auto message = invalid_utf8_message(kv)) {
      KeyValue quoted = kv;
      quoted.key = replace_invalid_utf8(kv.key);
      errors.push_back(key_error(location, quoted, "etcd key " + quoted.key + ": " + *message));
      continue;
    }
    EtcdLocation at = location;
    at.key = key;
    const std::uint32_t source = doc.add_source({at.url(), location.url(), std::nullopt, version});
    const Origin origin{source, 0, 0};
    Value* node = &doc.root;
    bool conflict = false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      Object& object = node->as_object();
      Value* child = object.find(segments[i]);
      const bool leaf = i + 1 == segments.size();
      if (leaf) {
        if (child != nullptr) {
          conflict = true;  // a map made by a longer key came first: cannot also be a value
          break;
        }
        Value value = resolve_plain_scalar(kv.value);
        value.origin = origin;
        object.insert_or_assign(std::string(segments[i]), std::move(value));
        break;
      }
      if (child == nullptr) {
        Value map{Object{}};
        map.origin = origin;
        child = &object.insert_or_assign(std::string(segments[i]), std::move(map));
      } else if (!child->is_object()) {
        conflict = true;
        break;
      }
      node = child;
    }
    if (conflict) {
      errors.push_back(key_error(location, kv, "etcd key " + key + " conflicts with another key: a path cannot be both a value and a map"));
    }
  }
  if (!errors.empty()) return unexpected(std::move(errors));
  return doc;
}

}  // namespace hotreload::detail::etcd
