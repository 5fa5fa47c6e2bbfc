// RolloutSource: KEY's layer, or the candidate of the rollout this instance canaries.
#include "hotreload/rollout_source.hpp"

#include <mutex>

#include "hotreload/formats.hpp"
#include "hotreload/json.hpp"
#include "hotreload/json_text.hpp"
#include "hotreload/rollout.hpp"

namespace hotreload {
namespace {

EtcdOptions record_options(EtcdOptions options) {
  options.format = Format::json;
  options.optional = true;  // no rollout yet: nothing to serve but KEY
  options.parse = {};
  return options;
}

EtcdLocation record_location(EtcdLocation location) {
  location.key = rollout_record_key(location.key);
  return location;
}

// Both watches; the handle keeps both sources alive until it is dropped.
struct BothWatches final : SourceWatch {
  std::shared_ptr<EtcdSource> layer_source, record_source;
  std::unique_ptr<SourceWatch> layer, record;
  ~BothWatches() override {
    record.reset();
    layer.reset();
  }
};

std::optional<RolloutRecord> serving_record(const EtcdSource& record_source, const EtcdSource& layer,
                                            const std::string& instance_id);

}  // namespace

struct RolloutSource::Following {
  std::mutex mu;
  std::string serving;  // guarded by mu: the version load() served last ("" for KEY's value)
};

RolloutSource::RolloutSource(std::shared_ptr<EtcdSource> layer, std::string instance_id, EtcdOptions options)
    : layer_(std::move(layer)),
      record_(std::make_shared<EtcdSource>(record_location(layer_->location()), record_options(options))),
      instance_id_(std::move(instance_id)),
      options_(std::move(options)),
      following_(std::make_shared<Following>()) {}

Result<void> RolloutSource::sync() {
  auto layer = layer_->sync();
  auto record = record_->sync();
  if (!layer) return layer;
  return record;
}

std::unique_ptr<SourceWatch> RolloutSource::watch(SourceListener listener) {
  auto both = std::make_unique<BothWatches>();
  both->layer_source = layer_;
  both->record_source = record_;
  both->layer = layer_->watch(listener);
  // A record change reloads this instance only when it changes what this instance serves: the
  // rest of the fleet never reloads for a rollout it is not part of.
  SourceListener on_record;
  on_record.failed = listener.failed;
  // The handle keeps both sources alive and no call runs after it is dropped, so plain pointers
  // do (a shared_ptr to the record here would be a cycle through its own callback). It may
  // outlive this object: nothing of `this` is captured.
  on_record.changed = [record = record_.get(), layer = layer_.get(), id = instance_id_, following = following_,
                       changed = std::move(listener.changed)](const std::string& revision) {
    auto now = serving_record(*record, *layer, id);
    const std::string version = now ? rollout_version(now->id) : std::string{};
    {
      std::lock_guard lock(following->mu);
      if (following->serving == version) return;
    }
    if (changed) changed(revision);
  };
  both->record = record_->watch(std::move(on_record));
  return both;
}

std::optional<RolloutRecord> RolloutSource::serving() const { return serving_record(*record_, *layer_, instance_id_); }

namespace {

std::optional<RolloutRecord> serving_record(const EtcdSource& record_source, const EtcdSource& layer,
                                            const std::string& instance_id) {
  // A record that cannot be read or parsed is no rollout: KEY's value is what every instance runs.
  auto record_document = record_source.load();
  if (!record_document || !record_document->root.is_object()) return std::nullopt;
  auto record = parse_rollout_record(dump_json(to_json(record_document->root)));
  if (!record || !record->is_canary(instance_id)) return std::nullopt;
  const bool serve = record->active() || (record->phase == rollout_phase::done &&
                                          layer.status().revision < record->promoted_revision);
  if (!serve) return std::nullopt;
  return std::move(*record);
}

}  // namespace

Result<Document, Errors> RolloutSource::load() const {
  auto record = serving();
  {
    std::lock_guard lock(following_->mu);
    following_->serving = record ? rollout_version(record->id) : std::string{};
  }
  if (!record) return layer_->load();
  const EtcdLocation& location = layer_->location();
  const Format format = options_.format.value_or(format_from_path(location.key).value_or(Format::yaml));
  const std::string version = rollout_version(record->id);
  Result<Document> parsed = parse(record->candidate, format, location.url(), options_.parse);
  if (!parsed) {
    Error error = std::move(parsed).error();
    error.message += " (the candidate of " + version + ")";
    return unexpected(Errors{std::move(error)});
  }
  for (Source& source : parsed->sources) source.version = version;
  return std::move(*parsed);
}

}  // namespace hotreload
