// deferred: a reload requested during critical work waits for it to finish (seed 003's deferred
// reload), then runs once with the latest file.
//
//   example_deferred      (writes its config to a scratch directory and edits it)
#include <filesystem>
#include <iostream>

#include <hotreload/reloader.hpp>

#include "example_support.hpp"

namespace example {

struct Config {
  int workers = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, workers)

}  // namespace example

int main() {
  const auto dir = example::scratch_dir();
  const auto file = dir / "config.yaml";
  example::write_file(file, "workers: 2\n");

  hotreload::Reloader<example::Config> reloader({.layers = {.files = {{file.string()}}}});
  if (auto started = reloader.start(); !started) {
    std::cerr << hotreload::to_string(started.error());
    return 1;
  }
  int reloads = 0;
  auto counter = reloader.events().subscribe([&](const hotreload::Event& event) {
    if (event.type == hotreload::event_type::completed) ++reloads;
  });

  bool unchanged_during_gate = true;
  {
    auto hold = reloader.defer("quality gate");
    for (int workers = 3; workers <= 5; ++workers) {
      example::write_file(file, "workers: " + std::to_string(workers) + "\n");
      auto outcome = reloader.reload(hotreload::Trigger::file);
      std::cout << "edit to " << workers << " workers during the gate: " << hotreload::to_string(outcome.status) << "\n";
      unchanged_during_gate = unchanged_during_gate && reloader.read()->workers == 2;
    }
  }  // the gate ends: one reload with the latest file
  std::cout << "after the gate: " << reloader.read()->workers << " workers, " << reloads << " reload\n";

  std::filesystem::remove_all(dir);
  return unchanged_during_gate && reloader.read()->workers == 5 && reloads == 1 ? 0 : 1;
}
