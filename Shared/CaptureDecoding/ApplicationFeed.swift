import Capture
import Dissection
import Flows
import Protocols

/// Runs the application layer on what a `CaptureDecoder` delivers. A sink
/// passes its `packet`, `flow` and `reassembledPayload` calls on and gets
/// back the transactions each completed, numbered within their flow; one
/// feed lives as long as its capture.
public struct ApplicationFeed {
    /// A completed transaction and its 1-based position among its flow's.
    /// Decoding is deterministic, so a decoder that decodes the capture
    /// again numbers it the same: (capture, flow, start, sequence) names it.
    public struct Completed: Sendable {
        public var transaction: ApplicationTransaction
        public var sequence: UInt32
    }

    public private(set) var layer: ApplicationLayer
    /// Transactions so far per open flow.
    private var sequences: [UInt64: UInt32] = [:]
    /// The transport payload of a datagram reassembled from fragments, until its `packet` call.
    private var datagram: [UInt8]?

    public init(config: ApplicationConfig) {
        layer = ApplicationLayer(config: config)
    }

    public mutating func reassembledPayload(_ payload: UnsafeRawBufferPointer) {
        datagram = Array(payload)
    }

    public mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                                reassembled: [FragmentReassembler.Piece]?) -> [Completed] {
        let datagram = reassembled != nil ? self.datagram : nil
        self.datagram = nil
        guard let flow else { return [] }
        if let datagram {
            return numbered(datagram.withUnsafeBytes { payload in
                layer.receive(frame: frame.number, time: frame.timestamp, packet: packet, bytes: frame.bytes,
                              flow: flow.id, communityID: flow.communityID, fromInitiator: flow.fromInitiator,
                              transportPayload: payload)
            })
        }
        // A fragment that completed nothing: its datagram comes with the last one.
        guard packet.fragment == nil else { return [] }
        return numbered(layer.receive(frame: frame.number, time: frame.timestamp, packet: packet, bytes: frame.bytes,
                                      flow: flow.id, communityID: flow.communityID,
                                      fromInitiator: flow.fromInitiator))
    }

    /// A flow's final report flushes what its session holds and ends its numbering.
    public mutating func flow(_ report: FlowReport) -> [Completed] {
        guard report.final else { return [] }
        let done = numbered(layer.finish(flow: report.id))
        sequences[report.id] = nil
        return done
    }

    /// The capture ended: what every flow still holds.
    public mutating func finish() -> [Completed] {
        let done = numbered(layer.finishAll())
        sequences.removeAll()
        return done
    }

    private mutating func numbered(_ transactions: [ApplicationTransaction]) -> [Completed] {
        guard !transactions.isEmpty else { return [] }
        return transactions.map { transaction in
            let flow = transaction.context.flow
            let next = (sequences[flow] ?? 0) &+ 1
            sequences[flow] = next
            return Completed(transaction: transaction, sequence: next)
        }
    }
}
