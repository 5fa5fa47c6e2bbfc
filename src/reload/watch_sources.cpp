#include "hotreload/watch_sources.hpp"

#include "hotreload/watch_reload.hpp"

namespace hotreload {
namespace {

void publish_source_error(EventBus& events, const LayerSource& source, const Error& error) {
  Event event;
  event.type = source_error_type(source);
  event.trigger = Trigger::source(source.kind());
  event.files = {source.name()};
  event.errors = {error};
  events.publish(std::move(event));
}

}  // namespace

std::string source_error_type(const LayerSource& source) { return source.kind() + ".error"; }

Errors sync_sources(const LayerOptions& layers, EventBus& events) {
  return sync_sources(layers, [&events](const LayerSource& source, const Error& error) {
    publish_source_error(events, source, error);
  });
}

Result<std::unique_ptr<SourceWatches>, Error> SourceWatches::start_local(const LayerOptions& layers,
                                                                         WatchOptions options, EventBus& events,
                                                                         Reload reload) {
  std::unique_ptr<SourceWatches> watches(new SourceWatches(events, std::move(reload)));
  for (const LayerSpec& spec : layers.files) {
    if (spec.source) watches->sources_.push_back(spec.source);
  }
  auto local = LayerWatcher::start(layers, std::move(options),
                                   reloading_callbacks(events, [reload = watches->reload_] { reload(Trigger::file); }));
  if (!local) return unexpected(std::move(local).error());
  watches->local_ = std::move(*local);
  return watches;
}

void SourceWatches::start_sources() {
  if (!watches_.empty()) return;
  for (const auto& source : sources_) {
    const Trigger trigger = Trigger::source(source->kind());
    LayerSource* raw = source.get();  // sources_ outlives watches_
    SourceListener listener{
        .changed = [this, trigger](const std::string&) { reload_(trigger); },
        .failed = [this, raw](const Error& error) { publish_source_error(events_, *raw, error); },
    };
    if (auto watch = source->watch(std::move(listener))) watches_.push_back(std::move(watch));
  }
}

SourceWatches::~SourceWatches() {
  watches_.clear();  // remote watches first: their threads call reload_
  local_.reset();
}

const char* SourceWatches::backend_name() const { return local_ ? local_->backend_name() : "none"; }

void SourceWatches::rescan() {
  if (local_) local_->rescan();
}

}  // namespace hotreload
