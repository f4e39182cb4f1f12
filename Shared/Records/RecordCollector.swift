import Capture
import Decoding
import Dissection
import Flows
import Foundation

/// A `DecodeSink` that turns what a `CaptureDecoder` delivers into records
/// and hands them out as batches. Reports come in the decoder's order, so a
/// batch holds each flow report next to the frames that triggered it.
public struct RecordCollector: DecodeSink {
    public let captureID: UInt64
    public private(set) var packets: [PacketRecord] = []
    public private(set) var flows: [FlowRecord] = []
    /// Frames of batches already taken that joined a flow since.
    public private(set) var links: [FlowLink] = []

    public init(captureID: UInt64, reservingCapacity capacity: Int = 0) {
        self.captureID = captureID
        packets.reserveCapacity(capacity)
    }

    public mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                                reassembled: [FragmentReassembler.Piece]?) {
        packets.append(PacketRecord(captureID: captureID, frame: frame, packet: packet, flow: flow))
    }

    public mutating func flow(_ report: FlowReport) {
        flows.append(FlowRecord(captureID: captureID, report: report))
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

    public var isEmpty: Bool { packets.isEmpty && flows.isEmpty && links.isEmpty }

    /// Everything collected so far as one batch; the collector starts empty again.
    public mutating func takeBatch(producer: UUID, sequence: UInt64, covers: [SequenceRange] = []) -> RecordBatch {
        let batch = RecordBatch(producer: producer, sequence: sequence, covers: covers, packets: packets, flows: flows,
                                links: links)
        packets.removeAll(keepingCapacity: true)
        flows.removeAll(keepingCapacity: true)
        links.removeAll()
        return batch
    }
}
