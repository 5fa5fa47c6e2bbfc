// MetricsRegistry: registration (names checked once, here) and the exposition of every family.
#include <cmath>
#include <stdexcept>
#include <utility>

#include "hotreload/metrics.hpp"
#include "metrics/text_format.hpp"

namespace hotreload {
namespace {

class CallbackCollector final : public detail::Collector {
 public:
  CallbackCollector(std::string name, std::string help, MetricType type, std::function<std::optional<double>()> read)
      : Collector(std::move(name), std::move(help), type, {}), read_(std::move(read)) {}

  void expose(std::string& out) const override {
    detail::write_header(out, *this);
    std::optional<double> value;
    try {
      value = read_();
    } catch (...) {
      // A throwing callback must not break the scrape of every other metric: print no sample.
    }
    if (!value) return;
    out += name();
    out += ' ';
    metrics_text::append_double(out, *value);
    out += '\n';
  }

 private:
  std::function<std::optional<double>()> read_;
};

[[noreturn]] void refuse(const std::string& name, const std::string& why) {
  throw std::invalid_argument("metric " + metrics_text::valid_utf8(name) + ": " + why);
}

void check_names(const std::string& name, const std::vector<std::string>& label_names, MetricType type) {
  if (!is_valid_metric_name(name)) refuse(name, "invalid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)");
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!is_valid_label_name(label)) {
      refuse(name, "invalid label name \"" + metrics_text::valid_utf8(label) +
                       "\" (want [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)");
    }
    if (type == MetricType::histogram && label == "le") refuse(name, "a histogram cannot have a label named le");
    for (std::size_t j = 0; j < i; ++j) {
      if (label_names[j] == label) refuse(name, "duplicate label name " + label);
    }
  }
}

std::vector<double> checked_bounds(const std::string& name, std::vector<double> bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) refuse(name, "histogram bounds must be finite");
    if (i > 0 && !(bounds[i - 1] < bounds[i])) refuse(name, "histogram bounds must be strictly increasing");
  }
  return bounds;
}

constexpr std::string_view kHistogramSuffixes[] = {"_bucket", "_sum", "_count"};

}  // namespace

void MetricsRegistry::check_free(const std::string& name, MetricType type) const {
  if (families_.contains(name)) refuse(name, "already registered");
  for (std::string_view suffix : kHistogramSuffixes) {
    // A histogram's series would collide with another metric named like them, either way round.
    if (type == MetricType::histogram && families_.contains(name + std::string(suffix))) {
      refuse(name, "collides with metric " + name + std::string(suffix));
    }
    if (name.ends_with(suffix)) {
      auto stem = families_.find(name.substr(0, name.size() - suffix.size()));
      if (stem != families_.end() && stem->second->type() == MetricType::histogram) {
        refuse(name, "collides with the series of histogram " + stem->first);
      }
    }
  }
}

template <class M>
Family<M>& MetricsRegistry::add(std::unique_ptr<Family<M>> family) {
  const std::string& name = family->name();
  check_names(name, family->label_names(), family->type());
  std::lock_guard lock(mu_);
  if (auto found = families_.find(name); found != families_.end()) {
    auto* existing = dynamic_cast<Family<M>*>(found->second.get());
    if (existing == nullptr || existing->type() != family->type() ||
        existing->label_names() != family->label_names() || existing->bounds() != family->bounds()) {
      refuse(name, "already registered with a different type, labels or buckets");
    }
    return *existing;
  }
  check_free(name, family->type());
  Family<M>& added = *family;
  families_.emplace(name, std::move(family));
  return added;
}

CounterFamily& MetricsRegistry::counter(const std::string& name, std::string help,
                                        std::vector<std::string> label_names) {
  return add(std::make_unique<CounterFamily>(name, std::move(help), MetricType::counter, std::move(label_names),
                                             std::vector<double>{}, [] { return std::make_unique<Counter>(); }));
}

GaugeFamily& MetricsRegistry::gauge(const std::string& name, std::string help, std::vector<std::string> label_names) {
  return add(std::make_unique<GaugeFamily>(name, std::move(help), MetricType::gauge, std::move(label_names),
                                           std::vector<double>{}, [] { return std::make_unique<Gauge>(); }));
}

HistogramFamily& MetricsRegistry::histogram(const std::string& name, std::string help, std::vector<double> bounds,
                                            std::vector<std::string> label_names) {
  auto shared = std::make_shared<const std::vector<double>>(checked_bounds(name, std::move(bounds)));
  return add(std::make_unique<HistogramFamily>(name, std::move(help), MetricType::histogram, std::move(label_names),
                                               *shared, [shared] { return std::make_unique<Histogram>(shared); }));
}

CallbackMetric MetricsRegistry::gauge_callback(const std::string& name, std::string help,
                                               std::function<std::optional<double>()> read) {
  return add_callback(name, std::move(help), MetricType::gauge, std::move(read));
}

CallbackMetric MetricsRegistry::counter_callback(const std::string& name, std::string help,
                                                 std::function<std::optional<double>()> read) {
  return add_callback(name, std::move(help), MetricType::counter, std::move(read));
}

CallbackMetric MetricsRegistry::add_callback(const std::string& name, std::string help, MetricType type,
                                             std::function<std::optional<double>()> read) {
  check_names(name, {}, type);
  if (!read) refuse(name, "empty callback");
  std::lock_guard lock(mu_);
  check_free(name, type);
  families_.emplace(name, std::make_unique<CallbackCollector>(name, std::move(help), type, std::move(read)));
  return CallbackMetric(this, name);
}

void MetricsRegistry::remove(const std::string& name) {
  std::unique_ptr<detail::Collector> removed;
  {
    std::lock_guard lock(mu_);  // waits for a scrape that may be calling the callback
    auto found = families_.find(name);
    if (found == families_.end()) return;
    removed = std::move(found->second);
    families_.erase(found);
  }
  // `removed` dies here, outside the lock: the callback's captures may do anything.
}

std::string MetricsRegistry::expose() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) family->expose(out);
  return out;
}

CallbackMetric::CallbackMetric(CallbackMetric&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), name_(std::move(other.name_)) {}

CallbackMetric& CallbackMetric::operator=(CallbackMetric&& other) noexcept {
  if (this != &other) {
    reset();
    registry_ = std::exchange(other.registry_, nullptr);
    name_ = std::move(other.name_);
  }
  return *this;
}

void CallbackMetric::reset() {
  if (auto* registry = std::exchange(registry_, nullptr)) registry->remove(name_);
}

}  // namespace hotreload
