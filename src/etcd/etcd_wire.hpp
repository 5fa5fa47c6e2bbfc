// The etcd v3 JSON gateway's wire format: base64 keys and values, int64 fields as strings, and
// the messages of a range and a streaming watch. Pure functions, tested without an etcd.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/result.hpp"

namespace hotreload::detail::etcd {

struct KeyValue {
  std::string key{};
  std::string value{};
  std::int64_t mod_revision = 0;
};

struct RangeReply {
  std::int64_t revision = 0;  // the store revision the range was read at
  std::vector<KeyValue> kvs{};
};

struct WatchEvent {
  bool deleted = false;
  KeyValue kv{};
};

// One line of a watch stream: {"result":{...}} or {"error":{...}}.
struct WatchMessage {
  std::int64_t header_revision = 0;
  bool created = false;
  bool canceled = false;
  std::int64_t compact_revision = 0;  // set with canceled when the start revision was compacted
  std::string cancel_reason{};
  std::vector<WatchEvent> events{};
  std::optional<std::string> error{};  // the gateway's error message (etcd stopping, auth, ...)
  int grpc_code = 0;                    // with error
};

std::string base64_encode(std::string_view bytes);
// nullopt for text that is not canonical base64 (standard alphabet, padded).
std::optional<std::string> base64_decode(std::string_view text);
// The range_end that selects every key starting with `prefix` ("/app/" -> "/app0"); "\0" (all
// keys from prefix on) when the prefix is empty or all 0xff bytes.
std::string prefix_end(std::string_view prefix);

// Request bodies.
nlohmann::json range_request(const EtcdLocation& location);
nlohmann::json watch_request(const EtcdLocation& location, std::int64_t start_revision);

// Replies; errors (ErrorCode::parse) say what is malformed.
Result<RangeReply> parse_range_reply(std::string_view body);
Result<WatchMessage> parse_watch_line(std::string_view line);
// The gateway's {"error": "...", "code": N, "message": "..."} body of a failed unary call, as text.
std::string gateway_error_text(std::string_view body);

// The layer from the cached keys. `keys` maps each full key to its value and mod revision.
Result<Document, Errors> build_layer(const EtcdLocation& location, const EtcdOptions& options,
                                     const std::map<std::string, KeyValue>& keys, std::int64_t revision);

}  // namespace hotreload::detail::etcd
