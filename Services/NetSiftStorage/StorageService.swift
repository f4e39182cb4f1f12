import ArgumentParser
import Configurations
import Messaging
import ServiceRuntime
import Storage
import Wire

@main
struct StorageService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-storage",
        abstract: "The only writer of the traffic tables and the pcap store.",
        discussion: "Settings come from --config (a JSON object) and NETSIFT_STORAGE_<KEY> environment variables.")

    @Option(help: "Config file: a JSON object of settings.")
    var config: String?

    func run() async throws {
        let configuration = try ConfigurationLoader.load(StorageConfiguration.self, file: config)
        let logger = ServiceLogging.start(configuration)
        guard let conninfo = configuration.databaseURL else {
            logger.critical("no database_url setting")
            throw ExitCode(2)
        }
        let server = StorageServer(configuration: .init(configuration, conninfo: conninfo), logger: logger)
        let reads = RequestServer<PacketReadMessage>(name: "reads", endpoint: configuration.readsEndpoint,
                                                     workers: configuration.readWorkers, logger: logger)
        let pcapRoot = configuration.pcapRoot
        let context = try MessageContext()
        try await ServiceMain.run(name: "storage", logger: logger, services: [
            MetricsService(configuration, port: configuration.metricsPort) {
                StorageReport(server: server.status.get(), reads: reads.status.get())
            },
            BlockingLoopService(name: "storage", run: { try server.run(context: context) }, stop: { server.stop() }),
            BlockingLoopService(name: "reads", run: {
                try reads.run(context: context, makeHandler: { FrameReads.handler(pcapRoot: pcapRoot) },
                              failure: FrameReads.failure)
            }, stop: { reads.stop() }),
        ])
        context.terminate()
    }
}
