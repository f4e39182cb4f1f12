import ArgumentParser
import Foundation
import Gateway
import Hummingbird
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
        let context = try MessageContext()
        let search = SearchClient(context: context,
                                  endpoint: settings.string("search_endpoint", default: "tcp://127.0.0.1:47305"))
        let storage = RequestClient<PacketReadMessage>(
            context: context, endpoint: settings.string("reads_endpoint", default: "tcp://127.0.0.1:47307"))
        let exports = ExportDirectory(path: settings.string("exports_dir", default: "exports"),
                                      minimumFreeBytes: Int64(try settings.int("exports_min_free_mb", default: 1024)) << 20)
        let defaults = (downloads: DownloadLimits.default, timeouts: ConnectionTimeouts.default)
        let downloads = DownloadLimiter(limits: DownloadLimits(
            perKey: try settings.int("downloads_per_key", default: defaults.downloads.perKey),
            total: try settings.int("downloads_total", default: defaults.downloads.total),
            retryAfterSeconds: defaults.downloads.retryAfterSeconds))
        let timeouts = ConnectionTimeouts(
            header: .seconds(Int64(try settings.int("header_timeout_seconds", default: 10))),
            idle: .seconds(Int64(try settings.int("idle_timeout_seconds", default: 60))))
        MemoryReturn.configure()
        let router = GatewayRouter(search: search, storage: storage, exports: exports, downloads: downloads,
                                   deploymentID: settings.optionalString("deployment_id")).makeRouter()
        let app = Application(router: router, server: GatewayHTTPChannel.builder(timeouts), configuration: .init(
            address: .hostname(settings.string("host", default: "127.0.0.1"),
                               port: try settings.int("port", default: 8080)),
            serverName: GatewayRouter.version), logger: logger)
        // 0 keeps exports until they are deleted.
        let maxAgeHours = try settings.int("exports_max_age_hours", default: 168)
        let sweeper = maxAgeHours > 0
            ? ExportSweeper.loop(exports, maxAge: .seconds(Int64(maxAgeHours) * 3600), logger: logger) : nil
        try await ServiceMain.run(name: "gateway", logger: logger, services: [app] + (sweeper.map { sweeper in
            [BlockingLoopService(name: "export-sweeper", run: { try sweeper.run() }, stop: { sweeper.stop() })]
        } ?? []))
        search.close()
        storage.close()
        context.terminate()
    }
}
