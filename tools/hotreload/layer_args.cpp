#include "layer_args.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hotreload::cli {

void add_etcd_options(CLI::App& command, EtcdArgs& args) {
  command.add_flag("--etcd-tls", args.tls, "Talk HTTPS to etcd (the system CA store unless --etcd-cacert)");
  command.add_option("--etcd-cacert", args.cacert, "Verify etcd's certificate against this CA file (implies TLS)");
  command.add_option("--etcd-cert", args.cert, "Client certificate for etcd (implies TLS)");
  command.add_option("--etcd-key", args.key, "Client key for etcd (implies TLS)");
  command.add_option("--etcd-user", args.user, "Authenticate to etcd as this user");
  command.add_option("--etcd-password-file", args.password_file,
                     "The etcd user's password, from a file (else $HOTRELOAD_ETCD_PASSWORD)");
}

Result<EtcdOptions> etcd_options(const EtcdArgs& args, std::optional<Format> format, std::chrono::milliseconds debounce) {
  EtcdOptions options;
  options.tls = {.enabled = args.tls, .ca_file = args.cacert, .cert_file = args.cert, .key_file = args.key};
  options.format = format;
  options.debounce = debounce;
  if ((args.cert.empty()) != (args.key.empty())) {
    return unexpected(Error{ErrorCode::usage, "--etcd-cert and --etcd-key go together", {}, {}});
  }
  if (!args.user.empty()) {
    options.username = args.user;
    if (!args.password_file.empty()) {
      std::ifstream in(args.password_file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      std::string password = text.str();
      while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
      if (!in || password.empty()) {
        return unexpected(Error{ErrorCode::io, "cannot read an etcd password from this file", {args.password_file, 0, 0}, {}});
      }
      options.password = std::move(password);
    } else if (const char* password = std::getenv("HOTRELOAD_ETCD_PASSWORD"); password != nullptr && *password != '\0') {
      options.password = password;
    } else {
      return unexpected(Error{ErrorCode::usage,
                              "--etcd-user needs a password: --etcd-password-file FILE or HOTRELOAD_ETCD_PASSWORD", {}, {}});
    }
  } else if (!args.password_file.empty()) {
    return unexpected(Error{ErrorCode::usage, "--etcd-password-file needs --etcd-user", {}, {}});
  }
  return options;
}

namespace {

// "conf.d/*.yaml" (quoted, so the shell leaves it alone): every matching file in conf.d is a
// layer, in lexical order, re-listed on every load. Only the last component may be a glob.
std::optional<LayerSpec> directory_layer(const std::string& argument, bool is_optional, std::optional<Format> format) {
  std::filesystem::path path(argument);
  std::string glob = path.filename().string();
  if (glob.find_first_of("*?[") == std::string::npos) return std::nullopt;
  std::string directory = path.parent_path().empty() ? std::string(".") : path.parent_path().string();
  return LayerSpec{.path = std::move(directory), .optional = is_optional, .format = format, .name = argument,
                   .directory_glob = std::move(glob)};
}

// One layer argument with its format: "keyvalue:/etc/tor/torrc" reads that file as keyvalue
// whatever --format says, so a YAML defaults layer and a torrc can be combined. Only a registered
// format's name (as --format takes it) before the first ':' is a prefix, and not when "//"
// follows, so etcd:// and http:// URLs and ordinary paths mean what they did; ./json:x is a file.
struct LayerArgument {
  std::string location;
  std::optional<Format> format;
};

LayerArgument split_format_prefix(const std::string& argument, std::optional<Format> format) {
  std::size_t colon = argument.find(':');
  if (colon == std::string::npos || colon == 0 || argument.compare(colon + 1, 2, "//") == 0) return {argument, format};
  auto prefix = parse_format(std::string_view(argument).substr(0, colon));
  if (!prefix) return {argument, format};
  return {argument.substr(colon + 1), prefix};
}

}  // namespace

Result<CliLayers> make_layers(const std::vector<std::string>& arguments, const std::vector<std::string>& optional,
                              std::optional<Format> format, const EtcdArgs& etcd, std::chrono::milliseconds debounce) {
  CliLayers layers;
  std::optional<EtcdOptions> options;
  for (const std::string& given : arguments) {
    const bool is_optional = std::find(optional.begin(), optional.end(), given) != optional.end();
    const auto [argument, layer_format] = split_format_prefix(given, format);
    if (!is_etcd_url(argument)) {
      if (auto directory = directory_layer(argument, is_optional, layer_format)) {
        layers.specs.push_back(std::move(*directory));
        continue;
      }
      layers.specs.push_back({argument, is_optional, layer_format, ""});
      continue;
    }
    if (!options) {
      auto parsed = etcd_options(etcd, format, debounce);
      if (!parsed) return unexpected(parsed.error());
      options = std::move(*parsed);
    }
    auto location = parse_etcd_url(argument);
    if (!location) return unexpected(location.error());
    EtcdOptions these = *options;
    these.optional = is_optional;
    these.format = layer_format;
    auto source = std::make_shared<EtcdSource>(std::move(*location), std::move(these));
    layers.specs.push_back({.path = source->name(), .optional = is_optional, .format = layer_format, .source = source});
    layers.etcd.push_back(std::move(source));
  }
  return layers;
}

Errors sync_etcd_layers(const CliLayers& layers) {
  Errors errors;
  for (const auto& source : layers.etcd) {
    if (auto synced = source->sync(); !synced) errors.push_back(std::move(synced).error());
  }
  return errors;
}

EtcdLayers::EtcdLayers(const CliLayers& layers, OnError on_error)
    : sources_(layers.etcd), on_error_(std::move(on_error)) {
  for (const auto& source : sources_) {
    if (auto synced = source->sync(); !synced) on_error_(source->name(), synced.error());
  }
}

EtcdLayers::~EtcdLayers() {
  for (const auto& source : sources_) source->stop();
}

void EtcdLayers::start(const std::function<void()>& reload) {
  for (const auto& source : sources_) {
    source->start(reload, [on_error = on_error_, name = source->name()](const Error& error) { on_error(name, error); });
  }
}

Result<Document, Errors> read_one_layer(const std::string& argument, std::optional<Format> format, const EtcdArgs& etcd) {
  if (const auto [location, layer_format] = split_format_prefix(argument, format); !is_etcd_url(location)) {
    auto parsed = parse_file(location, layer_format);
    if (!parsed) return unexpected(Errors{std::move(parsed).error()});
    return std::move(*parsed);
  }
  auto layers = make_layers({argument}, {}, format, etcd);
  if (!layers) return unexpected(Errors{layers.error()});
  if (Errors errors = sync_etcd_layers(*layers); !errors.empty()) return unexpected(std::move(errors));
  return layers->etcd.front()->load();
}

}  // namespace hotreload::cli
