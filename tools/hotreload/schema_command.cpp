// hotreload schema check SCHEMA: is the file a valid JSON Schema that hotreload can compile?
// Exit 0 when it is, 1 with every problem as FILE:LINE:COL: PATH: message, 2 on usage errors.
#include <iostream>

#include "commands.hpp"
#include "hotreload/schema.hpp"

namespace hotreload::cli {

Command add_schema_command(CLI::App& app) {
  auto schema_path = std::make_shared<std::string>();
  CLI::App* schema = app.add_subcommand("schema", "Work with JSON Schemas");
  schema->require_subcommand(1);
  CLI::App* check = schema->add_subcommand("check", "Check that a schema compiles");
  check->add_option("schema", *schema_path, "The schema file (JSON or YAML)")->required();
  return [schema_path] {
    auto compiled = Schema::load(*schema_path);
    if (!compiled) {
      print_errors(compiled.error());
      return kExitFinding;
    }
    std::cout << "valid schema: " << *schema_path << '\n';
    return kExitOk;
  };
}

}  // namespace hotreload::cli
