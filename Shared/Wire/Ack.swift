import Foundation

/// `ack.v1`: the receiver has durably committed these sequence numbers of
/// `producer` (not the header's producer, which is the acknowledger).
/// Payload (16 + 16 × ranges bytes, little-endian); the header's item count
/// is the number of ranges:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 16 | acknowledged producer id (UUID, RFC 4122 byte order) |
/// | 16 + 16i | 8 | range i: first sequence (UInt64) |
/// | 24 + 16i | 8 | range i: last sequence, inclusive (UInt64) |
///
/// Ranges are ascending and disjoint: first ≤ last, and each first is
/// greater than the previous last.
public struct Ack: WireMessage {
    public static let type = MessageType(validated: "ack.v1")

    public var producer: UUID
    public private(set) var ranges: [ClosedRange<UInt64>]

    /// Sorts and merges overlapping or adjacent ranges.
    public init(producer: UUID, ranges: [ClosedRange<UInt64>]) {
        self.producer = producer
        var merged: [ClosedRange<UInt64>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound || range.lowerBound == last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound ... max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    /// Everything from 1 through `sequence`.
    public init(producer: UUID, through sequence: UInt64) {
        self.init(producer: producer, ranges: sequence == 0 ? [] : [1 ... sequence])
    }

    public func contains(_ sequence: UInt64) -> Bool { ranges.contains { $0.contains(sequence) } }

    public var itemCount: UInt32 { UInt32(truncatingIfNeeded: ranges.count) }

    public func encodePayload() -> [UInt8] {
        var w = WireWriter(capacity: 16 + 16 * ranges.count)
        w.uuid(producer)
        for range in ranges {
            w.uint64(range.lowerBound)
            w.uint64(range.upperBound)
        }
        return w.bytes
    }

    public init(payload: [UInt8], itemCount: UInt32, limits: WireLimits = .default) throws(WireError) {
        var r = WireReader(payload, context: "ack.v1")
        guard itemCount <= limits.ackRanges else {
            throw r.error(.limitExceeded, "\(itemCount) ranges; limit \(limits.ackRanges)")
        }
        producer = try r.uuid("producer id")
        guard r.remaining == Int(itemCount) * 16 else {
            throw r.error(r.remaining < Int(itemCount) * 16 ? .truncated : .trailingBytes,
                          "\(r.remaining) bytes for \(itemCount) ranges")
        }
        var ranges: [ClosedRange<UInt64>] = []
        ranges.reserveCapacity(Int(itemCount))
        for i in 0 ..< Int(itemCount) {
            let first = try r.uint64("range \(i) first")
            let last = try r.uint64("range \(i) last")
            guard first <= last else { throw r.error(.invalidValue, "range \(i) first \(first) > last \(last)") }
            if let previous = ranges.last, first <= previous.upperBound {
                throw r.error(.invalidValue, "range \(i) starts at \(first), not after \(previous.upperBound)")
            }
            ranges.append(first ... last)
        }
        self.ranges = ranges
        try r.expectEnd()
    }
}
