#include "report_args.hpp"

namespace hotreload::cli {

void add_report_options(CLI::App& command, ReportArgs& args) {
  command.add_option("--report", args.url,
                     "Keep this instance's status in etcd under PREFIX/instances/ID (etcd://HOST:PORT[,...]/PREFIX/)");
  command.add_option("--instance-id", args.instance_id, "The id --report uses (default HOST-PID)");
  command.add_option("--report-ttl", args.ttl_seconds,
                     "Seconds the report outlives an instance that died (its lease; default 10)")
      ->check(CLI::Range(1L, 3600L));
}

Result<std::unique_ptr<FleetReporter>> start_reporter(const ReportArgs& args, const EtcdArgs& etcd,
                                                      Reloader<nlohmann::json>& reloader) {
  if (args.url.empty()) {
    if (!args.instance_id.empty()) return unexpected(Error{ErrorCode::usage, "--instance-id needs --report", {}, {}});
    return std::unique_ptr<FleetReporter>{};
  }
  auto location = parse_etcd_url(args.url);
  if (!location) {
    Error error = location.error();
    error.message = "--report: " + error.message;
    return unexpected(std::move(error));
  }
  auto options = etcd_options(etcd, std::nullopt, std::chrono::milliseconds(100));
  if (!options) return unexpected(options.error());
  FleetReportOptions report{.instance_id = args.instance_id, .etcd = std::move(*options),
                            .lease_ttl = std::chrono::seconds(args.ttl_seconds)};
  auto reporter = FleetReporter::for_reloader(reloader, std::move(*location), std::move(report));
  if (auto started = reporter->start(); !started) return unexpected(started.error());
  return reporter;
}

}  // namespace hotreload::cli
