import ArgumentParser
import Capture
import Configurations
import Messaging
import Operations
import Sensor
import ServiceRuntime
import Wire

@main
struct SensorService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-sensor",
        abstract: "Captures from an interface, or reads capture files, and sends frames to the decoders.",
        discussion: """
            Settings come from --config (a JSON object) and NETSIFT_SENSOR_<KEY> environment variables; \
            the flags below override both.
            """)

    @Option(help: "Config file: a JSON object of settings.")
    var config: String?

    @Flag(help: "List the capture interfaces (name, up, MAC, IPv4, IPv6) and exit.")
    var listInterfaces = false

    @Option(help: "Capture live from this interface.")
    var interface: String?

    @Option(help: "Read this capture file, or the capture files of this directory, instead.")
    var pcap: String?

    @Option(help: "A BPF filter for live capture.")
    var bpf: String?

    @Option(help: "Stop a live capture after this many packets.")
    var count: Int?

    func run() async throws {
        if listInterfaces {
            for adapter in try NetworkInterface.list() { print(InterfaceLine(adapter)) }
            return
        }
        var configuration = try ConfigurationLoader.load(SensorConfiguration.self, file: config)
        if let interface { configuration.interface = interface }
        if let pcap { configuration.pcap = pcap }
        if let bpf { configuration.bpf = bpf }
        if let count { configuration.count = count }
        let logger = ServiceLogging.start(configuration)
        let identity = try SensorIdentityFile.loadOrCreate(
            path: configuration.identityFile, defaultName: configuration.sensorName ?? SensorIdentityFile.hostName)
        let job = SensorJob(sensorID: identity.id, sensorName: identity.name, source: .init(configuration),
                            logger: logger)
        let endpoints = SensorLink.Endpoints(configuration)
        let context = try MessageContext()
        try await ServiceMain.run(name: "sensor", logger: logger, services: [
            MetricsService(configuration, port: configuration.metricsPort) { SensorReport(job.status.get()) },
            BlockingLoopService(name: "sensor", run: {
                job.run { try SensorLink(context: context, endpoints: endpoints) }
            }, stop: { job.stop() }),
        ])
        context.terminate()
    }
}
