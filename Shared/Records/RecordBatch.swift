import Foundation

/// A run of one producer's sequence numbers, inclusive at both ends.
public struct SequenceRange: Hashable, Sendable {
    public var producer: UUID
    public var first: UInt64
    public var last: UInt64

    public init(producer: UUID, first: UInt64, last: UInt64) {
        self.producer = producer
        self.first = first
        self.last = last
    }
}

/// What a decoder sends storage in one message: packet rows, flow reports
/// and application-layer events, named by the decoder's (producer, sequence) so storage can tell a
/// re-sent batch from a new one, and listing the sensor sequence ranges the
/// rows were derived from so storage acknowledges them only once committed.
public struct RecordBatch: Hashable, Sendable {
    /// The decoder instance; a restarted decoder is a new producer.
    public var producer: UUID
    public var sequence: UInt64
    /// Sensor (producer, sequence) ranges covered.
    public var covers: [SequenceRange]
    public var packets: [PacketRecord]
    /// In report order: a flow reported twice in one batch appears twice,
    /// the later report last.
    public var flows: [FlowRecord]
    /// Captures whose end marker this batch passes on, after its records.
    public var ends: [CaptureEnd]
    /// Frames of earlier batches that joined a flow later (the fragments of
    /// a datagram, once it completed or was given up).
    public var links: [FlowLink]
    /// Application-layer transactions completed by the batch's frames (or
    /// by its flows' ends), in the order they completed.
    public var events: [EventRecord]

    public init(producer: UUID, sequence: UInt64, covers: [SequenceRange] = [],
                packets: [PacketRecord] = [], flows: [FlowRecord] = [], ends: [CaptureEnd] = [],
                links: [FlowLink] = [], events: [EventRecord] = []) {
        self.producer = producer
        self.sequence = sequence
        self.covers = covers
        self.packets = packets
        self.flows = flows
        self.ends = ends
        self.links = links
        self.events = events
    }
}

/// A stored frame that belongs to a flow after all.
public struct FlowLink: Hashable, Sendable {
    public var captureID: UInt64
    public var frame: UInt64
    public var flowKey: UInt64

    public init(captureID: UInt64, frame: UInt64, flowKey: UInt64) {
        self.captureID = captureID
        self.frame = frame
        self.flowKey = flowKey
    }
}
