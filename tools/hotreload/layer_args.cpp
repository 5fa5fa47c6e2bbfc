#include "layer_args.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hotreload::cli {

namespace {

void add_http_options(CLI::App& command, HttpArgs& args) {
  command.add_option("--http-interval", args.interval_ms, "Poll http(s):// layers every MS milliseconds (default 30000)")
      ->check(CLI::Range(1L, 86'400'000L));
  command.add_option("--http-cacert", args.cacert, "Verify https:// layers against this CA file (else the system store)");
  command.add_option("--http-header", args.headers, "Send this header with every HTTP request: 'Name: value' (repeatable)")
      ->allow_extra_args(false);
  command.add_option("--http-token-file", args.token_file,
                     "Send 'Authorization: Bearer <the file's content>' to http(s):// layers");
}

Result<HttpSourceOptions> http_options(const HttpArgs& args, std::optional<Format> format) {
  HttpSourceOptions options;
  options.interval = std::chrono::milliseconds(args.interval_ms);
  options.ca_file = args.cacert;
  options.bearer_token_file = args.token_file;
  options.format = format;
  for (const std::string& header : args.headers) {
    const std::size_t colon = header.find(':');
    if (colon == std::string::npos || colon == 0) {
      return unexpected(Error{ErrorCode::usage, "--http-header wants 'Name: value', not '" + header + "'", {}, {}});
    }
    std::string value = header.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    options.headers.emplace_back(header.substr(0, colon), std::move(value));
  }
  return options;
}

}  // namespace

void add_etcd_options(CLI::App& command, EtcdArgs& args) {
  command.add_flag("--etcd-tls", args.tls, "Talk HTTPS to etcd (the system CA store unless --etcd-cacert)");
  command.add_option("--etcd-cacert", args.cacert, "Verify etcd's certificate against this CA file (implies TLS)");
  command.add_option("--etcd-cert", args.cert, "Client certificate for etcd (implies TLS)");
  command.add_option("--etcd-key", args.key, "Client key for etcd (implies TLS)");
  command.add_option("--etcd-user", args.user, "Authenticate to etcd as this user");
  command.add_option("--etcd-password-file", args.password_file,
                     "The etcd user's password, from a file (else $HOTRELOAD_ETCD_PASSWORD)");
}

void add_source_options(CLI::App& command, SourceArgs& args) {
  add_etcd_options(command, args.etcd);
  add_http_options(command, args.http);
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

namespace {

// The remote layer an argument names, by its scheme; nullptr for a local path.
Result<std::shared_ptr<LayerSource>> remote_source(const std::string& argument, bool is_optional,
                                                   std::optional<Format> format, const SourceArgs& args,
                                                   std::chrono::milliseconds debounce) {
  if (is_etcd_url(argument)) {
    auto options = etcd_options(args.etcd, format, debounce);
    if (!options) return unexpected(options.error());
    auto location = parse_etcd_url(argument);
    if (!location) return unexpected(location.error());
    options->optional = is_optional;
    return std::shared_ptr<LayerSource>(std::make_shared<EtcdSource>(std::move(*location), std::move(*options)));
  }
  if (is_http_url(argument)) {
    auto options = http_options(args.http, format);
    if (!options) return unexpected(options.error());
    if (auto checked = parse_http_url(argument); !checked) return unexpected(checked.error());
    options->optional = is_optional;
    return std::shared_ptr<LayerSource>(std::make_shared<HttpSource>(argument, std::move(*options)));
  }
  return std::shared_ptr<LayerSource>();
}

}  // namespace

Result<CliLayers> make_layers(const std::vector<std::string>& arguments, const std::vector<std::string>& optional,
                              std::optional<Format> format, const SourceArgs& sources, std::chrono::milliseconds debounce) {
  CliLayers layers;
  for (const std::string& given : arguments) {
    const bool is_optional = std::find(optional.begin(), optional.end(), given) != optional.end();
    const auto [argument, layer_format] = split_format_prefix(given, format);
    auto source = remote_source(argument, is_optional, layer_format, sources, debounce);
    if (!source) return unexpected(source.error());
    if (*source) {
      layers.specs.push_back({.path = (*source)->name(), .optional = is_optional, .format = layer_format, .source = *source});
    } else if (auto directory = directory_layer(argument, is_optional, layer_format)) {
      layers.specs.push_back(std::move(*directory));
    } else {
      layers.specs.push_back({argument, is_optional, layer_format, ""});
    }
  }
  return layers;
}

Result<Document, Errors> read_one_layer(const std::string& argument, std::optional<Format> format,
                                        const SourceArgs& sources) {
  auto layers = make_layers({argument}, {}, format, sources);
  if (!layers) return unexpected(Errors{layers.error()});
  const LayerSpec& spec = layers->specs.front();
  if (!spec.source) {
    auto parsed = parse_file(spec.path, spec.format);
    if (!parsed) return unexpected(Errors{std::move(parsed).error()});
    return std::move(*parsed);
  }
  if (auto synced = spec.source->sync(); !synced) return unexpected(Errors{std::move(synced).error()});
  return spec.source->load();
}

}  // namespace hotreload::cli
