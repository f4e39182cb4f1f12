import Capture
import Dissection
import Foundation
import Wire

/// Per lane, gathers frames of one capture into `frames.v1` batches and
/// stamps every message of a lane — batches, watermarks, the end marker —
/// with that lane's `Producer`, so each lane's sequence numbers are
/// contiguous from 1 whatever the message type.
///
/// A plain value: `append` and the flushes return the envelopes to send, in
/// order; sending them is the caller's job. The producers outlive a
/// capture: a directory run hands `producers` from one capture's batcher to
/// the next one's.
public struct FrameBatcher {
    public struct Limits: Sendable {
        /// Frames per batch. Wire.md's "hundreds to thousands"; 1,024 keeps a
        /// batch of small frames near 100 KiB and under `framesPerBatch`.
        public var frames = 1_024
        /// Payload bytes per batch (before the last frame would cross it).
        /// Wire.md: producers aim at 64 KiB – 4 MiB; 1 MiB is ~700 full
        /// Ethernet frames, and well under the receivers' 64 MiB limit.
        public var bytes = 1 << 20
        public init(frames: Int = 1_024, bytes: Int = 1 << 20) {
            self.frames = Swift.max(1, frames)
            self.bytes = Swift.max(1, bytes)
        }
    }

    /// One message for one lane, ready to send.
    public struct Output: Sendable {
        public var lane: Int
        public var envelope: Envelope
    }

    public let captureID: UInt64
    public let limits: Limits
    public private(set) var producers: [Producer]
    private var pending: [FrameBatch]
    /// Highest frame number appended, and the latest timestamp among them.
    public private(set) var lastFrame: UInt64 = 0
    public private(set) var latestTimestamp: Int64 = .min

    /// `producers` (one per lane) default to fresh ones; pass the previous
    /// capture's to keep the sequence numbers running.
    public init(captureID: UInt64, lanes: Int, limits: Limits = Limits(), producers: [Producer]? = nil) {
        let lanes = Swift.max(1, producers?.count ?? lanes)
        self.captureID = captureID
        self.limits = limits
        self.producers = producers ?? (0 ..< lanes).map { _ in Producer() }
        pending = (0 ..< lanes).map { _ in FrameBatch(captureID: captureID) }
    }

    public var laneCount: Int { producers.count }

    /// Frames waiting in `lane`'s open batch.
    public func pendingFrames(lane: Int) -> Int { pending[lane].count }

    /// Copies a frame into `lane`'s batch. Returns the batches this closed:
    /// none usually; the open batch first if this frame would push it past
    /// the byte limit; the new batch if it reached a limit by itself.
    public mutating func append(_ frame: Frame, lane: Int) -> [Output] {
        append(number: frame.number, timestamp: frame.timestamp, wireLength: frame.wireLength,
               linkType: frame.linkType, bytes: frame.bytes, lane: lane)
    }

    public mutating func append(number: UInt64, timestamp: Int64, wireLength: Int, linkType: LinkType,
                                bytes: UnsafeRawBufferPointer, lane: Int) -> [Output] {
        var out: [Output] = []
        let cost = 28 + bytes.count
        if !pending[lane].isEmpty && pending[lane].byteCount + cost > limits.bytes {
            if let o = flush(lane: lane) { out.append(o) }
        }
        pending[lane].append(number: number, timestamp: timestamp, wireLength: wireLength, linkType: linkType,
                             bytes: bytes)
        lastFrame = Swift.max(lastFrame, number)
        latestTimestamp = Swift.max(latestTimestamp, timestamp)
        if pending[lane].count >= limits.frames || pending[lane].byteCount >= limits.bytes {
            if let o = flush(lane: lane) { out.append(o) }
        }
        return out
    }

    /// Closes `lane`'s open batch; nil when it holds no frames.
    public mutating func flush(lane: Int) -> Output? {
        guard !pending[lane].isEmpty else { return nil }
        let batch = pending[lane]
        pending[lane] = FrameBatch(captureID: captureID)
        return Output(lane: lane, envelope: producers[lane].envelope(batch))
    }

    /// Closes every lane's open batch, in lane order.
    public mutating func flushAll() -> [Output] {
        (0 ..< laneCount).compactMap { flush(lane: $0) }
    }

    /// The capture's start marker on every lane: a watermark through frame
    /// 0. A decoder joins a capture only at its start, so one restarted
    /// mid-capture waits for the sensor to send the capture again from here.
    public mutating func start(live: Bool = false) -> [Output] {
        let mark = Watermark(captureID: captureID, throughFrame: 0,
                             packetTime: live ? Watermark.liveStart : Watermark.fileStart)
        return (0 ..< laneCount).map { Output(lane: $0, envelope: producers[$0].envelope(mark)) }
    }

    /// A time tick: flushes every lane, then tells every lane — also those
    /// that got no frames — that all frames through `lastFrame` have been
    /// sent, at packet time `latestTimestamp` (or `time`, a live sensor's
    /// clock, when later). The flush comes first because
    /// a watermark promises that nothing at or below it is still held.
    /// Nothing is emitted before the first frame.
    public mutating func watermark(at time: Int64? = nil) -> [Output] {
        guard lastFrame > 0 else { return [] }
        var out = flushAll()
        let mark = Watermark(captureID: captureID, throughFrame: lastFrame,
                             packetTime: Swift.max(latestTimestamp, time ?? .min))
        for lane in 0 ..< laneCount {
            out.append(Output(lane: lane, envelope: producers[lane].envelope(mark)))
        }
        return out
    }

    /// End of the capture: flushes every lane, then sends every lane the end
    /// marker with `frameCount` (frames 1…frameCount were read; defaults to
    /// the highest frame number appended).
    public mutating func finish(frameCount: UInt64? = nil, outcome: EndOfCapture.Outcome = .complete,
                                reason: String = "") -> [Output] {
        var out = flushAll()
        let end = EndOfCapture(captureID: captureID, frameCount: frameCount ?? lastFrame, outcome: outcome,
                               reason: reason)
        for lane in 0 ..< laneCount {
            out.append(Output(lane: lane, envelope: producers[lane].envelope(end)))
        }
        return out
    }
}
