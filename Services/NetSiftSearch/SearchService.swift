import ArgumentParser
import Configurations
import Messaging
import Search
import ServiceRuntime
import Wire

@main
struct SearchService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-search",
        abstract: "The read side: answers the gateway's queries from PostgreSQL.",
        discussion: "Settings come from --config (a JSON object) and NETSIFT_SEARCH_<KEY> environment variables.")

    @Option(help: "Config file: a JSON object of settings.")
    var config: String?

    func run() async throws {
        let configuration = try ConfigurationLoader.load(SearchConfiguration.self, file: config)
        let logger = ServiceLogging.start(configuration)
        guard let conninfo = configuration.databaseURL else {
            logger.critical("no database_url setting")
            throw ExitCode(2)
        }
        let server = RequestServer<QueryMessage>(name: "search", endpoint: configuration.endpoint,
                                                 workers: configuration.workers, logger: logger)
        let limits = SearchLimits(configuration)
        let timeout = configuration.searchTimeoutSeconds
        let runners = (0 ..< max(0, configuration.searchRunners)).map { _ in
            SearchRunner(conninfo: conninfo, pcapRoot: configuration.pcapRoot, timeoutSeconds: timeout,
                         maxResults: limits.maxResults, logger: logger)
        }
        let hunts = HuntScheduler(conninfo: conninfo, pcapRoot: configuration.pcapRoot,
                                  defaultIntervalSeconds: configuration.huntIntervalSeconds,
                                  timeoutSeconds: timeout, logger: logger)
        let expiry = limits.ttl.map { SearchExpiry.loop(conninfo: conninfo, ttl: $0, logger: logger) }
        let context = try MessageContext()
        try await ServiceMain.run(name: "search", logger: logger, services: [
            MetricsService(configuration, port: configuration.metricsPort) {
                SearchReport(server: server.status.get(), runners: runners.map { $0.counters.get() },
                             hunts: hunts.counters.get())
            },
            BlockingLoopService(name: "search", run: {
                try server.run(context: context, makeHandler: {
                    try SearchEngine.handler(conninfo: conninfo, pcapRoot: configuration.pcapRoot, limits: limits)
                },
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
