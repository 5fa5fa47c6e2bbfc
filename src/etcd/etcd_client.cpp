#include "etcd/etcd_client.hpp"

#include <utility>

#include "hotreload/json_text.hpp"

namespace hotreload::detail::etcd {

Client::Client(EtcdLocation location, EtcdOptions options)
    : location_(std::move(location)), options_(std::move(options)) {
  for (const EtcdEndpoint& endpoint : location_.endpoints) {
    members_.push_back(std::make_unique<Connection>(endpoint, location_.url(), options_));
  }
}

Result<nlohmann::json> Client::call_member(Connection& member, const std::string& path, const std::string& body) {
  std::string token;
  if (!options_.username.empty()) {
    nlohmann::json credentials = {{"name", options_.username}, {"password", options_.password}};
    auto reply = member.post("/v3/auth/authenticate", dump_json(credentials), "");
    if (!reply) {
      Error error = std::move(reply).error();
      error.message = "authentication as " + options_.username + " failed: " + error.message;
      return unexpected(std::move(error));
    }
    nlohmann::json parsed = nlohmann::json::parse(*reply, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("token") || !parsed["token"].is_string()) {
      return unexpected(Error{ErrorCode::io, "etcd at " + member.endpoint() + ": authentication reply has no token",
                              {location_.url(), 0, 0}, {}});
    }
    token = parsed["token"].get<std::string>();
  }
  auto reply = member.post(path, body, token);
  if (!reply) return unexpected(std::move(reply).error());
  nlohmann::json parsed = nlohmann::json::parse(*reply, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return unexpected(Error{ErrorCode::io, "etcd at " + member.endpoint() + ": " + path + " replied with no JSON object",
                            {location_.url(), 0, 0}, {}});
  }
  return parsed;
}

Result<nlohmann::json> Client::call(const std::string& path, const nlohmann::json& body) {
  if (members_.empty()) {
    return unexpected(Error{ErrorCode::usage, "etcd location " + location_.url() + " names no member", {}, {}});
  }
  const std::string text = dump_json(body);
  std::size_t first;
  {
    std::lock_guard lock(mu_);
    first = current_;
  }
  std::string failures;
  Error last;
  for (std::size_t tried = 0; tried < members_.size(); ++tried) {
    const std::size_t index = (first + tried) % members_.size();
    auto reply = call_member(*members_[index], path, text);
    if (reply) {
      std::lock_guard lock(mu_);
      current_ = index;
      return reply;
    }
    last = std::move(reply).error();
    failures += (failures.empty() ? "" : "; ") + last.message;
  }
  if (members_.size() == 1) return unexpected(std::move(last));
  return unexpected(Error{ErrorCode::io,
                          "etcd: none of the " + std::to_string(members_.size()) + " members answered: " + failures,
                          {location_.url(), 0, 0}, {}});
}

void Client::interrupt() {
  for (auto& member : members_) member->interrupt();
}

void Client::reset_interrupt() {
  for (auto& member : members_) member->reset_interrupt();
}

}  // namespace hotreload::detail::etcd
