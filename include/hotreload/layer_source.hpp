// LayerSource: a layer that is not a local file (an etcd key or prefix, an HTTP(S) URL, or a
// program's own). load_layers() asks it for its current content on every reload, exactly where
// it would read a file; a source that can tell when its content changed also watches and says
// so, and the reloader treats every such source alike (watch_sources.hpp): it reloads with a
// trigger named after the source's kind and reports a failure as a "<kind>.error" event.
//
// Adding a source: implement this interface in one header and one folder (EtcdSource in
// etcd.hpp and src/etcd/, HttpSource in http_source.hpp and src/http_source/), then map its URL
// scheme to it in the CLI (tools/hotreload/layer_args.cpp). docs/ARCHITECTURE.md walks through it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/result.hpp"

namespace hotreload {

// What a watching source reports, from its own thread. Both may be empty.
struct SourceListener {
  // The content changed; `revision` is the source's own name for the new state (an etcd
  // revision "42", an HTTP ETag), empty when it has none. The source's next load() returns it.
  std::function<void(const std::string& revision)> changed{};
  // The source cannot be read (down, refused, an invalid document): it keeps serving what it
  // last read and retries by itself.
  std::function<void(const Error& error)> failed{};
};

// Dropping it stops the watch; no listener call runs after its destructor returns.
class SourceWatch {
 public:
  virtual ~SourceWatch() = default;
};

class LayerSource {
 public:
  virtual ~LayerSource() = default;

  // The layer's current content. Called on the reload path, from any thread, possibly several at
  // once: it must return what the source already holds (a cached state) and never wait on the
  // network. Errors keep the live config and are reported with the reload.
  virtual Result<Document, Errors> load() const = 0;
  // What the layer is called in provenance, events and errors ("etcd://127.0.0.1:2379/app/").
  virtual std::string name() const = 0;
  // What kind of source it is, one lowercase word ("etcd", "url"): the trigger of the reloads it
  // causes and the prefix of its error events.
  virtual std::string kind() const = 0;

  // Reads the source now, blocking up to its timeouts, so that the first load sees it. A failure
  // leaves the layer with what it had (empty before the first read). Default: nothing to read.
  virtual Result<void> sync() { return {}; }
  // Starts watching (or polling), reporting to `listener` until the handle is dropped. A source
  // that cannot watch returns nullptr. Call it once, after the first load: a watch resumes from
  // the state sync() read, so nothing in between is lost. The listener must not drop the handle.
  virtual std::unique_ptr<SourceWatch> watch(SourceListener listener) {
    (void)listener;
    return nullptr;
  }
};

}  // namespace hotreload
