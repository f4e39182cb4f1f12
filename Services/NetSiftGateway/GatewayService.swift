import ArgumentParser
import Foundation
import Gateway
import Hummingbird
import Logging
import Messaging
import Search
import ServiceRuntime

@main
struct GatewayService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-gateway",
        abstract: "Serves the REST API (/api/v1) over HTTP.",
        discussion: "Settings come from --config (a JSON object) and NETSIFT_GATEWAY_<KEY> environment variables.")

    static let keys: Set<String> = ["host", "port", "search_endpoint", "reads_endpoint", "exports_dir", "exports_min_free_mb", "log_level",
                                    "deployment_id"]

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
        let router = GatewayRouter(search: search, storage: storage, exports: exports,
                                   deploymentID: settings.optionalString("deployment_id")).makeRouter()
        let app = Application(router: router, configuration: .init(
            address: .hostname(settings.string("host", default: "127.0.0.1"),
                               port: try settings.int("port", default: 8080)),
            serverName: GatewayRouter.version), logger: logger)
        try await ServiceMain.run(name: "gateway", logger: logger, services: [app])
        search.close()
        storage.close()
        context.terminate()
    }
}
