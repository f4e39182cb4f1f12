import Foundation

/// The name in a message's first frame: lower-case ASCII letters, digits,
/// `.`, `-`, `_`, ending in its version (`frames.v1`). SUB sockets filter on it.
public struct MessageType: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    /// Nil unless `name` is 1–64 bytes of `[a-z0-9._-]`.
    public init?(_ name: String) {
        guard Self.isValid(Array(name.utf8), limit: WireLimits.default.typeNameLength) else { return nil }
        self.name = name
    }

    init(validated name: String) { self.name = name }

    static func isValid(_ bytes: [UInt8], limit: Int) -> Bool {
        !bytes.isEmpty && bytes.count <= limit && bytes.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x5F
        }
    }

    public var description: String { name }
    public var frame: [UInt8] { Array(name.utf8) }
}

/// The fixed header frame every message carries, version 1: 32 bytes.
///
/// | offset | size | field                                   |
/// |--------|------|-----------------------------------------|
/// | 0      | 1    | header version (1)                      |
/// | 1      | 3    | reserved, zero                          |
/// | 4      | 16   | producer id (UUID, RFC 4122 byte order) |
/// | 20     | 8    | sequence number (UInt64 LE)             |
/// | 28     | 4    | item count (UInt32 LE)                  |
public struct MessageHeader: Hashable, Sendable {
    public static let version: UInt8 = 1
    public static let size = 32

    /// One producer instance: a process run (or one lane of it). A
    /// restarted process is a new producer.
    public var producer: UUID
    /// Contiguous per producer from 1; a re-sent message keeps its number.
    public var sequence: UInt64
    /// Items in the payload (frames in a batch, ranges in an ack, ...).
    public var itemCount: UInt32

    public init(producer: UUID, sequence: UInt64, itemCount: UInt32) {
        self.producer = producer
        self.sequence = sequence
        self.itemCount = itemCount
    }

    public func encode() -> [UInt8] {
        var w = WireWriter(capacity: Self.size)
        w.uint8(Self.version)
        w.zeros(3)
        w.uuid(producer)
        w.uint64(sequence)
        w.uint32(itemCount)
        return w.bytes
    }

    public init(decoding frame: [UInt8]) throws(WireError) {
        var r = WireReader(frame, context: "header")
        let version = try r.uint8("version")
        guard version == Self.version else { throw r.error(.unsupportedVersion, "version \(version)") }
        try r.reserved(3, "bytes 1-3")
        producer = try r.uuid("producer id")
        sequence = try r.uint64("sequence number")
        itemCount = try r.uint32("item count")
        try r.expectEnd()
    }
}

/// One message as it travels: type frame, header frame, payload frames.
public struct Envelope: Hashable, Sendable {
    public var type: MessageType
    public var header: MessageHeader
    public var payload: [[UInt8]]

    public init(type: MessageType, header: MessageHeader, payload: [[UInt8]]) {
        self.type = type
        self.header = header
        self.payload = payload
    }

    /// The ZeroMQ frames to send.
    public var frames: [[UInt8]] { [type.frame, header.encode()] + payload }

    /// Checks the frame count, the type name's form and the header; the
    /// payload is left to the type's decoder.
    public init(frames: [[UInt8]], limits: WireLimits = .default) throws(WireError) {
        guard frames.count >= 3 else {
            throw WireError(.frameCount, "message has \(frames.count) frames; needs type, header and payload")
        }
        guard frames.count - 2 <= limits.payloadFrames else {
            throw WireError(.limitExceeded, "message has \(frames.count - 2) payload frames; limit \(limits.payloadFrames)")
        }
        let typeFrame = frames[0]
        guard typeFrame.count <= limits.typeNameLength else {
            throw WireError(.limitExceeded, "type frame of \(typeFrame.count) bytes; limit \(limits.typeNameLength)")
        }
        guard MessageType.isValid(typeFrame, limit: limits.typeNameLength) else {
            throw WireError(.invalidValue, "type frame is not a type name")
        }
        for (i, frame) in frames.dropFirst(2).enumerated() where frame.count > limits.payloadBytes {
            throw WireError(.limitExceeded, "payload frame \(i) of \(frame.count) bytes; limit \(limits.payloadBytes)")
        }
        type = MessageType(validated: String(decoding: typeFrame, as: UTF8.self))
        header = try MessageHeader(decoding: frames[1])
        payload = Array(frames.dropFirst(2))
    }
}
