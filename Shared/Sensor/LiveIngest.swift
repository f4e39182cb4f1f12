import Capture
import Dissection
import Foundation
import Wire

/// Captures from a network interface through a `SensorLink` until stopped
/// or `frameLimit` frames were captured.
///
/// Live traffic cannot wait: a frame batch a decoder does not take at once
/// is dropped and counted (`sensorDrops`), as are libpcap's own drops, and
/// all of them are reported to storage with the capture. What was sent is
/// kept (bounded, oldest evicted and counted by `UnackedBuffer`) until
/// storage acknowledges it; when a lane's acknowledgements stall, its start
/// marker and the kept batches are sent again, so a restarted decoder goes
/// on from there.
/// Batches are cut by size, or after `flushInterval` so quiet links still
/// reach storage promptly; watermarks carry the sensor's clock.
public final class LiveIngest {
    public struct Options: Sendable {
        public var sensorID: UUID
        public var sensorName: String
        public var interface: String
        public var capture = LiveCaptureOptions()
        public var frameLimit: UInt64?
        public var batchLimits = FrameBatcher.Limits()
        public var flushInterval: Duration = .milliseconds(100)
        public var watermarkInterval: Duration = .seconds(1)
        public var statisticsInterval: Duration = .seconds(5)
        public var ackTimeout: Duration = .seconds(5)
        public var unacked = UnackedBuffer.Limits(envelopes: 256, bytes: 128 << 20)
        /// After the end marker, how long to wait for storage to acknowledge everything.
        public var drainTimeout: Duration = .seconds(30)

        public init(sensorID: UUID, sensorName: String, interface: String) {
            self.sensorID = sensorID
            self.sensorName = sensorName
            self.interface = interface
        }
    }

    public struct Summary: Sendable {
        public var captureID: UInt64
        public var frames: UInt64
        public var statistics: ControlMessage.CaptureStatistics
        /// Everything sent was acknowledged before the drain timeout.
        public var acknowledged: Bool
        public var totals: ControlMessage.CaptureTotals?
    }

    public let options: Options
    private let link: SensorLink
    private let shouldStop: @Sendable () -> Bool
    private let onStatistics: @Sendable (ControlMessage.CaptureStatistics) -> Void
    private var sensorDrops: UInt64 = 0
    private var lastMove: [ContinuousClock.Instant] = []
    private var ackedThrough: [UInt64] = []

    public init(options: Options, link: SensorLink, shouldStop: @escaping @Sendable () -> Bool,
                onStatistics: @escaping @Sendable (ControlMessage.CaptureStatistics) -> Void = { _ in }) {
        self.options = options
        self.link = link
        self.shouldStop = shouldStop
        self.onStatistics = onStatistics
    }

    public func run() throws(SensorError) -> Summary {
        let reader: PcapLiveReader
        do {
            reader = try PcapLiveReader(interface: options.interface, options: options.capture)
        } catch {
            throw .capture("\(error)")
        }
        let captureID: UInt64
        switch try link.request(.startCapture(sensorID: options.sensorID, sensorName: options.sensorName,
                                              source: "interface:\(options.interface)", runID: nil)) {
        case .captureStarted(let id): captureID = id
        case .failed(let message): throw .storageRefused(message)
        default: throw .storageRefused("unexpected answer to startCapture")
        }

        let lanes = link.lanes.count
        let shard = FlowShard(lanes: lanes)
        var batcher = FrameBatcher(captureID: captureID, lanes: lanes, limits: options.batchLimits)
        var unacked = UnackedBuffer(producers: batcher.producers.map(\.id), limits: options.unacked)
        lastMove = Array(repeating: .now, count: lanes)
        ackedThrough = Array(repeating: 0, count: lanes)
        let starts = batcher.start(live: true)
        for output in starts { send(output, into: &unacked, required: true) }

        var frames: UInt64 = 0
        var nextFlush = ContinuousClock.now + options.flushInterval
        var nextWatermark = ContinuousClock.now + options.watermarkInterval
        var nextStatistics = ContinuousClock.now + options.statisticsInterval
        var failure: String?
        capture: while !shouldStop() {
            switch reader.next() {
            case .frame(let frame):
                let lane = shard.lane(for: frame.bytes, linkType: frame.linkType, wireLength: frame.wireLength)
                for output in batcher.append(frame, lane: lane) { send(output, into: &unacked, required: false) }
                frames = frame.number
                if let limit = options.frameLimit, frames >= limit { break capture }
            case .timeout:
                break
            case .end:
                break capture
            case .failed(let error):
                failure = error.description
                break capture
            }
            let now = ContinuousClock.now
            if now >= nextFlush {
                for output in batcher.flushAll() { send(output, into: &unacked, required: false) }
                nextFlush = now + options.flushInterval
            }
            if now >= nextWatermark {
                for output in batcher.watermark(at: Self.wallClock()) { send(output, into: &unacked, required: false) }
                nextWatermark = now + options.watermarkInterval
            }
            if now >= nextStatistics {
                report(statistics(reader, captureID: captureID))
                nextStatistics = now + options.statisticsInterval
            }
            pump(&unacked, starts: starts)
        }

        let ends = batcher.finish(frameCount: frames, outcome: failure == nil ? .complete : .failed,
                                  reason: failure ?? "")
        for output in ends { send(output, into: &unacked, required: true) }
        let final = statistics(reader, captureID: captureID)
        report(final)
        let deadline = ContinuousClock.now + options.drainTimeout
        while (0 ..< lanes).contains(where: { unacked.count(lane: $0) > 0 }), ContinuousClock.now < deadline {
            pump(&unacked, starts: starts, wait: .milliseconds(50))
        }
        let acknowledged = (0 ..< lanes).allSatisfy { unacked.count(lane: $0) == 0 }
        var totals: ControlMessage.CaptureTotals?
        if case .captureTotals(let t)? = try? link.request(.captureStatus(captureID: captureID)) { totals = t }
        for id in batcher.producers.map(\.id) { link.forget(producer: id) }
        return Summary(captureID: captureID, frames: frames, statistics: final, acknowledged: acknowledged,
                       totals: totals)
    }

    private func statistics(_ reader: PcapLiveReader, captureID: UInt64) -> ControlMessage.CaptureStatistics {
        let stats = reader.statistics()
        return ControlMessage.CaptureStatistics(
            captureID: captureID, received: stats?.received ?? 0, kernelDrops: stats?.droppedByKernel ?? 0,
            interfaceDrops: stats?.droppedByInterface ?? 0, sensorDrops: sensorDrops)
    }

    private func report(_ statistics: ControlMessage.CaptureStatistics) {
        onStatistics(statistics)
        _ = try? link.request(.reportStatistics(statistics), timeout: .seconds(2))
    }

    /// Sends, waiting up to 50 ms for a decoder's full queue (the kernel
    /// buffer holds what arrives meanwhile); then drops the batch, counting
    /// its frames. Markers (`required`) wait up to 30 s.
    private func send(_ output: FrameBatcher.Output, into unacked: inout UnackedBuffer, required: Bool) {
        let deadline = ContinuousClock.now + (required ? .seconds(30) : .milliseconds(50))
        repeat {
            if (try? link.trySend(output.envelope, lane: output.lane)) == true {
                unacked.record(output.envelope, lane: output.lane)
                return
            }
            _ = try? link.takeAcks(waiting: .milliseconds(5))
        } while ContinuousClock.now < deadline && !shouldStop()
        if output.envelope.type == FrameBatch.type { sensorDrops += UInt64(output.envelope.header.itemCount) }
    }

    /// Takes acknowledgements; sends a stalled lane's start marker and kept batches again.
    private func pump(_ unacked: inout UnackedBuffer, starts: [FrameBatcher.Output], wait: Duration = .zero) {
        guard (try? link.takeAcks(waiting: wait)) != nil else { return }
        let now = ContinuousClock.now
        for lane in 0 ..< unacked.laneCount {
            let producer = starts[lane].envelope.header.producer
            if let acked = link.acknowledged[producer] {
                _ = unacked.acknowledge(Ack(producer: producer, ranges: acked.ranges))
                let through = acked.contiguous(from: 1)
                if through > ackedThrough[lane] {
                    ackedThrough[lane] = through
                    lastMove[lane] = now
                }
            }
            guard unacked.count(lane: lane) > 0, now - lastMove[lane] >= options.ackTimeout else { continue }
            lastMove[lane] = now
            for envelope in [starts[lane].envelope] + unacked.resend(lane: lane) {
                _ = try? link.trySend(envelope, lane: lane)
            }
        }
    }

    static func wallClock() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
