#include "schema_args.hpp"

#include <utility>

namespace hotreload::cli {

CLI::Option* add_schema_remote_option(CLI::App& command, SchemaArgs& args) {
  return command
      .add_option("--schema-remote", args.remotes,
                  "Resolve $refs to URIs starting with PREFIX from files under DIR: PREFIX=DIR (repeatable)")
      ->allow_extra_args(false);
}

void add_schema_options(CLI::App& command, SchemaArgs& args, const std::string& what) {
  CLI::Option* schema = command.add_option("--schema", args.path, what);
  add_schema_remote_option(command, args)->needs(schema);
  command
      .add_flag("--schema-assert-formats", args.assert_formats,
                "Make \"format\" assert (date-time, email, hostname, ipv4, ipv6, uri, ...) in 2020-12 schemas too, "
                "where by default it only annotates")
      ->needs(schema);
  command
      .add_option("--schema-dialect", args.dialect,
                  "The JSON Schema dialect of a schema (or a document it references) without \"$schema\": draft-07 (the default) or 2020-12")
      ->check(CLI::IsMember({"draft-07", "2020-12"}))
      ->needs(schema);
}

Result<SchemaOptions> schema_options(const SchemaArgs& args) {
  using Resolver = decltype(SchemaOptions::resolve_remote);
  std::vector<Resolver> resolvers;
  for (const std::string& mapping : args.remotes) {
    const std::size_t equals = mapping.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == mapping.size()) {
      return unexpected(Error{ErrorCode::usage, "--schema-remote \"" + mapping + "\" is not PREFIX=DIR", {}, {}});
    }
    resolvers.push_back(map_remote_prefix(mapping.substr(0, equals), mapping.substr(equals + 1)));
  }
  SchemaOptions options;
  if (args.assert_formats) options.assert_formats = true;
  if (args.dialect == "2020-12") options.default_dialect = SchemaDialect::draft2020_12;
  if (resolvers.empty()) return options;
  options.resolve_remote = [resolvers = std::move(resolvers)](std::string_view uri) -> std::optional<Document> {
    for (const Resolver& resolve : resolvers) {
      if (std::optional<Document> found = resolve(uri)) return found;
    }
    return std::nullopt;
  };
  return options;
}

Result<ConfigSchema, Errors> load_schema(const SchemaArgs& args) {
  auto options = schema_options(args);
  if (!options) return unexpected(Errors{options.error()});
  return ConfigSchema::load(args.path, *options);
}

}  // namespace hotreload::cli
