/// `read.v1`: the gateway asks storage for frames by their pcap store
/// positions (which search gave it), over DEALER → ROUTER. The header's
/// producer is the asker, its sequence the request number, repeated in the
/// reply. Payload, little-endian:
///
/// | field | size |
/// |---|---|
/// | kind: 0 read, 1 frames | 1 |
/// | count n | 4 |
/// | read: n × (path length u16, path UTF-8, offset u64, record length u32) | |
/// | frames: n × (status u8; 0: time i64, wire length u32, captured length u32, bytes; 1: reason length u16, reason) | |
///
/// A reply lists the frames in the order asked; it may stop early when its
/// bytes reach `replyBudget`, and the asker asks again for the rest.
/// Item count = n.
public struct PacketReadMessage: WireMessage {
    public static let type = MessageType(validated: "read.v1")
    /// Bytes of frames one reply carries at most (one frame always fits).
    public static let replyBudget = 16 << 20
    static let maxPathLength = 1_024

    public enum StoredFrame: Hashable, Sendable {
        case frame(timestamp: Int64, wireLength: UInt32, bytes: [UInt8])
        case unreadable(reason: String)
    }

    public enum Body: Hashable, Sendable {
        case read([QueryMessage.StoredPosition])
        case frames([StoredFrame])
    }

    public var body: Body

    public init(_ body: Body) { self.body = body }

    public var itemCount: UInt32 {
        switch body {
        case .read(let list): UInt32(clamping: list.count)
        case .frames(let list): UInt32(clamping: list.count)
        }
    }

    public func encodePayload() -> [UInt8] {
        var w = WireWriter()
        switch body {
        case .read(let positions):
            w.uint8(0)
            w.uint32(UInt32(clamping: positions.count))
            for position in positions {
                let path = Array(position.segment.utf8.prefix(Self.maxPathLength))
                w.uint16(UInt16(path.count))
                w.append(path)
                w.uint64(position.offset)
                w.uint32(position.length)
            }
        case .frames(let frames):
            w.uint8(1)
            w.uint32(UInt32(clamping: frames.count))
            for frame in frames {
                switch frame {
                case .frame(let timestamp, let wireLength, let bytes):
                    w.uint8(0)
                    w.int64(timestamp)
                    w.uint32(wireLength)
                    w.uint32(UInt32(clamping: bytes.count))
                    w.append(bytes)
                case .unreadable(let reason):
                    let text = Array(reason.utf8.prefix(4_096))
                    w.uint8(1)
                    w.uint16(UInt16(text.count))
                    w.append(text)
                }
            }
        }
        return w.bytes
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
            var positions: [QueryMessage.StoredPosition] = []
            positions.reserveCapacity(Int(count))
            for _ in 0 ..< count {
                let length = Int(try r.uint16("path length"))
                guard length <= Self.maxPathLength else { throw r.error(.limitExceeded, "path of \(length) bytes") }
                let path = String(decoding: try r.slice(length, "path"), as: UTF8.self)
                positions.append(QueryMessage.StoredPosition(segment: path, offset: try r.uint64("offset"),
                                                             length: try r.uint32("record length")))
            }
            body = .read(positions)
        case 1:
            var frames: [StoredFrame] = []
            frames.reserveCapacity(Int(count))
            for _ in 0 ..< count {
                switch try r.uint8("status") {
                case 0:
                    let timestamp = try r.int64("time")
                    let wire = try r.uint32("wire length")
                    let captured = Int(try r.uint32("captured length"))
                    guard captured <= limits.capturedLength else {
                        throw r.error(.limitExceeded, "frame of \(captured) bytes; limit \(limits.capturedLength)")
                    }
                    frames.append(.frame(timestamp: timestamp, wireLength: wire,
                                         bytes: Array(try r.slice(captured, "frame"))))
                case 1:
                    let length = Int(try r.uint16("reason length"))
                    frames.append(.unreadable(reason: String(decoding: try r.slice(length, "reason"), as: UTF8.self)))
                case let status:
                    throw r.error(.invalidValue, "frame status \(status)")
                }
            }
            body = .frames(frames)
        default:
            throw r.error(.invalidValue, "kind \(kind)")
        }
        try r.expectEnd()
    }
}
