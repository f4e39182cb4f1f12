import ArgumentParser
import Foundation
import Logging
import Messaging
import Prometheus
import ServiceRuntime
import Storage
import Wire

@main
struct StorageService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift-storage",
        abstract: "The only writer of the traffic tables and the pcap store.",
        discussion: "Settings come from --config (a JSON object) and NETSIFT_STORAGE_<KEY> environment variables.")

    static let keys: Set<String> = ["deployment_id", "database_url", "pcap_root", "records_endpoint", "control_endpoint",
                                    "acks_endpoint", "reads_endpoint", "read_workers", "metrics_port",
                                    "log_level", "commit_workers", "abandon_after_seconds"]

    @Option(help: "Config file: a JSON object of settings.")
    var config: String?

    func run() async throws {
        let settings = try Settings(file: config, environmentPrefix: "NETSIFT_STORAGE_", known: Self.keys)
        ServiceLogging.bootstrap(service: "storage", level: try settings.logLevel("log_level", default: .info))
        let logger = Logger(label: "netsift.storage")
        guard let conninfo = settings.optionalString("database_url") else {
            logger.critical("no database_url setting")
            throw ExitCode(2)
        }
        var configuration = StorageServer.Configuration(
            conninfo: conninfo,
            pcapRoot: settings.string("pcap_root", default: "./netsift-data/pcap"),
            recordsEndpoint: settings.string("records_endpoint", default: "tcp://127.0.0.1:47300"),
            controlEndpoint: settings.string("control_endpoint", default: "tcp://127.0.0.1:47301"),
            acksEndpoint: settings.string("acks_endpoint", default: "tcp://127.0.0.1:47302"))
        configuration.commitWorkers = try settings.int("commit_workers", default: 2)
        let abandonAfter = try settings.int("abandon_after_seconds", default: 600)
        configuration.abandonAfter = abandonAfter > 0 ? .seconds(abandonAfter) : nil
        let server = StorageServer(configuration: configuration, logger: logger)
        let reads = RequestServer<PacketReadMessage>(
            name: "reads", endpoint: settings.string("reads_endpoint", default: "tcp://127.0.0.1:47307"),
            workers: try settings.int("read_workers", default: 2), logger: logger)
        let pcapRoot = configuration.pcapRoot
        let context = try MessageContext()
        let registry = PrometheusCollectorRegistry()
        let gauges = StatusGauges(registry: registry, prefix: "netsift_storage_")
        let endpoint = MetricsEndpoint(port: try settings.int("metrics_port", default: 47_303), registry: registry,
                                       deployment: settings.optionalString("deployment_id")) {
            let status = server.status.get()
            let counters = status.engine
            gauges.update([
                "database_up": status.databaseUp ? 1 : 0,
                "batches_committed": Double(counters.batchesCommitted),
                "batches_duplicate": Double(counters.batchesDuplicate),
                "packets": Double(counters.packets), "flow_reports": Double(counters.flowReports),
                "replayed_packets": Double(counters.replayedPackets),
                "frames_not_stored": Double(counters.framesNotStored),
                "frames_resent": Double(counters.framesResent),
                "captures_started": Double(counters.capturesStarted),
                "malformed_messages": Double(status.malformedMessages),
                "refused_batches": Double(status.refusedBatches), "failed_attempts": Double(status.failedAttempts),
                "pcap_append_seconds": counters.pcapAppendSeconds, "pcap_flush_seconds": counters.pcapFlushSeconds,
                "commit_seconds": counters.commitSeconds,
                "frame_reads": Double(reads.status.get().requests),
            ])
            var detail = [
                "database": status.databaseUp ? "up" : "down", "packets": "\(counters.packets)",
                "batches": "\(counters.batchesCommitted)", "duplicates": "\(counters.batchesDuplicate)",
                "refused": "\(status.refusedBatches)", "captures_started": "\(counters.capturesStarted)",
                "seconds_pcap_append": String(format: "%.1f", counters.pcapAppendSeconds),
                "seconds_pcap_flush": String(format: "%.1f", counters.pcapFlushSeconds),
                "seconds_commit": String(format: "%.1f", counters.commitSeconds),
            ]
            if let error = status.lastError { detail["last_error"] = error }
            return HealthReport(service: "storage", status: status.databaseUp ? HealthReport.ok : HealthReport.failing,
                                detail: detail)
        }
        try await ServiceMain.run(name: "storage", logger: logger, services: [
            MetricsService(endpoint: endpoint),
            BlockingLoopService(name: "storage", run: { try server.run(context: context) }, stop: { server.stop() }),
            BlockingLoopService(name: "reads", run: {
                try reads.run(context: context, makeHandler: { FrameReads.handler(pcapRoot: pcapRoot) },
                              failure: FrameReads.failure)
            }, stop: { reads.stop() }),
        ])
        context.terminate()
    }
}
