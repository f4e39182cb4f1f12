import Dissection
import Foundation

/// `frames.v1`: captured frames of one capture, in one contiguous payload
/// that is also this value's storage — encoding returns it as is, and
/// decoding indexes it without copying frame bytes.
///
/// Payload, little-endian: the capture id (UInt64), then per frame a
/// 28-byte record header followed by the captured bytes:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | frame number (UInt64), 1-based in its capture |
/// | 8 | 8 | timestamp, ns since the Unix epoch, UTC (Int64) |
/// | 16 | 4 | captured length n (UInt32) |
/// | 20 | 4 | wire length (UInt32), as recorded (may be below n in broken files) |
/// | 24 | 4 | linktype (LINKTYPE_* value, UInt32) |
/// | 28 | n | captured bytes |
///
/// The header's item count is the number of frames.
public struct FrameBatch: WireMessage, RandomAccessCollection {
    public static let type = MessageType(validated: "frames.v1")
    static let recordHeaderSize = 28

    /// One frame of a batch; `bytes` shares the batch's storage.
    public struct Frame: Hashable, Sendable {
        public var number: UInt64
        public var timestamp: Int64
        public var wireLength: Int
        public var linkType: LinkType
        public var bytes: ArraySlice<UInt8>
        public var capturedLength: Int { bytes.count }
    }

    private struct Record: Hashable, Sendable {
        var number: UInt64
        var timestamp: Int64
        var wireLength: UInt32
        var linkType: UInt32
        var bytes: Range<Int>
    }

    public let captureID: UInt64
    private var payload: [UInt8]
    private var records: [Record] = []

    public init(captureID: UInt64, reservingCapacity bytes: Int = 0) {
        self.captureID = captureID
        var w = WireWriter(capacity: Swift.max(bytes, 8))
        w.uint64(captureID)
        payload = w.bytes
    }

    /// Payload bytes so far: what the batch costs on the wire.
    public var byteCount: Int { payload.count }

    /// Appends a frame. Captured bytes beyond UInt32.max (impossible from
    /// libpcap) are cut; the wire length is clamped to UInt32.
    public mutating func append(number: UInt64, timestamp: Int64, wireLength: Int, linkType: LinkType,
                                bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { raw in
            let captured = UnsafeRawBufferPointer(rebasing: raw.prefix(Int(UInt32.max)))
            Self.append(number, to: &payload)
            Self.append(UInt64(bitPattern: timestamp), to: &payload)
            Self.append(UInt32(truncatingIfNeeded: captured.count), to: &payload)
            Self.append(UInt32(clamping: wireLength), to: &payload)
            Self.append(linkType.rawValue, to: &payload)
            let start = payload.count
            payload.append(contentsOf: captured)
            records.append(Record(number: number, timestamp: timestamp, wireLength: UInt32(clamping: wireLength),
                                  linkType: linkType.rawValue, bytes: start ..< payload.count))
        }
    }

    /// Appends every frame of another batch of the same capture, copying
    /// its payload once.
    public mutating func append(contentsOf other: FrameBatch) {
        precondition(other.captureID == captureID, "frames of capture \(other.captureID) added to capture \(captureID)")
        let shift = payload.count - 8
        payload.append(contentsOf: other.payload[8...])
        for var record in other.records {
            record.bytes = record.bytes.lowerBound + shift ..< record.bytes.upperBound + shift
            records.append(record)
        }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var rest = value
        for _ in 0 ..< MemoryLayout<T>.size {
            bytes.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { records.count }

    public subscript(position: Int) -> Frame {
        let r = records[position]
        return Frame(number: r.number, timestamp: r.timestamp, wireLength: Int(r.wireLength),
                     linkType: LinkType(rawValue: r.linkType), bytes: payload[r.bytes])
    }

    public var itemCount: UInt32 { UInt32(truncatingIfNeeded: records.count) }

    public func encodePayload() -> [UInt8] { payload }

    public init(payload: [UInt8], itemCount: UInt32, limits: WireLimits = .default) throws(WireError) {
        var r = WireReader(payload, context: "frames.v1")
        guard itemCount <= limits.framesPerBatch else {
            throw r.error(.limitExceeded, "\(itemCount) frames; limit \(limits.framesPerBatch)")
        }
        captureID = try r.uint64("capture id")
        // Never reserve more than the bytes present could hold.
        records.reserveCapacity(Swift.min(Int(itemCount), r.remaining / Self.recordHeaderSize))
        for i in 0 ..< Int(itemCount) {
            let number = try r.uint64("frame \(i) number")
            let timestamp = try r.int64("frame \(i) timestamp")
            let captured = try r.uint32("frame \(i) captured length")
            let wire = try r.uint32("frame \(i) wire length")
            let linkType = try r.uint32("frame \(i) linktype")
            guard captured <= limits.capturedLength else {
                throw r.error(.limitExceeded, "frame \(i) captured length \(captured); limit \(limits.capturedLength)")
            }
            let start = r.position
            _ = try r.slice(Int(captured), "frame \(i) bytes")
            records.append(Record(number: number, timestamp: timestamp, wireLength: wire, linkType: linkType,
                                  bytes: start ..< r.position))
        }
        try r.expectEnd()
        self.payload = payload
    }

    public static func == (a: FrameBatch, b: FrameBatch) -> Bool { a.payload == b.payload }
    public func hash(into hasher: inout Hasher) { hasher.combine(payload) }
}
