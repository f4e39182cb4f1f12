import Foundation

/// A message type: its type frame, and its one payload frame both ways.
public protocol WireMessage: Hashable, Sendable {
    static var type: MessageType { get }
    /// The header's item count for this value.
    var itemCount: UInt32 { get }
    func encodePayload() -> [UInt8]
    /// Decodes a payload whose header announced `itemCount` items; the count
    /// is checked against the payload, never trusted.
    init(payload: [UInt8], itemCount: UInt32, limits: WireLimits) throws(WireError)
}

extension WireMessage {
    public func envelope(producer: UUID, sequence: UInt64) -> Envelope {
        Envelope(type: Self.type,
                 header: MessageHeader(producer: producer, sequence: sequence, itemCount: itemCount),
                 payload: [encodePayload()])
    }

    public init(_ envelope: Envelope, limits: WireLimits = .default) throws(WireError) {
        guard envelope.type == Self.type else {
            throw WireError(.unexpectedType, "expected \(Self.type), got \(envelope.type)")
        }
        guard envelope.payload.count == 1 else {
            throw WireError(.frameCount, "\(Self.type) has one payload frame, got \(envelope.payload.count)")
        }
        try self.init(payload: envelope.payload[0], itemCount: envelope.header.itemCount, limits: limits)
    }
}

/// Every v1 message type; decoding an envelope dispatches on its type frame.
public enum Message: Hashable, Sendable {
    case frames(FrameBatch)
    case watermark(Watermark)
    case end(EndOfCapture)
    case ack(Ack)
    case records(RecordsMessage)
    case control(ControlMessage)
    case query(QueryMessage)
    case read(PacketReadMessage)

    public static let types: [MessageType] = [FrameBatch.type, Watermark.type, EndOfCapture.type, Ack.type,
                                              RecordsMessage.type, ControlMessage.type, QueryMessage.type,
                                              PacketReadMessage.type]

    public init(_ envelope: Envelope, limits: WireLimits = .default) throws(WireError) {
        switch envelope.type {
        case FrameBatch.type: self = .frames(try FrameBatch(envelope, limits: limits))
        case Watermark.type: self = .watermark(try Watermark(envelope, limits: limits))
        case EndOfCapture.type: self = .end(try EndOfCapture(envelope, limits: limits))
        case Ack.type: self = .ack(try Ack(envelope, limits: limits))
        case RecordsMessage.type: self = .records(try RecordsMessage(envelope, limits: limits))
        case ControlMessage.type: self = .control(try ControlMessage(envelope, limits: limits))
        case QueryMessage.type: self = .query(try QueryMessage(envelope, limits: limits))
        case PacketReadMessage.type: self = .read(try PacketReadMessage(envelope, limits: limits))
        default: throw WireError(.unknownType, "type \(envelope.type)")
        }
    }

    public func envelope(producer: UUID, sequence: UInt64) -> Envelope {
        switch self {
        case .frames(let m): m.envelope(producer: producer, sequence: sequence)
        case .watermark(let m): m.envelope(producer: producer, sequence: sequence)
        case .end(let m): m.envelope(producer: producer, sequence: sequence)
        case .ack(let m): m.envelope(producer: producer, sequence: sequence)
        case .records(let m): m.envelope(producer: producer, sequence: sequence)
        case .control(let m): m.envelope(producer: producer, sequence: sequence)
        case .query(let m): m.envelope(producer: producer, sequence: sequence)
        case .read(let m): m.envelope(producer: producer, sequence: sequence)
        }
    }
}

/// A producer's identity and its next sequence number: stamps each
/// outgoing message with (producer, sequence), contiguous from 1.
public struct Producer: Sendable {
    public let id: UUID
    public private(set) var nextSequence: UInt64

    public init(id: UUID = UUID(), nextSequence: UInt64 = 1) {
        self.id = id
        self.nextSequence = nextSequence
    }

    public mutating func envelope(_ message: some WireMessage) -> Envelope {
        defer { nextSequence &+= 1 }
        return message.envelope(producer: id, sequence: nextSequence)
    }
}
