#include "report_args.hpp"

#include "commands.hpp"
#include "hotreload/http_source.hpp"
#include "hotreload/rollout_source.hpp"

namespace hotreload::cli {

void add_report_options(CLI::App& command, ReportArgs& args) {
  command.add_option("--report", args.url,
                     "Keep this instance's status in etcd under PREFIX/instances/ID (etcd://HOST:PORT[,...]/PREFIX/)");
  command.add_option("--instance-id", args.instance_id, "The id --report uses (default HOST-PID)");
  command.add_option("--report-ttl", args.ttl_seconds,
                     "Seconds the report outlives an instance that died (its lease; default 10)")
      ->check(CLI::Range(1L, 3600L));
  command.add_option("--health-cmd", args.health_cmd,
                     "After applying a rollout's candidate, run this shell command; a non-zero exit halts the rollout");
  command.add_option("--health-url", args.health_url,
                     "After applying a rollout's candidate, GET this http(s) URL; an answer other than 2xx halts the rollout");
  command.add_option("--health-every", args.health_every,
                     "Check a candidate that passed again this often while it stays applied, so a failure during the "
                     "bake halts the rollout too (default 10s; 0: check once)");
  command.add_option("--health-timeout", args.health_timeout,
                     "How long one health check may take before it counts as failed (default 30s)");
}

namespace {

// The health check's options from the command line. Errors (usage): a malformed duration.
// Errors (usage): a malformed duration, a zero timeout, either duration without a check to time.
Result<HealthCheckOptions> health_check_options(const ReportArgs& args) {
  HealthCheckOptions options{.command = args.health_cmd, .url = args.health_url};
  if ((!args.health_every.empty() || !args.health_timeout.empty()) && args.health_cmd.empty() &&
      args.health_url.empty()) {
    return unexpected(Error{ErrorCode::usage, "--health-every and --health-timeout need --health-cmd or --health-url",
                            {}, {}});
  }
  if (!args.health_every.empty()) {
    auto every = duration_option("--health-every", args.health_every);
    if (!every) return unexpected(every.error());
    options.recheck_every = *every;
  }
  if (!args.health_timeout.empty()) {
    auto timeout = duration_option("--health-timeout", args.health_timeout);
    if (!timeout) return unexpected(timeout.error());
    if (timeout->count() == 0) return unexpected(Error{ErrorCode::usage, "--health-timeout must be above 0", {}, {}});
    options.timeout = *timeout;
  }
  return options;
}

}  // namespace

std::string report_instance_id(const ReportArgs& args) {
  return args.instance_id.empty() ? default_instance_id() : args.instance_id;
}

Result<void> follow_rollouts(const ReportArgs& args, const EtcdArgs& etcd, std::vector<LayerSpec>& specs,
                             std::chrono::milliseconds debounce) {
  if (args.url.empty()) return {};
  const std::string id = report_instance_id(args);
  for (LayerSpec& spec : specs) {
    auto layer = std::dynamic_pointer_cast<EtcdSource>(spec.source);
    if (!layer || layer->location().is_prefix()) continue;
    auto options = etcd_options(etcd, spec.format, debounce);
    if (!options) return unexpected(options.error());
    spec.source = std::make_shared<RolloutSource>(std::move(layer), id, std::move(*options));
  }
  return {};
}

Result<std::unique_ptr<FleetReporter>> start_reporter(const ReportArgs& args, const EtcdArgs& etcd,
                                                      Reloader<nlohmann::json>& reloader) {
  if (args.url.empty()) {
    if (!args.instance_id.empty()) return unexpected(Error{ErrorCode::usage, "--instance-id needs --report", {}, {}});
    if (!args.health_cmd.empty()) return unexpected(Error{ErrorCode::usage, "--health-cmd needs --report", {}, {}});
    if (!args.health_url.empty()) return unexpected(Error{ErrorCode::usage, "--health-url needs --report", {}, {}});
    if (auto health = health_check_options(args); !health) return unexpected(health.error());
    return std::unique_ptr<FleetReporter>{};
  }
  if (!args.health_cmd.empty() && !args.health_url.empty()) {
    return unexpected(Error{ErrorCode::usage, "--health-cmd and --health-url exclude each other", {}, {}});
  }
  if (!args.health_url.empty() && !is_http_url(args.health_url)) {
    return unexpected(Error{ErrorCode::usage, "--health-url wants an http:// or https:// URL, not " + args.health_url, {}, {}});
  }
  if (auto health = health_check_options(args); !health) return unexpected(health.error());
  auto location = parse_etcd_url(args.url);
  if (!location) {
    Error error = location.error();
    error.message = "--report: " + error.message;
    return unexpected(std::move(error));
  }
  auto options = etcd_options(etcd, std::nullopt, std::chrono::milliseconds(100));
  if (!options) return unexpected(options.error());
  FleetReportOptions report{.instance_id = report_instance_id(args), .etcd = std::move(*options),
                            .lease_ttl = std::chrono::seconds(args.ttl_seconds),
                            .health_checked = !args.health_cmd.empty() || !args.health_url.empty()};
  auto reporter = FleetReporter::for_reloader(reloader, std::move(*location), std::move(report));
  if (auto started = reporter->start(); !started) return unexpected(started.error());
  return reporter;
}

std::unique_ptr<RolloutHealthCheck> start_health_check(const ReportArgs& args, Reloader<nlohmann::json>& reloader,
                                                       FleetReporter* reporter) {
  if ((args.health_cmd.empty() && args.health_url.empty()) || reporter == nullptr) return nullptr;
  return std::make_unique<RolloutHealthCheck>(reloader.events(), *reporter, health_check_options(args).value());
}

}  // namespace hotreload::cli
