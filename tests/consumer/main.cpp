// Loads a config given on the command line through the public API and prints one value.
#include <hotreload/reloader.hpp>

#include <iostream>

struct Config {
  int answer = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, answer)

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  hotreload::ReloadOptions options;
  options.layers.files = {{argv[1]}};
  hotreload::Reloader<Config> reloader(options);
  if (auto started = reloader.start(); !started) {
    std::cerr << hotreload::to_string(started.error());
    return 1;
  }
  std::cout << "answer=" << reloader.read()->answer << '\n';
  return 0;
}
