// Layers from the command line: every place that takes a config file also takes an etcd layer,
// etcd://HOST:PORT/KEY (one document) or etcd://HOST:PORT/PREFIX/ (a tree), and either may be
// prefixed FORMAT: to set that layer's format (keyvalue:/etc/tor/torrc). Shared by the
// subcommands so they all accept the same arguments and options.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "hotreload/etcd.hpp"
#include "hotreload/layers.hpp"

namespace hotreload::cli {

// --etcd-* options: TLS and authentication for real clusters.
struct EtcdArgs {
  bool tls = false;
  std::string cacert;
  std::string cert;
  std::string key;
  std::string user;
  std::string password_file;  // else $HOTRELOAD_ETCD_PASSWORD; never on the command line
};

void add_etcd_options(CLI::App& command, EtcdArgs& args);

// The options of every etcd layer; errors: an unreadable or empty password file, a user without
// a password.
Result<EtcdOptions> etcd_options(const EtcdArgs& args, std::optional<Format> format,
                                 std::chrono::milliseconds debounce);

struct CliLayers {
  std::vector<LayerSpec> specs;                     // in the order given
  std::vector<std::shared_ptr<EtcdSource>> etcd;    // the etcd layers among them
};

// Files, directory layers ("conf.d/*.yaml": a glob in the last component) and etcd URLs in
// order, each read as `format` (nullopt: by its extension) unless it starts with a registered
// format's name and ':' ("keyvalue:torrc"); `optional` lists arguments that may be missing. Errors: a bad
// etcd URL (usage), bad --etcd-* options.
Result<CliLayers> make_layers(const std::vector<std::string>& arguments, const std::vector<std::string>& optional,
                              std::optional<Format> format, const EtcdArgs& etcd,
                              std::chrono::milliseconds debounce = std::chrono::milliseconds(100));

// Reads every etcd layer once (for one-shot commands, and before a watch starts). Returns the
// errors of the layers that could not be read; those layers stay empty.
Errors sync_etcd_layers(const CliLayers& layers);

// The etcd layers of a long-running command (watch, exec). Constructed before the first load, it
// reads each layer once: one that cannot be read is reported and stays empty, so the other layers
// serve until its watch reads it. start() after the first load begins each watch at the revision
// its layer was read at + 1, so nothing written since is lost. Declare it after the reloader: the
// destructor stops every source, so none calls the reloader once it is gone.
class EtcdLayers {
 public:
  using OnError = std::function<void(const std::string& layer, const Error& error)>;
  EtcdLayers(const CliLayers& layers, OnError on_error);
  ~EtcdLayers();
  EtcdLayers(const EtcdLayers&) = delete;
  EtcdLayers& operator=(const EtcdLayers&) = delete;

  void start(const std::function<void()>& reload);

 private:
  std::vector<std::shared_ptr<EtcdSource>> sources_;
  OnError on_error_;
};

// One argument read on its own (diff's OLD and NEW): a file, or an etcd layer read once; a
// FORMAT: prefix as in make_layers().
Result<Document, Errors> read_one_layer(const std::string& argument, std::optional<Format> format, const EtcdArgs& etcd);

}  // namespace hotreload::cli
