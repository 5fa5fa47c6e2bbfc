// The instance side of a canary rollout (rollout.hpp): an etcd document layer that also watches
// its rollout record (KEY.rollout) and, while a rollout is active and this instance is one of its
// canaries, serves the candidate in place of KEY's value. The candidate goes through the same
// reload as any change (schema, validators, modules), so a refused candidate is a failed reload
// that leaves the live config alone, and the instance's report (fleet_report.hpp) says so: its
// layer's version is rollout_version(id) in "sources" once applied, in "attemptedSources" or the
// errors once refused. When the rollout halts or is aborted, the layer is KEY's value again; when
// it is promoted, the candidate is served until the layer has read KEY at the promoting revision,
// so a canary never flips back to the old value on the way. A change of the record reloads only
// the instances it concerns (what this one serves changed), so the others never notice a rollout
// until KEY is written.
//
//   auto key = std::make_shared<hotreload::EtcdSource>(location, options);
//   auto layer = std::make_shared<hotreload::RolloutSource>(key, "web-1", options);
//   specs.push_back({.path = layer->name(), .source = layer});
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hotreload/etcd.hpp"
#include "hotreload/layer_source.hpp"
#include "hotreload/rollout.hpp"

namespace hotreload {

// Thread-safety: as EtcdSource (load() from any thread). It owns the record's EtcdSource and
// shares the layer's; watch() watches both and the handle stops both.
class RolloutSource final : public LayerSource {
 public:
  // `layer` must name a document key (not a prefix). `options` connect to the record (the same
  // etcd as the layer); its format decides how the candidate is parsed (else KEY's extension).
  RolloutSource(std::shared_ptr<EtcdSource> layer, std::string instance_id, EtcdOptions options);

  Result<Document, Errors> load() const override;
  std::string name() const override { return layer_->name(); }
  std::string kind() const override { return layer_->kind(); }
  Result<void> sync() override;
  std::unique_ptr<SourceWatch> watch(SourceListener listener) override;

  const std::string& instance_id() const { return instance_id_; }

 private:
  // The rollout whose candidate load() serves now, nullopt for KEY's value: an active one this
  // instance canaries, or a promoted one until the layer has read KEY at the promoting revision.
  std::optional<RolloutRecord> serving() const;

  std::shared_ptr<EtcdSource> layer_;
  std::shared_ptr<EtcdSource> record_;
  std::string instance_id_;
  EtcdOptions options_;
  struct Following;  // what the record last made this instance serve, shared with the record's watch
  std::shared_ptr<Following> following_;
};

}  // namespace hotreload
