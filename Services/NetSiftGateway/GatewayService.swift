import ArgumentParser
import Configurations
import Gateway
import Messaging
import ServiceRuntime
import Wire

@main
struct GatewayService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-gateway",
        abstract: "Serves the REST API (/api/v1) over HTTP.",
        discussion: "Settings come from --config (a JSON object) and NETSIFT_GATEWAY_<KEY> environment variables.")

    @Option(help: "Config file: a JSON object of settings.")
    var config: String?

    func run() async throws {
        let configuration = try ConfigurationLoader.load(GatewayConfiguration.self, file: config)
        let logger = ServiceLogging.start(configuration)
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
