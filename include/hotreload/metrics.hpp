// Metrics: counters, gauges and histograms with labels, printed in the Prometheus text exposition
// format 0.0.4 (what a /metrics endpoint serves).
//
//   hotreload::MetricsRegistry registry;
//   auto& requests = registry.counter("app_requests_total", "Requests served.", {"route"});
//   hotreload::Counter& home = requests.with({"/"});   // find or create the child once...
//   home.inc();                                         // ...then each update is one atomic add
//   auto& latency = registry.histogram("app_latency_seconds", "Request latency.",
//                                      hotreload::exponential_buckets(0.001, 2, 12));
//   latency.with().observe(0.042);
//   auto uptime = registry.gauge_callback("app_uptime_seconds", "Seconds since start.",
//                                         [&] { return seconds_since(start); });
//   std::string text = registry.expose();
//
// Thread safety: everything may be called from any thread at once. Updating a child (inc, set,
// observe) is lock-free: relaxed atomic operations, so a scrape sees each value on its own but not
// a consistent cut across several (a histogram's _sum may lag its _count by an observation in
// flight; its _count always equals its +Inf bucket). with() takes a shared lock to find a child
// and an exclusive one only to create it; keep the returned reference (it lives as long as the
// registry) on hot paths. Registration and expose() take the registry's mutex.
//
// Misuse that is a programming error, like an invalid metric name or a wrong number of label
// values, throws std::invalid_argument (as std::vector::at throws): it cannot depend on input.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hotreload {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved for Prometheus itself).
bool is_valid_label_name(std::string_view name);

// A monotonically increasing value. inc() is one relaxed fetch_add on an integer; add() of a
// fraction uses a compare-exchange loop on a second (double) cell.
class Counter {
 public:
  void inc() noexcept { whole_.fetch_add(1, std::memory_order_relaxed); }
  void inc(std::uint64_t amount) noexcept { whole_.fetch_add(amount, std::memory_order_relaxed); }
  // Negative and NaN amounts are ignored: a counter never goes down.
  void add(double amount) noexcept;
  double value() const noexcept;

 private:
  std::atomic<std::uint64_t> whole_{0};
  std::atomic<double> fraction_{0.0};  // only non-integral add()s
};

// A value that goes up and down.
class Gauge {
 public:
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void add(double amount) noexcept { value_.fetch_add(amount, std::memory_order_relaxed); }
  void inc() noexcept { add(1.0); }
  void dec() noexcept { add(-1.0); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into buckets with the given upper bounds (inclusive), plus +Inf.
class Histogram {
 public:
  // `bounds` strictly increasing and finite; MetricsRegistry checks them.
  explicit Histogram(std::shared_ptr<const std::vector<double>> bounds);

  void observe(double value) noexcept;
  template <class Rep, class Period>
  void observe(std::chrono::duration<Rep, Period> elapsed) noexcept {
    observe(std::chrono::duration<double>(elapsed).count());
  }

  struct Counts {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  Counts counts() const;
  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  std::shared_ptr<const std::vector<double>> bounds_;
  // Per bucket, not cumulative: one fetch_add per observation. bounds_->size() + 1 cells.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0.0};
};

// `count` bounds: start, start*factor, start*factor^2, ... (start > 0, factor > 1).
std::vector<double> exponential_buckets(double start, double factor, std::size_t count);
// `count` bounds: start, start+width, ... (width > 0).
std::vector<double> linear_buckets(double start, double width, std::size_t count);

enum class MetricType { counter, gauge, histogram };
// "counter", "gauge", "histogram": the TYPE line's word.
const char* to_string(MetricType type);

namespace detail {

// One metric family as the registry keeps it; expose() appends its HELP, TYPE and sample lines.
class Collector {
 public:
  Collector(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
            std::vector<double> bounds = {})
      : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}
  virtual ~Collector() = default;
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<double>& bounds() const { return bounds_; }  // histograms only
  virtual void expose(std::string& out) const = 0;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
};

// Orders label-value tuples; transparent so that a lookup needs no std::string allocation.
struct LabelValuesLess {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

// Sample lines of one child: `name{labels} value` (histograms: _bucket/_sum/_count lines).
void write_samples(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, const Counter& counter);
void write_samples(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, const Gauge& gauge);
void write_samples(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, const Histogram& histogram);
void write_header(std::string& out, const Collector& collector);
[[noreturn]] void throw_label_count(const std::string& name, std::size_t expected, std::size_t given);

}  // namespace detail

// A metric with label names and one child per distinct tuple of label values. Children are
// created on first use and live as long as the registry; they are printed in label-value order.
template <class M>
class Family final : public detail::Collector {
 public:
  using Factory = std::function<std::unique_ptr<M>()>;
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         std::vector<double> bounds, Factory factory)
      : Collector(std::move(name), std::move(help), type, std::move(label_names), std::move(bounds)),
        factory_(std::move(factory)) {}

  // The child for these label values, one per label name, in order; any string is a valid value
  // (it is escaped when printed, and invalid UTF-8 is replaced by U+FFFD).
  M& with(std::initializer_list<std::string_view> values = {}) {
    return find_or_create(std::span<const std::string_view>(values.begin(), values.size()));
  }
  M& with(std::span<const std::string_view> values) { return find_or_create(values); }
  M& with(std::span<const std::string> values) { return find_or_create(values); }

  std::size_t size() const {
    std::shared_lock lock(mu_);
    return children_.size();
  }

  void expose(std::string& out) const override {
    detail::write_header(out, *this);
    std::shared_lock lock(mu_);
    for (const auto& [values, child] : children_) detail::write_samples(out, name(), label_names(), values, *child);
  }

 private:
  template <class S>
  M& find_or_create(std::span<const S> values) {
    if (values.size() != label_names().size()) detail::throw_label_count(name(), label_names().size(), values.size());
    {
      std::shared_lock lock(mu_);
      if (auto found = children_.find(values); found != children_.end()) return *found->second;
    }
    std::unique_lock lock(mu_);
    if (auto found = children_.find(values); found != children_.end()) return *found->second;
    std::vector<std::string> key(values.begin(), values.end());
    return *children_.emplace(std::move(key), factory_()).first->second;
  }

  Factory factory_;
  mutable std::shared_mutex mu_;
  // guarded by mu_; a child's address never changes once created (the map holds unique_ptrs)
  std::map<std::vector<std::string>, std::unique_ptr<M>, detail::LabelValuesLess> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry;

// The RAII handle of a callback metric: dropping it (or reset()) removes the metric from the
// registry, waiting for a scrape that is calling it to finish. It must not outlive the registry.
class [[nodiscard]] CallbackMetric {
 public:
  CallbackMetric() = default;
  CallbackMetric(CallbackMetric&& other) noexcept;
  CallbackMetric& operator=(CallbackMetric&& other) noexcept;
  CallbackMetric(const CallbackMetric&) = delete;
  CallbackMetric& operator=(const CallbackMetric&) = delete;
  ~CallbackMetric() { reset(); }
  void reset();

 private:
  friend class MetricsRegistry;
  CallbackMetric(MetricsRegistry* registry, std::string name) : registry_(registry), name_(std::move(name)) {}
  MetricsRegistry* registry_ = nullptr;
  std::string name_;
};

// Metric families by name, and their exposition.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registers a family, or returns the one already registered under `name` when it has the same
  // type, label names (and bounds). Throws std::invalid_argument on an invalid metric or label
  // name, a name taken by a different metric (including a histogram's name_bucket, name_sum and
  // name_count series), or histogram bounds that are not strictly increasing and finite (a
  // trailing +Inf is dropped: the +Inf bucket is always there).
  CounterFamily& counter(const std::string& name, std::string help, std::vector<std::string> label_names = {});
  GaugeFamily& gauge(const std::string& name, std::string help, std::vector<std::string> label_names = {});
  HistogramFamily& histogram(const std::string& name, std::string help, std::vector<double> bounds,
                             std::vector<std::string> label_names = {});

  // A metric without labels whose value `read` computes at scrape time; nullopt prints no sample
  // (only the HELP and TYPE lines). `read` runs under the registry's mutex: it must not call
  // into this registry. A name already registered throws std::invalid_argument.
  CallbackMetric gauge_callback(const std::string& name, std::string help, std::function<std::optional<double>()> read);
  CallbackMetric counter_callback(const std::string& name, std::string help, std::function<std::optional<double>()> read);

  // Every family in name order, in the text format 0.0.4 (Content-Type:
  // `text/plain; version=0.0.4; charset=utf-8`), each line ending in '\n'.
  std::string expose() const;

  static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

 private:
  friend class CallbackMetric;
  template <class M>
  Family<M>& add(std::unique_ptr<Family<M>> family);
  CallbackMetric add_callback(const std::string& name, std::string help, MetricType type,
                              std::function<std::optional<double>()> read);
  void remove(const std::string& name);
  void check_free(const std::string& name, MetricType type) const;  // requires mu_

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<detail::Collector>> families_;  // guarded by mu_
};

}  // namespace hotreload
