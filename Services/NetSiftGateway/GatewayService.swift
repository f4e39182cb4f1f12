import ArgumentParser
import Gateway
import Logging
import Messaging
import ServiceRuntime
import Wire

@main
struct GatewayService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-gateway",
        abstract: "Serves the REST API (/api/v1) over HTTP.",
        discussion: "Settings come from --config (a JSON object) and NETSIFT_GATEWAY_<KEY> environment variables.")

    static let keys: Set<String> = ["host", "port", "search_endpoint", "reads_endpoint", "exports_dir", "exports_min_free_mb",
                                    "exports_max_age_hours", "downloads_per_key", "downloads_total",
                                    "header_timeout_seconds", "idle_timeout_seconds", "log_level", "deployment_id"]

    @Option(help: "Config file: a JSON object of settings.")
    var config: String?

    func run() async throws {
        let settings = try Settings(file: config, environmentPrefix: "NETSIFT_GATEWAY_", known: Self.keys)
        ServiceLogging.bootstrap(service: "gateway", level: try settings.logLevel("log_level", default: .info))
        let logger = Logger(label: "netsift.gateway")
        let configuration = try GatewayConfiguration(settings)
        let context = try MessageContext()
        let search = SearchClient(context: context, endpoint: configuration.searchEndpoint)
        let storage = RequestClient<PacketReadMessage>(context: context, endpoint: configuration.readsEndpoint)
        MemoryReturn.configure()
        let app = buildApplication(configuration, search: search, frames: storage, logger: logger)
        let sweeper = configuration.exportsMaxAge.map { ExportSweeper.loop(configuration.exports, maxAge: $0, logger: logger) }
        try await ServiceMain.run(name: "gateway", logger: logger, services: [app] + (sweeper.map { sweeper in
            [BlockingLoopService(name: "export-sweeper", run: { try sweeper.run() }, stop: { sweeper.stop() })]
        } ?? []))
        search.close()
        storage.close()
        context.terminate()
    }
}

extension GatewayConfiguration {
    init(_ settings: Settings) throws {
        let defaults = GatewayConfiguration()
        self.init(host: settings.string("host", default: defaults.host),
                  port: try settings.int("port", default: defaults.port),
                  searchEndpoint: settings.string("search_endpoint", default: defaults.searchEndpoint),
                  readsEndpoint: settings.string("reads_endpoint", default: defaults.readsEndpoint),
                  exportsDirectory: settings.string("exports_dir", default: defaults.exportsDirectory),
                  exportsMinFreeMB: try settings.int("exports_min_free_mb", default: defaults.exportsMinFreeMB),
                  exportsMaxAgeHours: try settings.int("exports_max_age_hours", default: defaults.exportsMaxAgeHours),
                  downloadsPerKey: try settings.int("downloads_per_key", default: defaults.downloadsPerKey),
                  downloadsTotal: try settings.int("downloads_total", default: defaults.downloadsTotal),
                  headerTimeoutSeconds: try settings.int("header_timeout_seconds", default: defaults.headerTimeoutSeconds),
                  idleTimeoutSeconds: try settings.int("idle_timeout_seconds", default: defaults.idleTimeoutSeconds),
                  deploymentID: settings.optionalString("deployment_id"))
    }
}
