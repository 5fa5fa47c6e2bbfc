// hotreload fleet status etcd://ENDPOINTS/PREFIX/ [--json] [--etcd-*]
// Reads the reports that `watch --report` and `exec --report` keep under PREFIX/instances/
// (fleet_status.hpp) and prints the instances grouped by what they run, which failed and why,
// which wait for a restart, and the share of live instances on the newest version.
// Exit status: 0 every live instance runs the newest version; 1 some do not (or none reports);
// 2 usage errors, or etcd could not be read.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "layer_args.hpp"
#include "hotreload/fleet_status.hpp"
#include "hotreload/json_text.hpp"

namespace hotreload::cli {
namespace {

struct FleetArgs {
  std::string url;
  bool json = false;
  EtcdArgs etcd;
};

std::string versions_text(const std::vector<std::pair<std::string, std::string>>& versions) {
  if (versions.empty()) return "(no versioned source)";
  std::string out;
  for (const auto& [layer, version] : versions) out += (out.empty() ? "" : ", ") + layer + " @ " + version;
  return out;
}

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "0%";
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return text;
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

void print_table(const FleetStatus& status) {
  std::cout << "fleet " << status.prefix << ": " << status.live() << " live instance"
            << (status.live() == 1 ? "" : "s") << ", " << status.on_newest_count() << " on the newest version ("
            << percent(status.on_newest_count(), status.live()) << ")\n";
  std::cout << "newest (the last change of each layer): " << versions_text(status.newest) << "\n";
  std::size_t id_width = 8;
  for (const InstanceReport& report : status.instances) id_width = std::max(id_width, report.id.size());
  int number = 0;
  for (const FleetGroup& group : status.groups) {
    std::cout << "\ngroup " << ++number << ": config " << (group.config_hash.empty() ? "?" : group.config_hash.substr(0, 12))
              << " (" << group.instances.size() << " instance" << (group.instances.size() == 1 ? "" : "s") << ")\n";
    std::cout << "  " << padded("INSTANCE", id_width) << "  " << padded("STATUS", 15) << "  " << padded("GEN", 5) << "  "
              << padded("NEWEST", 6) << "  " << padded("REPORTED", 27) << "  SOURCES\n";
    for (std::size_t i = 0; i < status.instances.size(); ++i) {
      const InstanceReport& report = status.instances[i];
      if (std::find(group.instances.begin(), group.instances.end(), report.id) == group.instances.end()) continue;
      std::cout << "  " << padded(report.id, id_width) << "  " << padded(report.status, 15) << "  "
                << padded(std::to_string(report.generation), 5) << "  " << padded(status.on_newest[i] ? "yes" : "no", 6)
                << "  " << padded(report.time, 27) << "  " << versions_text(report.sources) << "\n";
    }
  }
  bool failed_header = false;
  for (const InstanceReport& report : status.instances) {
    if (report.status != report_status::failed) continue;
    if (!failed_header) std::cout << "\nfailed:\n";
    failed_header = true;
    std::cout << "  " << report.id << " (tried " << versions_text(report.attempted_sources) << "):\n";
    for (const std::string& error : report.errors) std::cout << "    " << error << "\n";
  }
  bool pending_header = false;
  for (const InstanceReport& report : status.instances) {
    if (report.pending_restart.empty()) continue;
    if (!pending_header) std::cout << "\npending restart:\n";
    pending_header = true;
    std::cout << "  " << report.id << ":";
    for (const std::string& field : report.pending_restart) std::cout << " " << field;
    std::cout << "\n";
  }
  for (const std::string& key : status.unreadable) std::cout << "\nunreadable report: " << key << "\n";
  std::cout.flush();
}

int run_fleet_status(const FleetArgs& args) {
  auto location = parse_etcd_url(args.url);
  if (!location) {
    print_errors({location.error()});
    return kExitTrouble;
  }
  auto options = etcd_options(args.etcd, std::nullopt, std::chrono::milliseconds(100));
  if (!options) {
    print_errors({options.error()});
    return kExitTrouble;
  }
  auto status = read_fleet_status(*location, *options);
  if (!status) {
    print_errors({status.error()});
    return kExitTrouble;
  }
  if (args.json) {
    std::cout << dump_json(to_json(*status), 2) << std::endl;
  } else {
    print_table(*status);
  }
  return status->converged() ? kExitOk : kExitFinding;
}

}  // namespace

Command add_fleet_command(CLI::App& app) {
  auto args = std::make_shared<FleetArgs>();
  CLI::App* fleet = app.add_subcommand("fleet", "What a fleet of instances reporting to etcd runs (--report)");
  fleet->require_subcommand(1);
  CLI::App* status = fleet->add_subcommand(
      "status", "Instances grouped by what they run, failures, pending restarts; exit 0 when all run the newest version");
  status->add_option("prefix", args->url, "etcd://HOST:PORT[,...]/PREFIX/ as given to --report")->required();
  status->add_flag("--json", args->json, "Print the status as one JSON document");
  add_etcd_options(*status, args->etcd);
  return [args] { return run_fleet_status(*args); };
}

}  // namespace hotreload::cli
