import ArgumentParser
import Configurations
import Decoder
import Messaging
import Protocols
import ServiceRuntime
import Wire

@main
struct DecoderService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-decoder",
        abstract: "Decodes sensor frames into packet rows and flow reports for storage.",
        discussion: "Settings come from --config (a JSON object) and NETSIFT_DECODER_<KEY> environment variables.")

    @Option(help: "Config file: a JSON object of settings.")
    var config: String?

    func run() async throws {
        let configuration = try ConfigurationLoader.load(DecoderConfiguration.self, file: config,
                                                         extraKeys: ApplicationConfig.settingKeys)
        let logger = ServiceLogging.start(configuration)
        let server = DecoderServer(configuration: try .init(configuration), logger: logger)
        let context = try MessageContext()
        try await ServiceMain.run(name: "decoder", logger: logger, services: [
            MetricsService(configuration, port: configuration.metricsPort) { DecoderReport(server.status.get()) },
            BlockingLoopService(name: "decoder", run: { try server.run(context: context) }, stop: { server.stop() }),
        ])
        context.terminate()
    }
}
