import ArgumentParser
import Foundation
import Logging
import Messaging
import Prometheus
import Search
import ServiceRuntime
import Wire

@main
struct SearchService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-search",
        abstract: "The read side: answers the gateway's queries from PostgreSQL.",
        discussion: "Settings come from --config (a JSON object) and NETSIFT_SEARCH_<KEY> environment variables.")

    static let keys: Set<String> = ["deployment_id", "database_url", "endpoint", "workers", "metrics_port", "log_level", "search_runners",
                                    "search_timeout_seconds", "hunt_interval_seconds", "searches_per_key",
                                    "search_max_results", "search_ttl_hours"]

    @Option(help: "Config file: a JSON object of settings.")
    var config: String?

    func run() async throws {
        let settings = try Settings(file: config, environmentPrefix: "NETSIFT_SEARCH_", known: Self.keys)
        ServiceLogging.bootstrap(service: "search", level: try settings.logLevel("log_level", default: .info))
        let logger = Logger(label: "netsift.search")
        guard let conninfo = settings.optionalString("database_url") else {
            logger.critical("no database_url setting")
            throw ExitCode(2)
        }
        let server = RequestServer<QueryMessage>(
            name: "search", endpoint: settings.string("endpoint", default: "tcp://127.0.0.1:47305"),
            workers: try settings.int("workers", default: 2), logger: logger)
        let timeout = try settings.int("search_timeout_seconds", default: 300)
        let defaults = SearchLimits.default
        let ttlHours = try settings.int("search_ttl_hours", default: 24)
        let limits = SearchLimits(activePerKey: try settings.int("searches_per_key", default: defaults.activePerKey),
                                  maxResults: try settings.int("search_max_results", default: defaults.maxResults),
                                  ttl: .seconds(Int64(ttlHours) * 3600))
        let runners = (0 ..< max(0, try settings.int("search_runners", default: 1))).map { _ in
            SearchRunner(conninfo: conninfo, timeoutSeconds: timeout, maxResults: limits.maxResults, logger: logger)
        }
        // search_ttl_hours 0 keeps finished searches until they are deleted.
        let expiry = limits.ttl.map { SearchExpiry.loop(conninfo: conninfo, ttl: $0, logger: logger) }
        let hunts = HuntScheduler(conninfo: conninfo,
                                  defaultIntervalSeconds: try settings.int("hunt_interval_seconds", default: 60),
                                  timeoutSeconds: timeout, logger: logger)
        let context = try MessageContext()
        let registry = PrometheusCollectorRegistry()
        let gauges = StatusGauges(registry: registry, prefix: "netsift_search_")
        let endpoint = MetricsEndpoint(port: try settings.int("metrics_port", default: 47_306), registry: registry,
                                       deployment: settings.optionalString("deployment_id")) {
            let status = server.status.get()
            let searches = runners.map { $0.counters.get() }
            let hunted = hunts.counters.get()
            gauges.update(["queries": Double(status.requests), "failures": Double(status.failures),
                           "malformed": Double(status.malformed),
                           "searches_completed": Double(searches.reduce(0) { $0 + $1.completed }),
                           "searches_failed": Double(searches.reduce(0) { $0 + $1.failed }),
                           "searches_cancelled": Double(searches.reduce(0) { $0 + $1.cancelled }),
                           "hunt_runs": Double(hunted.runs), "hunt_failures": Double(hunted.failures),
                           "hunt_matches": Double(hunted.matched)])
            return HealthReport(service: "search", status: HealthReport.ok, detail: [
                "queries": "\(status.requests)", "failures": "\(status.failures)",
                "last_error": status.lastError ?? "",
            ])
        }
        try await ServiceMain.run(name: "search", logger: logger, services: [
            MetricsService(endpoint: endpoint),
            BlockingLoopService(name: "search", run: {
                try server.run(context: context, makeHandler: { try SearchEngine.handler(conninfo: conninfo, limits: limits) },
                               failure: SearchEngine.failure)
            }, stop: { server.stop() }),
            BlockingLoopService(name: "hunts", run: { try hunts.run() }, stop: { hunts.stop() }),
        ] + (expiry.map { expiry in
            [BlockingLoopService(name: "search-expiry", run: { try expiry.run() }, stop: { expiry.stop() })]
        } ?? []) + runners.enumerated().map { index, runner in
            BlockingLoopService(name: "search-runner-\(index + 1)", run: { try runner.run() }, stop: { runner.stop() })
        })
        context.terminate()
    }
}
