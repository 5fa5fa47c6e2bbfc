// Reload events: what each reload attempt did (started, validated, completed, failed, ...), delivered
// synchronously to callbacks and to bounded pull queues, and printable as CloudEvents 1.0 JSON.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Only the forward declaration: include <nlohmann/json.hpp> to use to_cloudevent()'s result. This
// header is included by everything that wires a reloader, which should not pay for all of nlohmann.
#include <nlohmann/json_fwd.hpp>

#include "hotreload/diff.hpp"
#include "hotreload/error.hpp"
#include "hotreload/value.hpp"

namespace hotreload {

// What started a reload attempt: the program (initial, api), the operator (signal, http: the
// admin endpoint) or a source that watches its layer, named after the source's kind (file,
// etcd, url, or a kind a program's own source brings: Trigger::source("consul")). Reloads a
// source causes are automatic: they back off after failures; explicit ones always run.
// A small value: copyable, comparable, and its name lives as long as the program.
class Trigger {
 public:
  static const Trigger initial, file, signal, api, http, etcd, url;

  // The trigger of a source of this kind; a built-in kind gives the built-in trigger
  // (source("etcd") == Trigger::etcd). The name is interned: any thread, any time.
  static Trigger source(std::string_view kind);

  constexpr const char* name() const { return name_; }
  constexpr bool automatic() const { return automatic_; }

  friend bool operator==(const Trigger& a, const Trigger& b) { return std::string_view(a.name_) == b.name_; }
  friend bool operator<(const Trigger& a, const Trigger& b) { return std::string_view(a.name_) < b.name_; }

 private:
  constexpr Trigger(const char* name, bool automatic) : name_(name), automatic_(automatic) {}
  const char* name_;
  bool automatic_;
};

inline constexpr Trigger Trigger::initial{"initial", false};
inline constexpr Trigger Trigger::file{"file", true};
inline constexpr Trigger Trigger::signal{"signal", false};
inline constexpr Trigger Trigger::api{"api", false};
inline constexpr Trigger Trigger::http{"http", false};  // POST /reload on the admin endpoint
inline constexpr Trigger Trigger::etcd{"etcd", true};
inline constexpr Trigger Trigger::url{"url", true};  // an http:// or https:// layer (the HTTP source)

// "initial", "file", "signal", "api", "http", "etcd", "url", or a source's kind.
inline const char* to_string(Trigger trigger) { return trigger.name(); }
// The built-in trigger of that name; nullopt for any other text.
std::optional<Trigger> parse_trigger(std::string_view text);

// The event types, as they appear in Event::type and in the CloudEvents "type" attribute. The
// reload.* names follow seed 001's table.
namespace event_type {
inline constexpr std::string_view started = "reload.started";
inline constexpr std::string_view validated = "reload.validated";
inline constexpr std::string_view module_started = "reload.module.started";
inline constexpr std::string_view module_completed = "reload.module.completed";
inline constexpr std::string_view completed = "reload.completed";
inline constexpr std::string_view failed = "reload.failed";
inline constexpr std::string_view rolled_back = "reload.rolledback";
// An automatic reload that did not run (backing off, or automatic reloads disabled): reason.
inline constexpr std::string_view skipped = "reload.skipped";
// A reload held off by DeferGuards for longer than ReloadOptions::max_defer: reason.
inline constexpr std::string_view deferral_overdue = "reload.deferral_overdue";
inline constexpr std::string_view file_changed = "file.changed";
inline constexpr std::string_view file_missing = "file.missing";
// A file or directory watcher fell back to polling (inotify unavailable or out of watches): errors
// say why. Reloads go on, later and at some CPU cost.
inline constexpr std::string_view watch_fallback = "watch.fallback";
// A watcher's own failure: reason "callback" (the change callback threw) or "stopped" (waiting for
// events failed; that watcher sees no more changes). errors say what.
inline constexpr std::string_view watch_error = "watch.error";
}  // namespace event_type

// One event. A plain value: the reloader fills the fields that apply to `type` and leaves the
// others at their defaults; to_cloudevent() documents which fields each type prints.
struct Event {
  std::string type;                 // one of event_type, or a producer's own type
  std::uint64_t reload_id = 0;      // the attempt this event belongs to; 0 for file.* before one
  std::uint64_t sequence = 0;       // set by EventBus::publish: 1, 2, 3 ... per bus (0 if never
                                    // published); a gap seen in a queue means events were dropped
  Trigger trigger = Trigger::api;
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();  // of creation
  std::chrono::nanoseconds duration{0};      // completed, failed, module.completed
  std::string status;                        // completed: "applied", or "unchanged" when the
                                             // sources held what is live (no changes, same generation)
  std::vector<Change> changes;               // validated, completed; Change::secret marks redaction
  Errors errors;                             // failed, file.missing
  std::vector<std::string> pending_restart;  // completed: restart-only paths changed, not applied
  std::string module;                        // module.*; failed: the module that failed, if any
  std::string reason;                        // rolledback, skipped, deferral_overdue: why;
                                             // file.changed in a directory layer: added, removed...
  unsigned consecutive_failures = 0;         // failed, skipped: the backoff's failure count
  std::chrono::nanoseconds backoff{0};       // failed, skipped: automatic reloads wait this long
  std::uint64_t generation = 0;              // completed: the published snapshot's version
  std::vector<std::string> files;            // file.*; started/completed: the files read
  // completed, failed (when the layers loaded): (layer, version) of each versioned source, e.g.
  // ("etcd://127.0.0.1:2379/app/", "42"): the etcd revision the applied state was read at.
  std::vector<std::pair<std::string, std::string>> source_versions;
  std::optional<Value> config;               // the full effective config, already redacted
};

// The event as a CloudEvents 1.0 JSON object (structured content mode):
//   {"specversion":"1.0","id":"<reload_id>-<sequence>","source":source,"type":type,
//    "time":"2024-05-01T12:00:00.123456Z","datacontenttype":"application/json","data":{...}}
// CloudEvents requires source+id to be unique per event: the id is unique per bus, so a source
// should name one process (e.g. "hotreload://host/pid") when events from several runs are mixed.
// data holds, in this order, these fields for the types listed; any of them but trigger and
// timestamp also appears for other types when the producer set it to a non-default value:
//   reloadId        all reload.* types
//   trigger         all reload.* types
//   timestamp       reload.started (seed 001 lists it; the same instant as "time")
//   module          reload.module.*      failedModule  reload.failed (null when no module failed)
//   durationMs      completed, failed, module.completed (a float)
//   status          completed: "applied", or "unchanged" when the reload found nothing to change
//                   (every attempt that does not fail ends in one reload.completed)
//   changeCount, changes  validated, completed: [{path, op, old, new}] as hotreload/json.hpp
//                   renders a Change (a secret side "<redacted>", an absent side null)
//   generation, pendingRestart  completed
//   reason          rolledback, skipped, deferral_overdue; file.changed of a directory layer
//   consecutiveFailures, backoffMs  failed, skipped: the backoff state after this attempt
//   error, errors   failed: the first error's to_string() (null if none), and [{code, message,
//                   file, line, column, path}] with unknown parts null
//   files           file.changed, file.missing
//   sourceVersions  only when set: {"<layer>": "<version>"}, e.g. {"etcd://h:2379/app/": "42"}
//   config          only when set
nlohmann::ordered_json to_cloudevent(const Event& event, std::string_view source);

// to_cloudevent(...).dump() on one line without a trailing newline; invalid UTF-8 in a value is
// replaced (U+FFFD) rather than throwing, so an event always prints.
std::string to_cloudevent_line(const Event& event, std::string_view source);

// "2024-05-01T12:00:00.123456Z": RFC 3339 in UTC, microseconds.
std::string to_rfc3339(std::chrono::system_clock::time_point time);

// A bounded multi-producer multi-consumer queue of events. When full, push() drops the oldest
// event and counts it: a slow consumer must never block a reload.
// Thread-safe: every member may be called from any thread at the same time. A push()
// happens-before the recv()/try_recv() that returns its event.
class EventQueue {
 public:
  // A capacity of 0 is treated as 1.
  explicit EventQueue(std::size_t capacity = 1024);
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Ignored after close().
  void push(Event event);
  // The oldest event, or nullopt when empty. Never blocks (beyond the internal mutex).
  std::optional<Event> try_recv();
  // Waits up to `timeout` for an event; nullopt on timeout, or once closed and drained.
  std::optional<Event> recv(std::chrono::milliseconds timeout);
  // Waits for an event without a time limit; nullopt once closed and drained.
  std::optional<Event> recv();
  // Wakes every blocked recv(); later recv()s return what is left, then nullopt.
  void close();

  bool closed() const;
  std::uint64_t dropped() const;
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  std::optional<Event> pop_locked();  // requires mu_

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable ready_;  // signalled on push and close
  std::deque<Event> events_;       // guarded by mu_
  std::uint64_t dropped_ = 0;      // guarded by mu_
  bool closed_ = false;            // guarded by mu_
};

namespace detail {
struct CallbackSlot;  // src/events/bus_state.hpp
struct BusState;
}  // namespace detail

// The RAII handle of one callback registration. Dropping it (or cancel()) unregisters. cancel()
// waits for running calls of that callback on other threads to finish and guarantees that no call
// starts after it returns; called from inside the callback itself, it returns at once (the current
// call finishes normally) and no further call starts. Do not cancel, from inside callback A, a
// subscription whose callback may itself be waiting in cancel() for A: the two would wait forever.
// Because cancel() (and so the destructor) waits for calls on other threads, do not call it while
// holding a lock such a call may need. Everything a finished call did happens-before cancel()
// returns. One handle is not synchronised: do not use the same handle from two threads at once.
class [[nodiscard]] Subscription {
 public:
  Subscription() = default;  // inactive
  Subscription(Subscription&& other) noexcept;
  Subscription& operator=(Subscription&& other) noexcept;  // cancels the registration it held
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

  void cancel();
  // True until cancel() or a move, and while the bus lives.
  bool active() const;

 private:
  friend class EventBus;
  Subscription(std::weak_ptr<detail::BusState> bus, std::shared_ptr<detail::CallbackSlot> slot);

  std::weak_ptr<detail::BusState> bus_;
  std::shared_ptr<detail::CallbackSlot> slot_;
};

// Delivers each published event to every attached queue, then to the callbacks synchronously on
// the publishing thread, in registration order. No lock is held while a callback runs, so a
// callback may subscribe, cancel (itself or another), open a queue or publish (a nested publish
// is delivered in full before the outer one continues).
// Thread-safety: every member may be called from any thread. Ordering: all queues receive events
// in the order of their sequence numbers; a callback receives the events of one publishing thread
// in order, but when several threads publish, one callback can run concurrently on each of them
// (the reloader publishes under its reload mutex, so its reload.* events never overlap). A
// subscribe() that returns before publish() starts sees that event; a later one does not.
// What the publisher did before publish() happens-before each delivery of that event.
// An exception from a callback is caught and counted (callback_errors()), never propagated.
class EventBus {
 public:
  EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;
  // Closes every queue still attached, so consumers blocked in recv() wake up. Subscriptions may
  // outlive the bus; they just stop receiving.
  ~EventBus();

  Subscription subscribe(std::function<void(const Event&)> callback);
  // A new queue that receives every later event. The bus holds it weakly: it stops receiving
  // when the caller drops the last shared_ptr.
  std::shared_ptr<EventQueue> open_queue(std::size_t capacity = 1024);
  // Stamps event.sequence and delivers it; returns the sequence number.
  std::uint64_t publish(Event event);

  std::uint64_t callback_errors() const;

 private:
  std::shared_ptr<detail::BusState> state_;
};

}  // namespace hotreload
