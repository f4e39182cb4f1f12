/// `read.v1`: the gateway asks storage for frames by their pcap store
/// positions (which search gave it), over DEALER → ROUTER. The header's
/// producer is the asker, its sequence the request number, repeated in the
/// reply. Payload, little-endian:
///
/// | field | size |
/// |---|---|
/// | kind: 0 read, 1 records | 1 |
/// | count n | 4 |
/// | read: segment table (`SegmentTable`), n × (segment index u32, offset u64, record length u32) | |
/// | records: unreadable m u32, m × (index u32, reason length u16, reason), then n − m pcap records to the end | |
///
/// A reply's records are the frames as the store holds them, the nanosecond
/// pcap record (seconds u32, nanoseconds u32, captured length u32, wire
/// length u32, captured bytes) a pcap export writes as is. A reply lists
/// the frames in the order asked; it may stop early when its bytes reach
/// `replyBudget`, and the asker asks again for the rest. Item count = n.
public struct PacketReadMessage: WireMessage {
    public static let type = MessageType(validated: "read.v1")
    /// Bytes of frames one reply carries at most (one frame always fits).
    public static let replyBudget = 16 << 20
    /// Bytes of a pcap record header.
    public static let recordHeaderLength = 16
    static let readPositionBytes = 16

    /// One frame, copied out of a reply (PACKET objects).
    public enum StoredFrame: Hashable, Sendable {
        case frame(timestamp: Int64, wireLength: UInt32, bytes: [UInt8])
        case unreadable(reason: String)
    }

    public enum Body: Hashable, Sendable {
        case read([QueryMessage.StoredPosition])
        case records(StoredRecords)
    }

    public var body: Body

    public init(_ body: Body) { self.body = body }

    public var itemCount: UInt32 {
        switch body {
        case .read(let list): UInt32(clamping: list.count)
        case .records(let records): UInt32(clamping: records.count)
        }
    }

    public func encodePayload() -> [UInt8] {
        switch body {
        case .read(let positions):
            let (table, segments) = SegmentTable.indexing(positions.lazy.map(\.segment))
            var w = WireWriter(capacity: 9 + table.paths.count * 80 + positions.count * Self.readPositionBytes)
            w.uint8(0)
            w.uint32(UInt32(clamping: positions.count))
            table.write(to: &w)
            for (position, segment) in zip(positions, segments) {
                w.uint32(segment)
                w.uint64(position.offset)
                w.uint32(position.length)
            }
            return w.bytes
        case .records(let records):
            let reasons = records.unreadable.map { Array($0.reason.utf8) }
            var w = WireWriter(capacity: 9 + reasons.reduce(0) { $0 + 6 + $1.count } + records.bytes.count)
            w.uint8(1)
            w.uint32(UInt32(clamping: records.count))
            w.uint32(UInt32(clamping: records.unreadable.count))
            for (entry, reason) in zip(records.unreadable, reasons) {
                w.uint32(UInt32(clamping: entry.index))
                w.uint16(UInt16(clamping: reason.count))
                w.append(reason)
            }
            w.append(records.bytes)
            return w.bytes
        }
    }

    public init(payload: [UInt8], itemCount: UInt32, limits: WireLimits = .default) throws(WireError) {
        var r = WireReader(payload, context: "read.v1")
        let kind = try r.uint8("kind")
        let count = try r.uint32("count")
        guard count == itemCount else { throw r.error(.invalidValue, "count \(count), header says \(itemCount)") }
        guard count <= limits.framesPerBatch else {
            throw r.error(.limitExceeded, "\(count) items; limit \(limits.framesPerBatch)")
        }
        switch kind {
        case 0:
            let paths = try SegmentTable.read(&r, limit: Int(count))
            guard r.remaining == Int(count) * Self.readPositionBytes else {
                throw r.error(r.remaining < Int(count) * Self.readPositionBytes ? .truncated : .trailingBytes,
                              "\(r.remaining) bytes for \(count) positions")
            }
            var check = SegmentTable.IndexCheck(count: paths.count)
            var positions: [QueryMessage.StoredPosition] = []
            positions.reserveCapacity(Int(count))
            for _ in 0 ..< count {
                let segment = try check.check(try r.uint32("segment"), r)
                positions.append(QueryMessage.StoredPosition(segment: paths[segment], offset: try r.uint64("offset"),
                                                             length: try r.uint32("record length")))
            }
            try check.finish(r)
            body = .read(positions)
        case 1:
            body = .records(try StoredRecords(&r, count: Int(count), limits: limits))
        default:
            throw r.error(.invalidValue, "kind \(kind)")
        }
        try r.expectEnd()
    }
}

/// Frames as storage answers a read: those it read as pcap records in the
/// order asked, and those it could not read with the reason.
public struct StoredRecords: Hashable, Sendable {
    public struct Unreadable: Hashable, Sendable {
        /// Among the frames answered.
        public var index: Int
        public private(set) var reason: String

        /// `reason` is cut to `maxReasonLength` UTF-8 bytes at a character boundary.
        public init(index: Int, reason: String) {
            self.index = index
            var reason = reason
            while reason.utf8.count > StoredRecords.maxReasonLength { reason.removeLast() }
            self.reason = reason
        }
    }

    /// UTF-8 bytes of an unreadable frame's reason.
    public static let maxReasonLength = 4_096

    /// Frames answered, read or not: the first `count` asked.
    public let count: Int
    /// Ascending by index.
    public let unreadable: [Unreadable]
    /// The pcap records of the frames read, in order.
    public let bytes: ArraySlice<UInt8>

    /// Storage's answer: `bytes` holds `count − unreadable.count` whole
    /// records, `unreadable` is ascending (what storage's reader makes).
    public init(count: Int, unreadable: [Unreadable], bytes: ArraySlice<UInt8>) {
        self.count = count
        self.unreadable = unreadable
        self.bytes = bytes
    }

    /// Reads the unreadable list and the records after it, to the end of the
    /// payload, walking every record header: no record is trusted unseen.
    init(_ r: inout WireReader, count: Int, limits: WireLimits) throws(WireError) {
        let failed = Int(try r.uint32("unreadable count"))
        guard failed <= count else { throw r.error(.invalidValue, "\(failed) unreadable of \(count)") }
        var unreadable: [Unreadable] = []
        unreadable.reserveCapacity(failed)
        for _ in 0 ..< failed {
            let index = Int(try r.uint32("unreadable index"))
            let previous = unreadable.last?.index ?? -1
            guard previous < index && index < count else {
                throw r.error(.invalidValue, "unreadable index \(index) (ascending, below \(count))")
            }
            let length = Int(try r.uint16("reason length"))
            guard length <= Self.maxReasonLength else {
                throw r.error(.limitExceeded, "reason of \(length) bytes; limit \(Self.maxReasonLength)")
            }
            guard let reason = String(validating: try r.slice(length, "reason"), as: UTF8.self) else {
                throw r.error(.invalidValue, "reason (not UTF-8)")
            }
            unreadable.append(Unreadable(index: index, reason: reason))
        }
        let bytes = try r.slice(r.remaining, "records")
        var cursor = RecordCursor(bytes)
        for n in 0 ..< count - failed {
            switch cursor.next(capturedLimit: limits.capturedLength) {
            case .record: continue
            case .end: throw r.error(.truncated, "record \(n) of \(count - failed)")
            case .truncated(let why): throw r.error(.truncated, "record \(n): \(why)")
            case .malformed(let why): throw r.error(.invalidValue, "record \(n): \(why)")
            }
        }
        guard case .end = cursor.next(capturedLimit: limits.capturedLength) else {
            throw r.error(.trailingBytes, "bytes after record \(count - failed)")
        }
        self.count = count
        self.unreadable = unreadable
        self.bytes = bytes
    }

    /// Calls `body` with each record read, in order: its time (ns since the
    /// epoch), wire length and captured bytes.
    public func forEachRecord<E: Error>(
        _ body: (_ timestamp: Int64, _ wireLength: UInt32, _ frame: ArraySlice<UInt8>) throws(E) -> Void
    ) throws(E) {
        var cursor = RecordCursor(bytes)
        while case .record(let timestamp, let wireLength, let frame) = cursor.next(capturedLimit: .max) {
            try body(timestamp, wireLength, frame)
        }
    }

    /// Every frame answered, in order, its bytes copied (a page of PACKET objects).
    public var frames: [PacketReadMessage.StoredFrame] {
        var frames: [PacketReadMessage.StoredFrame] = []
        frames.reserveCapacity(count)
        var failed = unreadable.makeIterator()
        var nextFailed = failed.next()
        forEachRecord { timestamp, wireLength, frame in
            while let entry = nextFailed, entry.index == frames.count {
                frames.append(.unreadable(reason: entry.reason))
                nextFailed = failed.next()
            }
            frames.append(.frame(timestamp: timestamp, wireLength: wireLength, bytes: Array(frame)))
        }
        while let entry = nextFailed {
            frames.append(.unreadable(reason: entry.reason))
            nextFailed = failed.next()
        }
        return frames
    }
}

/// Walks concatenated pcap records (nanosecond, little-endian), checking
/// each header against the bytes left.
struct RecordCursor {
    enum Step {
        case record(timestamp: Int64, wireLength: UInt32, frame: ArraySlice<UInt8>)
        case end
        case truncated(String)
        case malformed(String)
    }

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    mutating func next(capturedLimit: Int) -> Step {
        let left = bytes.endIndex - position
        guard left > 0 else { return .end }
        guard left >= PacketReadMessage.recordHeaderLength else { return .truncated("\(left) bytes of a record header") }
        let seconds = field(0), nanoseconds = field(4), captured = Int(field(8)), wireLength = field(12)
        guard nanoseconds < 1_000_000_000 else { return .malformed("nanoseconds \(nanoseconds)") }
        guard captured <= capturedLimit else { return .malformed("\(captured) captured bytes; limit \(capturedLimit)") }
        let start = position + PacketReadMessage.recordHeaderLength
        guard captured <= bytes.endIndex - start else { return .truncated("\(captured) captured bytes, \(bytes.endIndex - start) left") }
        position = start + captured
        return .record(timestamp: Int64(seconds) * 1_000_000_000 + Int64(nanoseconds), wireLength: wireLength,
                       frame: bytes[start ..< position])
    }

    /// The little-endian UInt32 at `offset` in the current header (checked by the caller).
    private func field(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.withUnsafeBytes { raw in
            raw.loadUnaligned(fromByteOffset: position - bytes.startIndex + offset, as: UInt32.self)
        })
    }
}
