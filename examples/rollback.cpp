// rollback: two modules commit a change; when the second cannot apply it, the first is rolled
// back to the old config and the old config stays live (seed 001's EnableRollback).
//
//   example_rollback      (writes its config to a scratch directory and edits it)
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include <hotreload/reloader.hpp>

#include "example_support.hpp"

namespace example {

struct Config {
  int port = 0;
  std::string tls_cert;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, port, tls_cert)

std::string config_text(int port, std::string_view cert) {
  return "port: " + std::to_string(port) + "\ntls_cert: " + std::string(cert) + "\n";
}

}  // namespace example

int main() {
  using hotreload::ModuleResult;
  using hotreload::ModuleUpdate;
  const auto dir = example::scratch_dir();
  const auto file = dir / "config.yaml";
  example::write_file(file, example::config_text(8080, "good.pem"));

  hotreload::Reloader<example::Config> reloader({.layers = {.files = {{file.string()}}}});
  if (auto started = reloader.start(); !started) {
    std::cerr << hotreload::to_string(started.error());
    return 1;
  }
  int listening_port = reloader.read()->port;
  std::string loaded_cert = reloader.read()->tls_cert;

  reloader.add_module({.name = "listener",
                       .sections = {"port"},
                       .commit = [&](const ModuleUpdate<example::Config>& u) -> ModuleResult {
                         listening_port = u.next.port;
                         return {};
                       },
                       .rollback = [&](const ModuleUpdate<example::Config>& u) { listening_port = u.previous.port; }});
  reloader.add_module({.name = "tls",
                       .sections = {"tls_cert"},
                       .commit = [&](const ModuleUpdate<example::Config>& u) -> ModuleResult {
                         if (u.next.tls_cert == "missing.pem") return hotreload::unexpected(std::string("cannot read missing.pem"));
                         loaded_cert = u.next.tls_cert;
                         return {};
                       }});
  auto events = reloader.events().subscribe([](const hotreload::Event& event) {
    if (event.type == hotreload::event_type::rolled_back) std::cout << "event: " << hotreload::to_cloudevent_line(event, "example") << "\n";
  });

  example::write_file(file, example::config_text(9090, "missing.pem"));
  auto outcome = reloader.reload(hotreload::Trigger::file);
  std::cout << "reload: " << hotreload::to_string(outcome.status) << (outcome.rolled_back ? " (rolled back)" : "")
            << "; listening on " << listening_port << " with " << loaded_cert << "; live port "
            << reloader.read()->port << "\n";

  std::filesystem::remove_all(dir);
  return outcome.rolled_back && listening_port == 8080 && reloader.read()->port == 8080 ? 0 : 1;
}
