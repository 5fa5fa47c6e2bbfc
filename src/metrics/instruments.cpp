// Counter, Gauge and Histogram, and how one child prints its samples.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "hotreload/metrics.hpp"
#include "metrics/text_format.hpp"

namespace hotreload {

namespace {

bool is_name_start(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool is_name_char(char c, bool colon) { return is_name_start(c, colon) || (c >= '0' && c <= '9'); }

bool is_valid_name(std::string_view name, bool colon) {
  if (name.empty() || !is_name_start(name.front(), colon)) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return is_name_char(c, colon); });
}

}  // namespace

bool is_valid_metric_name(std::string_view name) { return is_valid_name(name, true); }

bool is_valid_label_name(std::string_view name) {
  return is_valid_name(name, false) && !name.starts_with("__");
}

const char* to_string(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

void Counter::add(double amount) noexcept {
  if (!(amount > 0)) return;  // also NaN
  // Integral amounts go to the integer cell, so counting by whole numbers never loses precision.
  if (amount < 9.0e18 && std::floor(amount) == amount) {
    whole_.fetch_add(static_cast<std::uint64_t>(amount), std::memory_order_relaxed);
  } else {
    fraction_.fetch_add(amount, std::memory_order_relaxed);
  }
}

double Counter::value() const noexcept {
  return static_cast<double>(whole_.load(std::memory_order_relaxed)) + fraction_.load(std::memory_order_relaxed);
}

Histogram::Histogram(std::shared_ptr<const std::vector<double>> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_->size() + 1]) {
  for (std::size_t i = 0; i <= bounds_->size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) noexcept {
  const std::vector<double>& bounds = *bounds_;
  // Upper bounds are inclusive: the first bound >= value. NaN compares false with everything,
  // so it is sent to +Inf explicitly (lower_bound would put it in the first bucket).
  const std::size_t bucket = std::isnan(value)
      ? bounds.size()
      : static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Counts Histogram::counts() const {
  Counts counts;
  counts.cumulative.reserve(bounds_->size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_->size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    counts.cumulative.push_back(running);
  }
  counts.count = running;  // _count is the +Inf bucket by construction
  counts.sum = sum_.load(std::memory_order_relaxed);
  return counts;
}

std::vector<double> exponential_buckets(double start, double factor, std::size_t count) {
  if (!(start > 0) || !(factor > 1)) throw std::invalid_argument("exponential_buckets: needs start > 0 and factor > 1");
  std::vector<double> bounds;
  bounds.reserve(count);
  for (double bound = start; bounds.size() < count; bound *= factor) bounds.push_back(bound);
  return bounds;
}

std::vector<double> linear_buckets(double start, double width, std::size_t count) {
  if (!(width > 0)) throw std::invalid_argument("linear_buckets: needs width > 0");
  std::vector<double> bounds;
  bounds.reserve(count);
  for (std::size_t i = 0; i < count; ++i) bounds.push_back(start + width * static_cast<double>(i));
  return bounds;
}

namespace detail {
namespace {

// `{a="x",b="y"}` (with an extra `le` label for buckets); nothing when there are no labels.
void append_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                   std::string_view le = {}) {
  if (names.empty() && le.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += '=';
    metrics_text::append_label_value(out, values[i]);
  }
  if (!le.empty()) {
    if (!names.empty()) out += ',';
    out += "le=";
    metrics_text::append_label_value(out, le);
  }
  out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const std::vector<std::string>& names, const std::vector<std::string>& values, double value,
                   std::string_view le = {}) {
  out += name;
  out += suffix;
  append_labels(out, names, values, le);
  out += ' ';
  metrics_text::append_double(out, value);
  out += '\n';
}

}  // namespace

void write_header(std::string& out, const Collector& collector) {
  out += "# HELP ";
  out += collector.name();
  out += ' ';
  metrics_text::append_help(out, collector.help());
  out += "\n# TYPE ";
  out += collector.name();
  out += ' ';
  out += to_string(collector.type());
  out += '\n';
}

void write_samples(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, const Counter& counter) {
  append_sample(out, name, "", label_names, label_values, counter.value());
}

void write_samples(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, const Gauge& gauge) {
  append_sample(out, name, "", label_names, label_values, gauge.value());
}

void write_samples(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, const Histogram& histogram) {
  const Histogram::Counts counts = histogram.counts();
  const std::vector<double>& bounds = histogram.bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    append_sample(out, name, "_bucket", label_names, label_values, static_cast<double>(counts.cumulative[i]),
                  metrics_text::format_double(bounds[i]));
  }
  append_sample(out, name, "_bucket", label_names, label_values, static_cast<double>(counts.count), "+Inf");
  append_sample(out, name, "_sum", label_names, label_values, counts.sum);
  append_sample(out, name, "_count", label_names, label_values, static_cast<double>(counts.count));
}

void throw_label_count(const std::string& name, std::size_t expected, std::size_t given) {
  throw std::invalid_argument("metric " + name + ": expected " + std::to_string(expected) + " label values, got " +
                              std::to_string(given));
}

}  // namespace detail
}  // namespace hotreload
