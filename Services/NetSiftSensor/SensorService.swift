import ArgumentParser
import Capture
import Foundation
import Logging
import Messaging
import Operations
import Prometheus
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

    static let keys: Set<String> = ["deployment_id", "decoders", "control_endpoint", "acks_endpoint", "identity_file", "sensor_name",
                                    "metrics_port", "log_level", "interface", "pcap", "bpf", "snaplen",
                                    "promiscuous", "buffer_mb", "immediate", "count"]

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
            for adapter in try NetworkInterface.list() {
                let flags = [adapter.isUp ? "up" : "down", adapter.isLoopback ? "loopback" : nil]
                    .compactMap { $0 }.joined(separator: ",")
                print([adapter.name, flags, adapter.macAddress ?? "-",
                       adapter.ipv4.joined(separator: ","), adapter.ipv6.joined(separator: ",")]
                    .map { $0.isEmpty ? "-" : $0 }.joined(separator: "\t"))
            }
            return
        }
        var overrides: [String: String] = [:]
        if let interface { overrides["interface"] = interface }
        if let pcap { overrides["pcap"] = pcap }
        if let bpf { overrides["bpf"] = bpf }
        if let count { overrides["count"] = String(count) }
        let settings = try Settings(file: config, environmentPrefix: "NETSIFT_SENSOR_", known: Self.keys)
            .merging(overrides)
        ServiceLogging.bootstrap(service: "sensor", level: try settings.logLevel("log_level", default: .info))
        let logger = Logger(label: "netsift.sensor")
        let identity = try SensorIdentityFile.loadOrCreate(
            path: settings.string("identity_file", default: "./netsift-data/sensor.json"),
            defaultName: settings.string("sensor_name", default: SensorIdentityFile.hostName))
        let endpoints = SensorLink.Endpoints(
            decoders: settings.stringList("decoders", default: ["tcp://127.0.0.1:47310"]),
            storageControl: settings.string("control_endpoint", default: "tcp://127.0.0.1:47301"),
            storageAcks: settings.string("acks_endpoint", default: "tcp://127.0.0.1:47302"))
        var live = LiveCaptureOptions()
        live.filter = settings.optionalString("bpf")
        live.snapLength = try settings.int("snaplen", default: live.snapLength)
        live.promiscuous = try settings.bool("promiscuous", default: live.promiscuous)
        live.bufferBytes = try settings.int("buffer_mb", default: live.bufferBytes >> 20) << 20
        live.immediate = try settings.bool("immediate", default: live.immediate)
        let limit = try settings.int("count", default: 0)
        let job = SensorJob(identity: identity, endpoints: endpoints, interface: settings.optionalString("interface"),
                            pcap: settings.optionalString("pcap"), capture: live,
                            frameLimit: limit > 0 ? UInt64(limit) : nil, logger: logger)

        let context = try MessageContext()
        let registry = PrometheusCollectorRegistry()
        let gauges = StatusGauges(registry: registry, prefix: "netsift_sensor_")
        let endpoint = MetricsEndpoint(port: try settings.int("metrics_port", default: 47_304), registry: registry,
                                       deployment: settings.optionalString("deployment_id")) {
            let status = job.status.get()
            gauges.update([
                "frames": Double(status.frames), "received": Double(status.received),
                "kernel_drops": Double(status.kernelDrops), "interface_drops": Double(status.interfaceDrops),
                "sensor_drops": Double(status.sensorDrops),
            ])
            return HealthReport(service: "sensor", status: status.failure == nil ? HealthReport.ok : HealthReport.failing,
                                detail: ["state": status.state, "frames": "\(status.frames)",
                                         "kernel_drops": "\(status.kernelDrops)", "sensor_drops": "\(status.sensorDrops)",
                                         "error": status.failure ?? ""])
        }
        try await ServiceMain.run(name: "sensor", logger: logger, services: [
            MetricsService(endpoint: endpoint),
            BlockingLoopService(name: "sensor", run: { job.run(context: context) }, stop: { job.stop() }),
        ])
        context.terminate()
    }
}

/// The sensor's work on its thread: report adapters, then capture live or
/// send the files, then wait for the stop.
final class SensorJob: Sendable {
    struct Status: Sendable {
        var state = "starting"
        var frames: UInt64 = 0
        var received: UInt64 = 0
        var kernelDrops: UInt64 = 0
        var interfaceDrops: UInt64 = 0
        var sensorDrops: UInt64 = 0
        var failure: String?
    }

    let identity: SensorIdentityFile
    let endpoints: SensorLink.Endpoints
    let interface: String?
    let pcap: String?
    let capture: LiveCaptureOptions
    let frameLimit: UInt64?
    let logger: Logger
    let status = Locked(Status())
    private let stopping = Locked(false)

    init(identity: SensorIdentityFile, endpoints: SensorLink.Endpoints, interface: String?, pcap: String?,
         capture: LiveCaptureOptions, frameLimit: UInt64?, logger: Logger) {
        self.identity = identity
        self.endpoints = endpoints
        self.interface = interface
        self.pcap = pcap
        self.capture = capture
        self.frameLimit = frameLimit
        self.logger = logger
    }

    func stop() { stopping.set(true) }

    func run(context: MessageContext) {
        let link: SensorLink
        do {
            link = try SensorLink(context: context, endpoints: endpoints)
        } catch {
            fail("cannot open sockets: \(error)")
            return
        }
        defer { link.close() }
        reportAdapters(link)
        let stopping = self.stopping
        do {
            if let interface {
                status.update { $0.state = "capturing \(interface)" }
                var options = LiveIngest.Options(sensorID: identity.id, sensorName: identity.name, interface: interface)
                options.capture = capture
                options.frameLimit = frameLimit
                let live = LiveIngest(options: options, link: link, shouldStop: { stopping.get() }) { [status] stats in
                    status.update {
                        $0.received = stats.received
                        $0.kernelDrops = stats.kernelDrops
                        $0.interfaceDrops = stats.interfaceDrops
                        $0.sensorDrops = stats.sensorDrops
                    }
                }
                let summary = try live.run()
                status.update { $0.frames = summary.frames; $0.state = "capture \(summary.captureID) ended" }
                logger.info("live capture ended", metadata: [
                    "capture": "\(summary.captureID)", "frames": "\(summary.frames)",
                    "kernel_drops": "\(summary.statistics.kernelDrops)",
                    "sensor_drops": "\(summary.statistics.sensorDrops)",
                    "acknowledged": "\(summary.acknowledged)",
                ])
            } else if let pcap {
                status.update { $0.state = "reading \(pcap)" }
                let listing = try CaptureSource.files(at: pcap)
                let ingest = FileIngest(options: FileIngest.Options(
                    sensorID: identity.id, sensorName: identity.name, lanes: endpoints.decoders.count,
                    runID: listing.captures.count > 1 ? UUID() : nil), link: link, shouldStop: { stopping.get() })
                let results = try ingest.run(paths: listing.captures) { [status] progress in
                    status.update { $0.frames = progress.framesSent }
                }
                for result in results {
                    logger.info("capture stored", metadata: [
                        "capture": "\(result.captureID)", "path": "\(result.path)",
                        "status": "\(result.totals?.status ?? "?")", "packets": "\(result.totals?.packets ?? 0)",
                    ])
                }
                status.update { $0.state = "files sent" }
            } else {
                status.update { $0.state = "idle (no interface or pcap configured)" }
            }
        } catch {
            fail("\(error)")
        }
        while !stopping.get() { Thread.sleep(forTimeInterval: 0.2) }
    }

    private func reportAdapters(_ link: SensorLink) {
        guard let adapters = try? NetworkInterface.list() else { return }
        let report = adapters.map {
            ControlMessage.Adapter(name: $0.name, description: $0.description, isUp: $0.isUp, isRunning: $0.isRunning,
                                   isLoopback: $0.isLoopback, macAddress: $0.macAddress, ipv4: $0.ipv4,
                                   ipv6: $0.ipv6, mtu: $0.mtu)
        }
        do {
            _ = try link.request(.reportAdapters(sensorID: identity.id, sensorName: identity.name, adapters: report),
                                 timeout: .seconds(30))
        } catch {
            logger.warning("could not report adapters", metadata: ["error": "\(error)"])
        }
    }

    private func fail(_ message: String) {
        logger.error("sensor failed", metadata: ["error": "\(message)"])
        status.update { $0.failure = message; $0.state = "failed" }
    }
}
