// pool: a connection pool whose size changes live, with a veto for unsafe sizes (seed 001's
// module pattern). prepare() judges the new size without touching the pool; commit() resizes.
//
//   example_pool      (writes its config to a scratch directory and edits it)
#include <filesystem>
#include <iostream>

#include <hotreload/reloader.hpp>

#include "example_support.hpp"

namespace example {

struct Database {
  int max_conns = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Database, max_conns)
struct Config {
  Database database;
  std::string log_level;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Config, database, log_level)

class Pool {
 public:
  static constexpr int kSafeMaximum = 100;
  explicit Pool(int size) : size_(size) {}
  int size() const { return size_; }
  void resize(int size) { size_ = size; }

 private:
  int size_;
};

std::string config_text(int max_conns) {
  return "database:\n  max_conns: " + std::to_string(max_conns) + "\nlog_level: info\n";
}

}  // namespace example

int main() {
  using hotreload::ModuleResult;
  using hotreload::ModuleUpdate;
  const auto dir = example::scratch_dir();
  const auto file = dir / "config.yaml";
  example::write_file(file, example::config_text(10));

  hotreload::Reloader<example::Config> reloader({.layers = {.files = {{file.string()}}}});
  if (auto started = reloader.start(); !started) {
    std::cerr << hotreload::to_string(started.error());
    return 1;
  }
  example::Pool pool(reloader.read()->database.max_conns);
  reloader.add_module({.name = "pool",
                       .sections = {"database.max_conns"},
                       .prepare = [](const ModuleUpdate<example::Config>& update) -> ModuleResult {
                         const int size = update.next.database.max_conns;
                         if (size < 1 || size > example::Pool::kSafeMaximum) {
                           return hotreload::unexpected("max_conns " + std::to_string(size) + " is outside 1.." +
                                                        std::to_string(example::Pool::kSafeMaximum));
                         }
                         return {};
                       },
                       .commit = [&pool](const ModuleUpdate<example::Config>& update) -> ModuleResult {
                         pool.resize(update.next.database.max_conns);
                         return {};
                       }});

  example::write_file(file, example::config_text(40));
  auto grown = reloader.reload(hotreload::Trigger::file);
  std::cout << "max_conns 40: " << hotreload::to_string(grown.status) << ", pool size " << pool.size() << "\n";

  example::write_file(file, example::config_text(5000));
  auto refused = reloader.request_reload();  // explicit: not held back by the failure backoff
  std::cout << "max_conns 5000: " << hotreload::to_string(refused.status) << ": "
            << (refused.errors.empty() ? "" : refused.errors.front().message) << "; pool size " << pool.size()
            << ", live max_conns " << reloader.read()->database.max_conns << "\n";

  std::filesystem::remove_all(dir);
  const bool vetoed = refused.status == hotreload::ReloadStatus::failed &&
                      refused.errors.front().code == hotreload::ErrorCode::vetoed;
  return pool.size() == 40 && vetoed && reloader.read()->database.max_conns == 40 ? 0 : 1;
}
