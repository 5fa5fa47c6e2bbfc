// EtcdSource: the cached keys of one etcd key or prefix, kept current by a watch thread, and a
// debounce thread that tells the caller when the cached state changed. With several members it
// talks to one at a time and moves to the next when that one fails (reads and the watch alike);
// revisions are the cluster's, so a watch resumed on another member misses nothing.
#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "etcd/etcd_http.hpp"
#include "etcd/etcd_wire.hpp"
#include "hotreload/debounce.hpp"
#include "hotreload/etcd.hpp"
#include "hotreload/json_text.hpp"

namespace hotreload {

using detail::etcd::KeyValue;
using SteadyClock = std::chrono::steady_clock;

struct EtcdSource::State {
  State(EtcdLocation where, EtcdOptions with)
      : location(std::move(where)), options(std::move(with)), debounce(options.debounce, options.max_debounce) {
    for (const EtcdEndpoint& endpoint : location.endpoints) {
      members.push_back(std::make_unique<detail::etcd::Connection>(endpoint, location.url(), options));
    }
    if (!location.endpoints.empty()) status.endpoint = location.endpoints.front().text();
  }

  const EtcdLocation location;
  const EtcdOptions options;
  std::vector<std::unique_ptr<detail::etcd::Connection>> members;  // one per endpoint, fixed

  mutable std::mutex mu;
  std::condition_variable_any wake;          // a change to debounce, or stop
  std::map<std::string, KeyValue> keys;      // guarded by mu: the layer's keys as last seen
  EtcdStatus status;                         // guarded by mu; status.revision is the cache's
  std::string token;                         // guarded by mu: the auth token, if any
  std::size_t current = 0;                   // guarded by mu: the member in use (index into members)
  Debounce debounce;                         // guarded by mu: changes not yet reported

  // Set by start() before the threads start, read only by them.
  ChangeCallback on_change;
  ErrorCallback on_error;

  std::mutex lifecycle;  // start() and stop()
  bool started = false;  // guarded by lifecycle
  std::jthread watcher;  // guarded by lifecycle
  std::jthread notifier; // guarded by lifecycle

  // Authenticates with `member` (etcd's simple tokens are only valid on the member that issued them).
  Result<void> authenticate(detail::etcd::Connection& member);
  // Reads the range; true when the cached content changed (or this was the first read). A read
  // older than the cache is dropped (it lost a race with another), unless `allow_older`: the
  // store itself went back (restored from a snapshot, or replaced). Tries the member in use, then
  // each other member in turn: the first that answers becomes the member in use, and each one
  // that failed before it goes to `on_failover` (with the member tried next); the error when none
  // answered names every member. Reads are linearizable (etcd's default for a range): a member
  // cut off from the quorum cannot answer with stale data.
  Result<bool> read_range(bool allow_older = false, const ErrorCallback& on_failover = {});
  Result<bool> read_range_from(detail::etcd::Connection& member, bool allow_older);
  // A location built by hand with no endpoint (parse_etcd_url never makes one).
  Error no_endpoint() const {
    return Error{ErrorCode::usage, "etcd layer " + location.url() + " names no endpoint", {location.url(), 0, 0}, {}};
  }
  // Leaves the member in use for the next one; the error that made it leave, saying where to.
  Error fail_over(std::size_t from, Error why);
  // Watch thread only: members that failed one after the other since the last watch was created;
  // the thread backs off once every member has failed, not after each one.
  std::size_t members_failed_in_row = 0;
  // After a member failed: back off once every member has failed in a row, else go straight on
  // to the next member.
  void after_member_failure(const std::function<void()>& wait_backoff);
  void mark_changed();
  void report(const Error& error);
  void run_watch(std::stop_token stop);
  void run_notifier(std::stop_token stop);
  // Watches from `from` until the stream ends. Returns whether the range must be read again.
  enum class WatchEnd { stopped, compacted, failed, canceled, rewound };
  WatchEnd watch_once(std::int64_t from, std::stop_token stop, Backoff& backoff);
};

Result<void> EtcdSource::State::authenticate(detail::etcd::Connection& member) {
  if (options.username.empty()) return {};
  nlohmann::json body = {{"name", options.username}, {"password", options.password}};
  auto reply = member.post("/v3/auth/authenticate", dump_json(body), "");
  if (!reply) {
    Error error = std::move(reply).error();
    error.message = "authentication as " + options.username + " failed: " + error.message;
    return unexpected(std::move(error));
  }
  nlohmann::json parsed = nlohmann::json::parse(*reply, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("token") || !parsed["token"].is_string()) {
    return unexpected(Error{ErrorCode::io, "etcd at " + member.endpoint() + ": authentication reply has no token",
                            {location.url(), 0, 0}, {}});
  }
  std::lock_guard lock(mu);
  token = parsed["token"].get<std::string>();
  return {};
}

void EtcdSource::State::after_member_failure(const std::function<void()>& wait_backoff) {
  if (++members_failed_in_row < members.size()) return;
  members_failed_in_row = 0;
  wait_backoff();
}

Error EtcdSource::State::fail_over(std::size_t from, Error why) {
  std::lock_guard lock(mu);
  const std::size_t next = (from + 1) % members.size();
  if (current == from) {
    current = next;
    ++status.failovers;
    status.endpoint = members[current]->endpoint();
  }
  why.message += "; failing over to " + members[next]->endpoint();
  return why;
}

Result<bool> EtcdSource::State::read_range(bool allow_older, const ErrorCallback& on_failover) {
  if (members.empty()) return unexpected(no_endpoint());
  std::size_t first;
  {
    std::lock_guard lock(mu);
    first = current;
  }
  if (members.size() == 1) return read_range_from(*members[first], allow_older);
  std::string failures;
  for (std::size_t tried = 0; tried < members.size(); ++tried) {
    const std::size_t index = (first + tried) % members.size();
    auto read = read_range_from(*members[index], allow_older);
    if (read) {
      std::lock_guard lock(mu);
      if (current != index) {
        current = index;
        ++status.failovers;
        status.endpoint = members[index]->endpoint();
      }
      return read;
    }
    failures += (failures.empty() ? "" : "; ") + read.error().message;
    if (tried + 1 < members.size()) {
      Error moved = fail_over(index, read.error());
      if (on_failover) on_failover(moved);
    }
  }
  return unexpected(Error{ErrorCode::io, "etcd: none of the " + std::to_string(members.size()) +
                                             " members answered: " + failures,
                          {location.url(), 0, 0}, {}});
}

Result<bool> EtcdSource::State::read_range_from(detail::etcd::Connection& member, bool allow_older) {
  if (auto authenticated = authenticate(member); !authenticated) return unexpected(std::move(authenticated).error());
  std::string auth;
  {
    std::lock_guard lock(mu);
    auth = token;
  }
  auto reply = member.post("/v3/kv/range", dump_json(detail::etcd::range_request(location)), auth);
  if (!reply) return unexpected(std::move(reply).error());
  auto range = detail::etcd::parse_range_reply(*reply);
  if (!range) {
    Error error = std::move(range).error();
    error.location = {location.url(), 0, 0};
    return unexpected(std::move(error));
  }
  std::map<std::string, KeyValue> fresh;
  for (KeyValue& kv : range->kvs) {
    std::string key = kv.key;
    fresh.emplace(std::move(key), std::move(kv));
  }
  std::lock_guard lock(mu);
  if (!allow_older && status.synced && range->revision < status.revision) return false;  // lost a race
  const auto same_values = [](const std::map<std::string, KeyValue>& a, const std::map<std::string, KeyValue>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const auto& x, const auto& y) { return x.first == y.first && x.second.value == y.second.value; });
  };
  const bool changed = !status.synced || !same_values(keys, fresh);
  keys = std::move(fresh);
  status.revision = range->revision;
  status.synced = true;
  status.last_error.reset();
  return changed;
}

void EtcdSource::State::mark_changed() {
  {
    std::lock_guard lock(mu);
    debounce.note(SteadyClock::now());
  }
  wake.notify_all();
}

void EtcdSource::State::report(const Error& error) {
  {
    std::lock_guard lock(mu);
    status.last_error = error;
  }
  if (on_error) on_error(error);
}

EtcdSource::State::WatchEnd EtcdSource::State::watch_once(std::int64_t from, std::stop_token stop, Backoff& backoff) {
  std::size_t index;
  {
    std::lock_guard lock(mu);
    index = current;
  }
  detail::etcd::Connection& connection = *members[index];
  // A failure of this member moves the next attempt to the next member, and the event says so.
  auto report_member = [&](Error why) { report(members.size() > 1 ? fail_over(index, std::move(why)) : std::move(why)); };
  if (auto authenticated = authenticate(connection); !authenticated) {
    report_member(std::move(authenticated).error());
    return WatchEnd::failed;
  }
  std::string auth;
  {
    std::lock_guard lock(mu);
    auth = token;
  }
  WatchEnd end = WatchEnd::failed;
  std::optional<Error> problem;
  auto on_line = [&](std::string_view line) {
    if (stop.stop_requested()) {
      end = WatchEnd::stopped;
      return false;
    }
    auto message = detail::etcd::parse_watch_line(line);
    if (!message) {
      problem = message.error();
      problem->location = {location.url(), 0, 0};
      return false;
    }
    if (message->error) {
      problem = Error{ErrorCode::io, "etcd at " + connection.endpoint() + ": watch failed: " + *message->error,
                      {location.url(), 0, 0}, {}};
      return false;
    }
    if (message->canceled) {
      if (message->compact_revision > 0) {
        end = WatchEnd::compacted;
      } else {
        end = WatchEnd::canceled;
        problem = Error{ErrorCode::io, "etcd at " + connection.endpoint() + ": watch canceled: " +
                                           (message->cancel_reason.empty() ? "no reason given" : message->cancel_reason),
                        {location.url(), 0, 0}, {}};
      }
      return false;
    }
    if (message->created && message->header_revision > 0 && message->header_revision < from - 1) {
      // The store is at an older revision than this source has seen: it was restored or
      // replaced, and watching from `from` would wait for revisions that mean something else.
      end = WatchEnd::rewound;
      problem = Error{ErrorCode::io, "etcd at " + connection.endpoint() + ": the store went back to revision " +
                                         std::to_string(message->header_revision) + " from " + std::to_string(from - 1) +
                                         "; reading the whole range again",
                      {location.url(), 0, 0}, {}};
      return false;
    }
    if (message->created) {
      backoff.reset();
      members_failed_in_row = 0;
      std::lock_guard lock(mu);
      status.watching = true;
      ++status.connects;
      status.last_error.reset();
    }
    if (!message->events.empty()) {
      {
        // One message holds a whole transaction: applied at once, a load never sees half of it.
        std::lock_guard lock(mu);
        // A range read meanwhile (sync() from another thread) may already hold newer state:
        // replaying older events over it would undo them. All events of a transaction share
        // one revision, so the threshold is taken once.
        const std::int64_t seen = status.revision;
        for (detail::etcd::WatchEvent& event : message->events) {
          if (event.kv.mod_revision <= seen) continue;
          status.revision = std::max(status.revision, event.kv.mod_revision);
          if (event.deleted) {
            keys.erase(event.kv.key);
          } else {
            std::string key = event.kv.key;
            keys.insert_or_assign(std::move(key), std::move(event.kv));
          }
        }
      }
      mark_changed();
    }
    return true;
  };
  auto streamed = connection.stream("/v3/watch", dump_json(detail::etcd::watch_request(location, from)), auth, on_line);
  {
    std::lock_guard lock(mu);
    status.watching = false;
  }
  if (stop.stop_requested()) return WatchEnd::stopped;
  if (end == WatchEnd::compacted) return end;
  if (!problem) problem = streamed ? Error{ErrorCode::io, "etcd watch ended", {location.url(), 0, 0}, {}} : streamed.error();
  // A rewound store is the cluster's, not this member's: read it again through the same member.
  if (end == WatchEnd::rewound) {
    report(*problem);
  } else {
    report_member(std::move(*problem));
  }
  return end == WatchEnd::canceled || end == WatchEnd::rewound ? end : WatchEnd::failed;
}

void EtcdSource::State::run_watch(std::stop_token stop) {
  Backoff backoff(options.reconnect);
  bool need_range;
  bool allow_older = false;
  {
    std::lock_guard lock(mu);
    need_range = !status.synced;
  }
  auto wait_backoff = [&] {
    backoff.record_failure();
    const auto delay = options.reconnect.enabled ? backoff.state().delay : std::chrono::nanoseconds(options.reconnect.base);
    std::unique_lock lock(mu);
    wake.wait_for(lock, stop, delay, [] { return false; });
  };
  while (!stop.stop_requested()) {
    if (need_range) {
      auto read = read_range(allow_older, [&](const Error& moved) {
        if (!stop.stop_requested()) report(moved);
      });
      if (!read) {
        if (stop.stop_requested()) break;
        // Every member failed in turn (each reported as it was left): wait before the next round.
        report(read.error());
        members_failed_in_row = 0;
        wait_backoff();
        continue;
      }
      need_range = false;
      allow_older = false;
      if (*read) mark_changed();
    }
    std::int64_t from;
    {
      std::lock_guard lock(mu);
      from = status.revision + 1;
    }
    switch (watch_once(from, stop, backoff)) {
      case WatchEnd::stopped:
        return;
      case WatchEnd::compacted: {
        // The history since `from` is gone: read the whole range again, then watch from there.
        std::lock_guard lock(mu);
        ++status.compactions;
        need_range = true;
        break;
      }
      case WatchEnd::canceled:
        need_range = true;
        after_member_failure(wait_backoff);
        break;
      case WatchEnd::rewound:
        need_range = true;
        allow_older = true;
        break;
      case WatchEnd::failed:
        // Reconnect (to the next member, when there are several) and resume from the last
        // revision seen: etcd replays what was missed, whichever member serves the watch.
        after_member_failure(wait_backoff);
        break;
    }
  }
}

void EtcdSource::State::run_notifier(std::stop_token stop) {
  while (true) {
    {
      std::unique_lock lock(mu);
      if (!wake.wait(lock, stop, [&] { return debounce.pending(); })) return;
      // A change noted meanwhile moves the deadline: wait again until the burst is due.
      while (!debounce.take(SteadyClock::now())) {
        wake.wait_until(lock, stop, *debounce.deadline(), [] { return false; });
        if (stop.stop_requested()) return;
      }
    }
    if (on_change) on_change();
  }
}

EtcdSource::EtcdSource(EtcdLocation location, EtcdOptions options)
    : state_(std::make_shared<State>(std::move(location), std::move(options))) {}

EtcdSource::~EtcdSource() { stop(); }

Result<void> EtcdSource::sync() {
  auto read = state_->read_range();
  if (!read) {
    std::lock_guard lock(state_->mu);
    state_->status.last_error = read.error();
    return unexpected(std::move(read).error());
  }
  return {};
}

Result<void> EtcdSource::start(ChangeCallback on_change, ErrorCallback on_error) {
  State& s = *state_;
  if (s.members.empty()) return unexpected(s.no_endpoint());
  if (s.options.debounce.count() < 0 || s.options.max_debounce.count() < 0) {
    return unexpected(Error{ErrorCode::usage, "etcd: debounce and max_debounce must not be negative",
                            {s.location.url(), 0, 0}, {}});
  }
  std::lock_guard lifecycle(s.lifecycle);
  if (s.started) return {};
  s.started = true;
  s.on_change = std::move(on_change);
  s.on_error = std::move(on_error);
  s.notifier = std::jthread([&s](std::stop_token stop) { s.run_notifier(stop); });
  s.watcher = std::jthread([&s](std::stop_token stop) { s.run_watch(stop); });
  return {};
}

void EtcdSource::stop() {
  State& s = *state_;
  std::lock_guard lifecycle(s.lifecycle);
  s.watcher.request_stop();
  s.notifier.request_stop();
  for (auto& member : s.members) member->interrupt();
  if (s.watcher.joinable()) s.watcher.join();
  if (s.notifier.joinable()) s.notifier.join();
}

Result<Document, Errors> EtcdSource::load() const {
  std::map<std::string, KeyValue> keys;
  std::int64_t revision = 0;
  {
    std::lock_guard lock(state_->mu);
    if (!state_->status.synced) {
      // Never read (etcd down at start): the layer is empty, so the other layers serve, and the
      // version says why. The watch thread reloads once it reads the range.
      Document empty;
      empty.root = Object{};
      empty.add_source({state_->location.url(), state_->location.url(), std::nullopt, "unavailable"});
      return empty;
    }
    keys = state_->keys;
    revision = state_->status.revision;
  }
  return detail::etcd::build_layer(state_->location, state_->options, keys, revision);
}

namespace {

class EtcdWatch final : public SourceWatch {
 public:
  explicit EtcdWatch(EtcdSource& source) : source_(source) {}
  ~EtcdWatch() override { source_.stop(); }

 private:
  EtcdSource& source_;
};

}  // namespace

std::unique_ptr<SourceWatch> EtcdSource::watch(SourceListener listener) {
  auto started = start(
      [this, changed = listener.changed] {
        if (changed) changed(std::to_string(status().revision));
      },
      listener.failed);
  if (!started) {
    if (listener.failed) listener.failed(started.error());
    return nullptr;
  }
  return std::make_unique<EtcdWatch>(*this);
}

std::string EtcdSource::name() const { return state_->location.url(); }

EtcdStatus EtcdSource::status() const {
  std::lock_guard lock(state_->mu);
  return state_->status;
}

const EtcdLocation& EtcdSource::location() const { return state_->location; }

}  // namespace hotreload
