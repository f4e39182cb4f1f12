import Capture
import Dissection
import Flows

/// Decodes one capture: dissection, fragment reassembly and the flow table,
/// all driven by the frames' own time. One per capture (file or live
/// session); the decoder service and `netsift dump` both use it.
public struct CaptureDecoder {
    public let captureID: UInt64
    public private(set) var stats = DecodeStats()
    public private(set) var flows: FlowTable
    public private(set) var fragments: FragmentReassembler
    private let dissector: Dissector
    private var nextFragmentSweep: Int64 = .min

    /// Incomplete datagrams are checked for expiry at this packet-time interval.
    static let fragmentSweepInterval: Int64 = 1_000_000_000

    public init(config: DecoderConfig = DecoderConfig(), captureID: UInt64 = 0) {
        self.captureID = captureID
        dissector = Dissector(limits: config.dissector)
        flows = FlowTable(config: config.flows, captureID: captureID)
        fragments = FragmentReassembler(limits: config.fragments)
    }

    public mutating func decode(_ frame: Frame, into sink: inout some DecodeSink) {
        var packet = dissector.dissect(frame.bytes, linkType: frame.linkType, wireLength: frame.wireLength)
        sweepFragments(now: frame.timestamp, into: &sink)

        guard let fragment = packet.fragment else {
            var ref: FlowTable.Ref? = nil
            if let tuple = FlowTuple(packet) {
                ref = flows.update(tuple, vlans: packet.vlans, time: frame.timestamp, frame: frame.number,
                                   capturedBytes: UInt64(frame.capturedLength), wireBytes: UInt64(frame.wireLength),
                                   tcpFlags: packet.l4Type == IPProtocol.tcp ? packet.tcp.flags : 0,
                                   tcpSequence: packet.tcp.sequence, emit: { sink.flow($0) })
            }
            stats.record(packet)
            sink.packet(frame, packet, flow: ref, reassembled: nil)
            return
        }

        let key = FragmentReassembler.Key(source: packet.source, destination: packet.destination,
                                          protocolNumber: packet.l4Type, identification: fragment.identification,
                                          vlans: packet.vlans)
        let piece = FragmentReassembler.Piece(frame: frame.number, capturedBytes: frame.capturedLength,
                                              wireBytes: frame.wireLength)
        let start = Int(fragment.payloadOffset)
        let payload = UnsafeRawBufferPointer(rebasing: frame.bytes[start ..< start + Int(fragment.payloadLength)])
        switch fragments.add(key: key, offset: Int(fragment.offset), moreFragments: fragment.moreFragments,
                             payload: payload, piece: piece, time: frame.timestamp) {
        case .pending:
            stats.record(packet)
            sink.packet(frame, packet, flow: nil, reassembled: nil)
        case .complete(let whole, let pieces, let anomalies):
            packet.anomalies.formUnion(anomalies)
            var payloadRange = 0 ..< 0
            whole.withUnsafeBytes { bytes in
                var cursor = ByteCursor(bytes)
                var full = packet
                full.ipPayloadLength = Int32(bytes.count)
                dissector.decodeTransport(packet.l4Type, &cursor, declaredLength: bytes.count, into: &full)
                payloadRange = Int(full.l5Offset) ..< Int(full.l5Offset) + Int(full.l5Length)
                // The transport header lives in the first fragment, not this
                // frame: keep this frame's own offsets.
                full.l4Offset = 0
                full.l4Length = 0
                full.l5Offset = packet.l5Offset
                full.l5Length = packet.l5Length
                packet = full
            }
            stats.fragmentsReassembled += 1
            let ref = countPieces(pieces, packet: packet, time: frame.timestamp, withPorts: true, except: frame.number,
                                  into: &sink)
            stats.record(packet)
            whole.withUnsafeBytes { bytes in
                guard payloadRange.lowerBound >= 0, payloadRange.upperBound <= bytes.count else { return }
                sink.reassembledPayload(UnsafeRawBufferPointer(rebasing: bytes[payloadRange]))
            }
            sink.packet(frame, packet, flow: ref, reassembled: pieces)
        case .rejected(let pieces, let anomalies):
            packet.anomalies.formUnion(anomalies)
            stats.fragmentsAbandoned += 1
            let ref = countPieces(pieces, packet: packet, time: frame.timestamp, withPorts: false, except: frame.number,
                                  into: &sink)
            stats.record(packet)
            sink.packet(frame, packet, flow: ref, reassembled: nil)
        }
    }

    /// Moves the packet clock to `time` without a frame (a sensor watermark):
    /// flows and fragments that timed out by then are reported.
    public mutating func advance(to time: Int64, into sink: inout some DecodeSink) {
        sweepFragments(now: time, into: &sink)
        flows.advance(to: time, emit: { sink.flow($0) })
    }

    /// Ends the capture: abandons incomplete datagrams (still counting their
    /// frames) and reports every open flow as final.
    public mutating func finish(into sink: inout some DecodeSink) {
        for expired in fragments.flush() { countExpired(expired, into: &sink) }
        flows.flush(emit: { sink.flow($0) })
    }

    private mutating func sweepFragments(now: Int64, into sink: inout some DecodeSink) {
        guard now >= nextFragmentSweep else { return }
        nextFragmentSweep = now + Self.fragmentSweepInterval
        guard fragments.pendingCount > 0 else { return }
        for expired in fragments.expire(now: now) { countExpired(expired, into: &sink) }
    }

    private mutating func countExpired(_ expired: FragmentReassembler.Expired, into sink: inout some DecodeSink) {
        stats.fragmentsAbandoned += 1
        stats.record(expired.anomalies, frame: false)
        let tuple = FlowTuple(source: expired.key.source, destination: expired.key.destination,
                              protocolNumber: expired.key.protocolNumber)
        count(expired.pieces, into: tuple, vlans: expired.key.vlans, time: flows.lastTime, tcpFlags: 0, except: nil,
              sink: &sink)
    }

    /// Counts every frame of a datagram into one flow: the full 5-tuple when
    /// reassembly succeeded, addresses and protocol only when it did not.
    private mutating func countPieces(_ pieces: [FragmentReassembler.Piece], packet: DecodedPacket, time: Int64,
                                      withPorts: Bool, except frame: UInt64,
                                      into sink: inout some DecodeSink) -> FlowTable.Ref? {
        let portless = FlowTuple(source: packet.source, destination: packet.destination, protocolNumber: packet.l4Type)
        let tuple = withPorts ? (FlowTuple(packet) ?? portless) : portless
        return count(pieces, into: tuple, vlans: packet.vlans, time: time,
                     tcpFlags: packet.l4Type == IPProtocol.tcp ? packet.tcp.flags : 0, except: frame, sink: &sink)
    }

    /// `except`: the frame being delivered now, which carries the flow itself;
    /// the other pieces were delivered without one and are attached to it.
    @discardableResult
    private mutating func count(_ pieces: [FragmentReassembler.Piece], into tuple: FlowTuple, vlans: VLANStack,
                                time: Int64, tcpFlags: UInt16, except frame: UInt64?,
                                sink: inout some DecodeSink) -> FlowTable.Ref {
        let ref = flows.update(tuple, vlans: vlans, time: time, frame: pieces.map(\.frame).min() ?? 0,
                     packets: UInt64(pieces.count),
                     capturedBytes: pieces.reduce(0) { $0 + UInt64($1.capturedBytes) },
                     wireBytes: pieces.reduce(0) { $0 + UInt64($1.wireBytes) },
                     tcpFlags: tcpFlags, emit: { sink.flow($0) })
        sink.attach(frames: pieces.map(\.frame).filter { $0 != frame }, to: ref)
        return ref
    }
}
