// LayerSource: a layer that is not a file (an etcd key or prefix). load_layers() asks it for its
// current content on every reload, exactly where it would read a file.
#pragma once

#include <string>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

class LayerSource {
 public:
  virtual ~LayerSource() = default;

  // The layer's current content. Called on the reload path, from any thread, possibly several at
  // once: it must return what the source already holds (a cached state) and never wait on the
  // network. Errors keep the live config and are reported with the reload.
  virtual Result<Document, Errors> load() const = 0;
  // What the layer is called in provenance, events and errors ("etcd://127.0.0.1:2379/app/").
  virtual std::string name() const = 0;
};

}  // namespace hotreload
