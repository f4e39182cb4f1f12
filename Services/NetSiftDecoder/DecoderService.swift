import ArgumentParser
import Decoder
import Decoding
import Flows
import Foundation
import Logging
import Messaging
import Prometheus
import Protocols
import ServiceRuntime
import Wire

@main
struct DecoderService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-decoder",
        abstract: "Decodes sensor frames into packet rows and flow reports for storage.",
        discussion: "Settings come from --config (a JSON object) and NETSIFT_DECODER_<KEY> environment variables.")

    static let keys = Set(["deployment_id", "frames_endpoint", "records_endpoint", "acks_endpoint", "events_endpoint",
                           "metrics_port", "log_level", "batch_packets", "flow_timeout_seconds",
                           "flow_period_seconds", "max_flows", "max_unacked_batches", "l7", "l7_sniffing"]
                          + ProtocolModules.all.map(\.dataset.name).flatMap { proto in
                              ProtocolOptionSetting.keys.map { "\(proto)_\($0)" }
                          })

    @Option(help: "Config file: a JSON object of settings.")
    var config: String?

    func run() async throws {
        let settings = try Settings(file: config, environmentPrefix: "NETSIFT_DECODER_", known: Self.keys)
        ServiceLogging.bootstrap(service: "decoder", level: try settings.logLevel("log_level", default: .info))
        let logger = Logger(label: "netsift.decoder")
        var configuration = DecoderServer.Configuration(
            framesEndpoint: settings.string("frames_endpoint", default: "tcp://127.0.0.1:47310"),
            recordsEndpoint: settings.string("records_endpoint", default: "tcp://127.0.0.1:47300"),
            acksEndpoint: settings.string("acks_endpoint", default: "tcp://127.0.0.1:47302"),
            eventsEndpoint: settings.optionalString("events_endpoint"))
        configuration.limits = .init(packets: try settings.int("batch_packets", default: 4_096))
        configuration.maxUnacked = try settings.int("max_unacked_batches", default: 32)
        var flows = FlowConfig()
        flows.timeout = Int64(try settings.int("flow_timeout_seconds", default: 30)) * 1_000_000_000
        let period = try settings.int("flow_period_seconds", default: 10)
        flows.period = period < 0 ? nil : Int64(period) * 1_000_000_000
        flows.maxFlows = try settings.int("max_flows", default: flows.maxFlows)
        configuration.decoder.flows = flows
        configuration.decoder.application = try Self.application(settings)

        let server = DecoderServer(configuration: configuration, logger: logger)
        let context = try MessageContext()
        let registry = PrometheusCollectorRegistry()
        let gauges = StatusGauges(registry: registry, prefix: "netsift_decoder_")
        let endpoint = MetricsEndpoint(port: try settings.int("metrics_port", default: 47_312), registry: registry,
                                       deployment: settings.optionalString("deployment_id")) {
            let status = server.status.get()
            let counters = status.engine
            gauges.update([
                "frames_decoded": Double(counters.framesDecoded), "batches_in": Double(counters.batchesIn),
                "batches_out": Double(counters.batchesOut), "duplicates": Double(counters.duplicates),
                "out_of_order": Double(counters.outOfOrder), "awaiting_start": Double(counters.awaitingStart),
                "captures_ended": Double(counters.capturesEnded), "flow_reports": Double(counters.flowReports),
                "events": Double(counters.events), "l7_flows": Double(counters.application.flows),
                "l7_flows_unclaimed": Double(counters.application.unclaimed),
                "l7_evicted_for_flows": Double(counters.application.evictedForFlows),
                "l7_evicted_for_bytes": Double(counters.application.evictedForBytes),
                "l7_gaps": Double(counters.application.gaps), "l7_gap_bytes": Double(counters.application.gapBytes),
                "unacked_batches": Double(status.unacked), "resends": Double(status.resends),
                "malformed_messages": Double(status.malformedMessages), "open_captures": Double(status.openCaptures),
            ])
            return HealthReport(service: "decoder", status: HealthReport.ok, detail: [
                "producer": status.producer.uuidString, "frames": "\(counters.framesDecoded)",
                "unacked": "\(status.unacked)", "resends": "\(status.resends)",
                "open_captures": "\(status.openCaptures)",
            ])
        }
        try await ServiceMain.run(name: "decoder", logger: logger, services: [
            MetricsService(endpoint: endpoint),
            BlockingLoopService(name: "decoder", run: { try server.run(context: context) }, stop: { server.stop() }),
        ])
        context.terminate()
    }

    /// The application layer as the settings say: `l7` (on by default),
    /// `l7_sniffing`, and Packetbeat's per-protocol options as
    /// `<protocol>_<option>` (`http_ports: "80,8080"`, `dns_send_request: true`,
    /// `tls_enabled: false`, `dns_transaction_timeout: "2s"`, `http_tags: "edge,lab"`).
    static func application(_ settings: Settings) throws -> ApplicationConfig? {
        guard try settings.bool("l7", default: true) else { return nil }
        var config = ApplicationConfig()
        config.sniffing = try settings.bool("l7_sniffing", default: true)
        for proto in ProtocolModules.all.map(\.dataset.name) {
            for key in ProtocolOptionSetting.keys {
                guard let value = settings.optionalString("\(proto)_\(key)") else { continue }
                do throws(ProtocolOptionSetting.Invalid) {
                    try ProtocolOptionSetting("\(proto).\(key)=\(value)").apply(to: &config)
                } catch {
                    throw ValidationError("setting \(proto)_\(key): \(error)")
                }
            }
        }
        return config
    }
}
