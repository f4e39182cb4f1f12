import Capture
import Dissection
import Wire

/// Drives capture files through `PcapFileReader` → `FlowShard` →
/// `FrameBatcher` and hands each message to the caller as (lane, envelope),
/// in the order it must be sent on that lane. Tests and the sensor service
/// share it; sending, buffering for re-send and waiting for acks are the
/// caller's (the closure may block).
///
/// One value serves a whole run: the lane producers carry over from one
/// file to the next, so each lane's sequence numbers stay contiguous across
/// the captures of a directory.
public struct FileCaptureRun {
    public struct Configuration: Sendable {
        public var lanes: Int
        public var batchLimits: FrameBatcher.Limits
        /// Packet time between watermarks. Flow timeouts are tens of seconds,
        /// so one second of packet clock is resolution enough, and it bounds
        /// how often every lane's batch is cut early.
        public var watermarkInterval: Int64
        public init(lanes: Int, batchLimits: FrameBatcher.Limits = .init(),
                    watermarkInterval: Int64 = 1_000_000_000) {
            self.lanes = Swift.max(1, lanes)
            self.batchLimits = batchLimits
            self.watermarkInterval = Swift.max(1, watermarkInterval)
        }
    }

    public struct Summary: Sendable {
        public var path: String
        public var captureID: UInt64
        /// Frames read (= the end marker's frame count) and their captured
        /// and wire bytes.
        public var frames: UInt64 = 0
        public var capturedBytes: UInt64 = 0
        public var wireBytes: UInt64 = 0
        public var framesPerLane: [UInt64]
        public var bytesPerLane: [UInt64]
        /// Messages emitted per lane (start marker, batches, watermarks, end marker).
        public var messagesPerLane: [Int]
        public var batches = 0
        public var watermarks = 0
        /// Why the file could not be opened or broke off; the frames before
        /// it were sent, and the end marker says `failed` with this reason.
        public var failure: CaptureError?
        public var isComplete: Bool { failure == nil }
    }

    public let configuration: Configuration
    public let shard: FlowShard
    public private(set) var producers: [Producer]

    public init(configuration: Configuration, producers: [Producer]? = nil) {
        self.configuration = configuration
        let lanes = producers?.count ?? configuration.lanes
        shard = FlowShard(lanes: lanes)
        self.producers = producers ?? (0 ..< shard.laneCount).map { _ in Producer() }
    }

    /// Sends one capture file as capture `captureID`. Errors thrown by `emit`
    /// end the run at once (nothing more is emitted) and are rethrown; a
    /// file that cannot be opened or is cut short is not an error here — it
    /// ends with a `failed` end marker and `Summary.failure`.
    public mutating func run<E: Error>(path: String, captureID: UInt64,
                                       emit: (_ lane: Int, _ envelope: Envelope) throws(E) -> Void) throws(E) -> Summary {
        let lanes = shard.laneCount
        var summary = Summary(path: path, captureID: captureID,
                              framesPerLane: Array(repeating: 0, count: lanes),
                              bytesPerLane: Array(repeating: 0, count: lanes),
                              messagesPerLane: Array(repeating: 0, count: lanes))
        var batcher = FrameBatcher(captureID: captureID, lanes: lanes, limits: configuration.batchLimits,
                                   producers: producers)
        func send(_ outputs: [FrameBatcher.Output]) throws(E) {
            for o in outputs {
                summary.messagesPerLane[o.lane] += 1
                switch o.envelope.type {
                case FrameBatch.type: summary.batches += 1
                case Watermark.type: summary.watermarks += 1
                default: break
                }
                try emit(o.lane, o.envelope)
            }
        }
        defer { producers = batcher.producers }
        for o in batcher.start() {
            summary.messagesPerLane[o.lane] += 1
            try emit(o.lane, o.envelope)
        }

        let reader: PcapFileReader
        do {
            reader = try PcapFileReader(path: path)
        } catch {
            summary.failure = error
            try send(batcher.finish(frameCount: 0, outcome: .failed, reason: error.description))
            return summary
        }

        var nextWatermark: Int64? = nil
        loop: while true {
            switch reader.next() {
            case .frame(let frame):
                let lane = shard.lane(for: frame.bytes, linkType: frame.linkType, wireLength: frame.wireLength)
                summary.frames = frame.number
                summary.capturedBytes &+= UInt64(frame.capturedLength)
                summary.wireBytes &+= UInt64(truncatingIfNeeded: frame.wireLength)
                summary.framesPerLane[lane] += 1
                summary.bytesPerLane[lane] &+= UInt64(frame.capturedLength)
                try send(batcher.append(frame, lane: lane))
                if let due = nextWatermark {
                    if batcher.latestTimestamp >= due {
                        try send(batcher.watermark())
                        nextWatermark = batcher.latestTimestamp &+ configuration.watermarkInterval
                    }
                } else {
                    nextWatermark = batcher.latestTimestamp &+ configuration.watermarkInterval
                }
            case .end:
                break loop
            case .failed(let error):
                summary.failure = error
                break loop
            }
        }
        if let failure = summary.failure {
            try send(batcher.finish(frameCount: summary.frames, outcome: .failed, reason: failure.description))
        } else {
            try send(batcher.finish(frameCount: summary.frames))
        }
        return summary
    }
}
