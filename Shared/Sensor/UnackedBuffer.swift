import Foundation
import Wire

/// Keeps what each lane sent until storage's `ack.v1` covers it, so it can
/// be re-sent after a reconnect (a restarted decoder lost whatever it held).
///
/// Live capture keeps what it sent here (a file sensor reads the file again
/// instead). Bounded per lane by envelope count and bytes: beyond, the
/// oldest envelopes are dropped from the buffer and counted — they were
/// sent, but cannot be re-sent if their decoder is lost.
///
/// A plain value; the caller owns the locking and the sockets.
public struct UnackedBuffer {
    public struct Limits: Sendable {
        /// Envelopes kept per lane. Storage acks once a batch commits (tens
        /// of ms); 1,024 batches of ≤ 1,024 frames is seconds of traffic.
        public var envelopes = 1_024
        /// Bytes kept per lane. 256 MiB × lanes bounds the sensor's memory
        /// while covering a storage commit stall of a second or more at
        /// 150 MB/s.
        public var bytes = 256 << 20
        public init(envelopes: Int = 1_024, bytes: Int = 256 << 20) {
            self.envelopes = Swift.max(1, envelopes)
            self.bytes = Swift.max(1, bytes)
        }
    }

    /// Per-lane counters, for logs and metrics.
    public struct Counters: Equatable, Sendable {
        /// Envelopes recorded as sent.
        public var kept = 0
        /// Envelopes released by acks.
        public var acknowledged = 0
        /// Envelopes (and the frames in them) evicted unacknowledged.
        public var evicted = 0
        public var evictedItems: UInt64 = 0
    }

    private struct Lane {
        var producer: UUID
        var entries: [Envelope] = []   // ascending sequence
        var head = 0                   // entries[..<head] are gone
        var lastSequence: UInt64 = 0   // highest ever recorded
        var bytes = 0
        var counters = Counters()
        var count: Int { entries.count - head }
        mutating func compact() {
            if head > 64 && head * 2 > entries.count {
                entries.removeFirst(head)
                head = 0
            }
        }
    }

    public let limits: Limits
    private var lanes: [Lane]
    private var laneOfProducer: [UUID: Int]
    /// Acks naming a producer that is not one of the lanes.
    public private(set) var unknownProducerAcks = 0

    /// One lane per producer id, in lane order.
    public init(producers: [UUID], limits: Limits = Limits()) {
        self.limits = limits
        lanes = producers.map { Lane(producer: $0) }
        laneOfProducer = Dictionary(producers.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var laneCount: Int { lanes.count }

    /// What an envelope costs in the buffer: all its frames' bytes.
    public static func size(of envelope: Envelope) -> Int {
        envelope.type.name.utf8.count + MessageHeader.size + envelope.payload.reduce(0) { $0 + $1.count }
    }

    private func isOverLimit(_ lane: Int) -> Bool {
        lanes[lane].count > limits.envelopes || lanes[lane].bytes > limits.bytes
    }

    public func count(lane: Int) -> Int { lanes[lane].count }
    public func bytes(lane: Int) -> Int { lanes[lane].bytes }
    public func counters(lane: Int) -> Counters { lanes[lane].counters }

    /// Records an envelope just sent on `lane`, evicting the oldest beyond
    /// the limits (never the one just added). Sequence numbers must rise (a
    /// `Producer` guarantees it); an envelope not above the highest ever
    /// recorded is a re-send — still kept, or already acknowledged — and is
    /// not kept again.
    public mutating func record(_ envelope: Envelope, lane: Int) {
        guard envelope.header.sequence > lanes[lane].lastSequence else { return }
        lanes[lane].lastSequence = envelope.header.sequence
        lanes[lane].entries.append(envelope)
        lanes[lane].bytes += Self.size(of: envelope)
        lanes[lane].counters.kept += 1
        while lanes[lane].count > 1 && isOverLimit(lane) {
            let old = lanes[lane].entries[lanes[lane].head]
            lanes[lane].head += 1
            lanes[lane].bytes -= Self.size(of: old)
            lanes[lane].counters.evicted += 1
            lanes[lane].counters.evictedItems += UInt64(old.header.itemCount)
        }
        lanes[lane].compact()
    }

    /// Releases every kept envelope of the ack's producer whose sequence it
    /// covers; returns the lane and how many were released (nil lane for an
    /// unknown producer).
    @discardableResult
    public mutating func acknowledge(_ ack: Ack) -> (lane: Int?, released: Int) {
        guard let index = laneOfProducer[ack.producer] else {
            unknownProducerAcks += 1
            return (nil, 0)
        }
        var lane = lanes[index]
        let ranges = ack.ranges
        var kept: [Envelope] = []
        kept.reserveCapacity(lane.count)
        var released = 0
        var r = 0
        // Both lists ascend: one merge walk.
        for envelope in lane.entries[lane.head...] {
            let sequence = envelope.header.sequence
            while r < ranges.count && ranges[r].upperBound < sequence { r += 1 }
            if r < ranges.count && ranges[r].contains(sequence) {
                released += 1
                lane.bytes -= Self.size(of: envelope)
            } else {
                kept.append(envelope)
            }
        }
        if released > 0 {
            lane.entries = kept
            lane.head = 0
            lane.counters.acknowledged += released
        }
        lanes[index] = lane
        return (index, released)
    }

    /// What to send again on `lane` after a reconnect: every kept envelope,
    /// ascending by sequence number, unchanged (same producer and sequence,
    /// so the receiver treats a duplicate as a no-op).
    public func resend(lane: Int) -> [Envelope] {
        Array(lanes[lane].entries[lanes[lane].head...])
    }

    /// The lowest unacknowledged sequence kept on `lane`.
    public func oldestSequence(lane: Int) -> UInt64? {
        lanes[lane].count > 0 ? lanes[lane].entries[lanes[lane].head].header.sequence : nil
    }
}
