import Capture
import Dissection
import Flows
import Foundation
import Protocols
import Records

/// A `DecodeSink` that turns what a `CaptureDecoder` delivers into records
/// and hands them out as batches. Reports come in the decoder's order, so a
/// batch holds each flow report next to the frames that triggered it. With
/// an application feed lent to it, it also collects the application-layer
/// transactions the frames complete.
public struct RecordCollector: DecodeSink {
    public let captureID: UInt64
    public private(set) var packets: [PacketRecord] = []
    public private(set) var flows: [FlowRecord] = []
    public private(set) var events: [EventRecord] = []
    /// The capture's application layer while it decodes into this collector.
    public var application: ApplicationFeed?
    /// Frames of batches already taken that joined a flow since.
    public private(set) var links: [FlowLink] = []

    public init(captureID: UInt64, reservingCapacity capacity: Int = 0) {
        self.captureID = captureID
        packets.reserveCapacity(capacity)
    }

    public mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                                reassembled: [FragmentReassembler.Piece]?) {
        packets.append(PacketRecord(captureID: captureID, frame: frame, packet: packet, flow: flow))
        if let done = application?.packet(frame, packet, flow: flow, reassembled: reassembled), !done.isEmpty {
            collect(done)
        }
    }

    public mutating func flow(_ report: FlowReport) {
        flows.append(FlowRecord(captureID: captureID, report: report))
        if let done = application?.flow(report), !done.isEmpty { collect(done) }
    }

    public mutating func reassembledPayload(_ payload: UnsafeRawBufferPointer) {
        application?.reassembledPayload(payload)
    }

    /// The capture ended: the transactions its application layer still holds.
    public mutating func finishApplication() {
        if let done = application?.finish(), !done.isEmpty { collect(done) }
    }

    private mutating func collect(_ completed: [ApplicationFeed.Completed]) {
        for one in completed { events.append(EventRecord(captureID: captureID, one)) }
    }

    public mutating func attach(frames: [UInt64], to flow: FlowTable.Ref) {
        for frame in frames {
            // Fragments travel close together: most are still in this batch.
            if let index = packets.lastIndex(where: { $0.frameNumber == frame }) {
                packets[index].flowKey = flow.id
            } else {
                links.append(FlowLink(captureID: captureID, frame: frame, flowKey: flow.id))
            }
        }
    }

    public var isEmpty: Bool { packets.isEmpty && flows.isEmpty && links.isEmpty && events.isEmpty }

    /// Everything collected so far as one batch; the collector starts empty again.
    public mutating func takeBatch(producer: UUID, sequence: UInt64, covers: [SequenceRange] = []) -> RecordBatch {
        let batch = RecordBatch(producer: producer, sequence: sequence, covers: covers, packets: packets, flows: flows,
                                links: links, events: events)
        packets.removeAll(keepingCapacity: true)
        flows.removeAll(keepingCapacity: true)
        links.removeAll()
        events.removeAll()
        return batch
    }
}

extension PacketRecord {
    /// The row for one decoded frame. Lengths come from the frame (what
    /// libpcap delivered), layer fields from the dissection.
    public init(captureID: UInt64, frame: Frame, packet: DecodedPacket, flow: FlowTable.Ref?) {
        self.init(captureID: captureID, frameNumber: frame.number, timestamp: frame.timestamp,
                  capturedLength: Int32(truncatingIfNeeded: frame.capturedLength),
                  wireLength: Int32(truncatingIfNeeded: frame.wireLength),
                  linkType: frame.linkType.rawValue, l2Length: packet.l2Length,
                  l3Type: packet.l3Type, l3Offset: packet.l3Offset, l3Length: packet.l3Length,
                  l4Type: packet.hasIP ? packet.l4Type : 0, l4Offset: packet.l4Offset, l4Length: packet.l4Length,
                  l5Offset: packet.l5Offset, l5Length: packet.l5Length,
                  source: packet.hasIP ? packet.source : nil,
                  destination: packet.hasIP ? packet.destination : nil,
                  sourcePort: packet.hasPorts ? packet.sourcePort : nil,
                  destinationPort: packet.hasPorts ? packet.destinationPort : nil,
                  vlans: packet.vlans, anomalies: packet.anomalies, flowKey: flow?.id)
    }
}

extension EventRecord {
    /// The row for one completed application-layer transaction.
    public init(captureID: UInt64, _ completed: ApplicationFeed.Completed) {
        let transaction = completed.transaction
        let context = transaction.context
        self.init(captureID: captureID, sequence: completed.sequence, dataset: transaction.dataset, flowKey: context.flow,
                  communityID: context.communityID, time: context.time, frames: context.frames,
                  fields: transaction.fields)
    }
}
