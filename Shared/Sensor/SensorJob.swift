import Capture
import Foundation
import Logging
import Messaging
import Wire

/// The sensor service's work on its thread: report the adapters to
/// storage, then capture live or send the files, then wait for the stop.
public final class SensorJob: Sendable {
    /// What the sensor reads.
    public enum Source: Sendable, Equatable {
        case interface(String, capture: LiveCaptureOptions, frameLimit: UInt64?)
        /// A capture file, or the capture files of a directory.
        case files(String)
        case nothing
    }

    public struct Status: Sendable, Equatable {
        public var state = "starting"
        public var frames: UInt64 = 0
        public var received: UInt64 = 0
        public var kernelDrops: UInt64 = 0
        public var interfaceDrops: UInt64 = 0
        public var sensorDrops: UInt64 = 0
        public var failure: String?
    }

    public let sensorID: UUID
    public let sensorName: String
    public let source: Source
    public let status = Locked(Status())
    private let logger: Logger
    private let stopping = Locked(false)
    private let adapters: @Sendable () -> [NetworkInterface]?

    /// `adapters` lists what is reported to storage first (nil: nothing).
    public init(sensorID: UUID, sensorName: String, source: Source, logger: Logger,
                adapters: @escaping @Sendable () -> [NetworkInterface]? = { try? NetworkInterface.list() }) {
        self.sensorID = sensorID
        self.sensorName = sensorName
        self.source = source
        self.logger = logger
        self.adapters = adapters
    }

    /// Makes `run` return once its source is done (a capture stops first).
    public func stop() { stopping.set(true) }

    /// Opens the channel with `connect` (failing when it cannot), reads the
    /// source through it, then waits for `stop()`.
    public func run(connect: () throws -> any SensorChannel) {
        let channel: any SensorChannel
        do {
            channel = try connect()
        } catch {
            fail("cannot open sockets: \(error)")
            return
        }
        defer { channel.close() }
        reportAdapters(channel)
        do {
            switch source {
            case .interface(let interface, let capture, let frameLimit):
                try captureLive(interface, capture: capture, frameLimit: frameLimit, through: channel)
            case .files(let path):
                try sendFiles(path, through: channel)
            case .nothing:
                status.update { $0.state = "idle (no interface or pcap configured)" }
            }
        } catch {
            fail("\(error)")
        }
        while !stopping.get() { Thread.sleep(forTimeInterval: 0.2) }
    }

    private func captureLive(_ interface: String, capture: LiveCaptureOptions, frameLimit: UInt64?,
                             through channel: any SensorChannel) throws(SensorError) {
        status.update { $0.state = "capturing \(interface)" }
        var options = LiveIngest.Options(sensorID: sensorID, sensorName: sensorName, interface: interface)
        options.capture = capture
        options.frameLimit = frameLimit
        let stopping = self.stopping
        let summary = try channel.capture(options, shouldStop: { stopping.get() }) { [status] statistics in
            status.update {
                $0.received = statistics.received
                $0.kernelDrops = statistics.kernelDrops
                $0.interfaceDrops = statistics.interfaceDrops
                $0.sensorDrops = statistics.sensorDrops
            }
        }
        status.update { $0.frames = summary.frames; $0.state = "capture \(summary.captureID) ended" }
        logger.info("live capture ended", metadata: [
            "capture": "\(summary.captureID)", "frames": "\(summary.frames)",
            "kernel_drops": "\(summary.statistics.kernelDrops)", "sensor_drops": "\(summary.statistics.sensorDrops)",
            "acknowledged": "\(summary.acknowledged)",
        ])
    }

    private func sendFiles(_ path: String, through channel: any SensorChannel) throws {
        status.update { $0.state = "reading \(path)" }
        let listing = try CaptureSource.files(at: path)
        let options = FileIngest.Options(sensorID: sensorID, sensorName: sensorName, lanes: channel.laneCount,
                                         runID: listing.captures.count > 1 ? UUID() : nil)
        let stopping = self.stopping
        let results = try channel.send(listing.captures, options: options, shouldStop: { stopping.get() }) {
            [status] progress in status.update { $0.frames = progress.framesSent }
        }
        for result in results {
            logger.info("capture stored", metadata: [
                "capture": "\(result.captureID)", "path": "\(result.path)",
                "status": "\(result.totals?.status ?? "?")", "packets": "\(result.totals?.packets ?? 0)",
            ])
        }
        status.update { $0.state = "files sent" }
    }

    private func reportAdapters(_ channel: any SensorChannel) {
        guard let adapters = adapters() else { return }
        let report = adapters.map {
            ControlMessage.Adapter(name: $0.name, description: $0.description, isUp: $0.isUp, isRunning: $0.isRunning,
                                   isLoopback: $0.isLoopback, macAddress: $0.macAddress, ipv4: $0.ipv4,
                                   ipv6: $0.ipv6, mtu: $0.mtu)
        }
        do {
            _ = try channel.request(.reportAdapters(sensorID: sensorID, sensorName: sensorName, adapters: report),
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
