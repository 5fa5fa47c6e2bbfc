// Layers from the command line: every place that takes a config file also takes a directory
// layer ("conf.d/*.yaml"), an etcd layer (etcd://HOST:PORT/KEY or etcd://HOST:PORT/PREFIX/) and an
// HTTP(S) URL, and any of them may be prefixed FORMAT: to set that layer's format
// (keyvalue:/etc/tor/torrc). make_layers() is the one place an argument becomes a layer: a new
// source adds its scheme there. Shared by the subcommands so they all accept the same arguments.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "hotreload/etcd.hpp"
#include "hotreload/http_source.hpp"
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

// --http-* options: how HTTP(S) layers are polled and authenticated.
struct HttpArgs {
  long interval_ms = 30000;
  std::string cacert;
  std::vector<std::string> headers;  // "Name: value"
  std::string token_file;
};

// The options of every remote source kind.
struct SourceArgs {
  EtcdArgs etcd;
  HttpArgs http;
};

void add_source_options(CLI::App& command, SourceArgs& args);
// Only the --etcd-* options, for commands that talk to etcd but take no layers (fleet status).
void add_etcd_options(CLI::App& command, EtcdArgs& args);

// The options of every etcd layer; errors: an unreadable or empty password file, a user without
// a password.
Result<EtcdOptions> etcd_options(const EtcdArgs& args, std::optional<Format> format,
                                 std::chrono::milliseconds debounce);

struct CliLayers {
  std::vector<LayerSpec> specs;  // in the order given; remote layers carry their LayerSource
};

// Files, directory layers ("conf.d/*.yaml": a glob in the last component), etcd and HTTP(S)
// URLs in order, each read as `format` (nullopt: by its extension) unless it starts with a
// registered format's name and ':' ("keyvalue:torrc"); `optional` lists arguments that may be
// missing. Errors: a bad URL (usage), bad --etcd-* or --http-* options.
Result<CliLayers> make_layers(const std::vector<std::string>& arguments, const std::vector<std::string>& optional,
                              std::optional<Format> format, const SourceArgs& sources,
                              std::chrono::milliseconds debounce = std::chrono::milliseconds(100));

// One argument read on its own (diff's OLD and NEW): a file, or a remote layer read once; a
// FORMAT: prefix as in make_layers().
Result<Document, Errors> read_one_layer(const std::string& argument, std::optional<Format> format,
                                        const SourceArgs& sources);

}  // namespace hotreload::cli
