import Capture
import CaptureDecoding
import Dissection
import Flows
import Protocols

/// A capture's TCP connections, each replayed through a `TCPStreamReassembler`,
/// for protocol tests that need in-order bytes. Unlike `CapturePayloads` it
/// keeps segments without payload, so SYN, FIN and RST reach the reassembler.
struct TCPStreamCapture {
    struct Endpoint: Hashable, Comparable {
        var address: IPAddress
        var port: UInt16
        static func < (a: Self, b: Self) -> Bool { (a.address, a.port) < (b.address, b.port) }
    }

    struct Segment {
        var frame: UInt64
        var time: Int64
        var source: Endpoint
        var flags: UInt16
        var sequence: UInt32
        var payload: [UInt8]
        /// Payload bytes the snap length cut off.
        var uncaptured: Int
    }

    /// One connection's segments in capture order, with the client decided by
    /// its SYN, else by `isClient` on the first payload, else by the lower port being the server.
    struct Connection {
        var client: Endpoint
        var server: Endpoint
        var segments: [Segment]

        func direction(of segment: Segment) -> Direction { segment.source == client ? .toServer : .toClient }

        /// Replays the segments through a reassembler and hands each delivery on.
        func replay(limits: TCPStreamReassembler.Limits = .init(), _ body: (StreamDelivery) -> Void) -> TCPStreamReassembler.Counters {
            var reassembler = TCPStreamReassembler(limits: limits)
            for segment in segments {
                segment.payload.withUnsafeBytes { payload in
                    reassembler.receive(TCPSegment(direction: direction(of: segment), sequence: segment.sequence,
                                                   flags: TCPSegment.Flags(tcpFlags: segment.flags), payload: payload,
                                                   uncapturedLength: segment.uncaptured, time: segment.time, frame: segment.frame), deliver: body)
                }
            }
            reassembler.finish(deliver: body, time: segments.last?.time ?? 0)
            return reassembler.counters
        }
    }

    static func read(_ path: String, isClient: ([UInt8], Endpoint, Endpoint) -> Bool) throws -> [Connection] {
        struct Sink: DecodeSink {
            var segments: [Segment] = []
            var pairs: [[Endpoint]] = []
            mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                                 reassembled: [FragmentReassembler.Piece]?) {
                guard packet.l4Type == IPProtocol.tcp, packet.fragment == nil, packet.hasPorts else { return }
                let start = Int(packet.l5Offset), end = start + Int(packet.l5Length)
                guard start >= 0, end <= frame.bytes.count, start <= end else { return }
                let source = Endpoint(address: packet.source, port: packet.sourcePort)
                let destination = Endpoint(address: packet.destination, port: packet.destinationPort)
                // Where the IP datagram ends on the wire; past the captured bytes when the snap length cut it.
                let ipEnd = Int(packet.l3Offset) + (packet.ipVersion == 6 ? 40 : Int(packet.l3Length)) + Int(packet.ipPayloadLength)
                let uncaptured = packet.capturedLength < packet.wireLength
                    ? max(0, min(ipEnd - end, Int(packet.wireLength - packet.capturedLength))) : 0
                segments.append(Segment(frame: frame.number, time: frame.timestamp, source: source, flags: packet.tcp.flags,
                                        sequence: packet.tcp.sequence, payload: Array(frame.bytes[start ..< end]),
                                        uncaptured: uncaptured))
                pairs.append([source, destination].sorted())
            }
            mutating func flow(_ report: FlowReport) {}
        }
        let reader = try PcapFileReader(path: path)
        var decoder = CaptureDecoder(captureID: 1)
        var sink = Sink()
        while case .frame(let frame) = reader.next() { decoder.decode(frame, into: &sink) }

        var order: [[Endpoint]] = []
        var grouped: [[Endpoint]: [Segment]] = [:]
        for (segment, pair) in zip(sink.segments, sink.pairs) {
            if grouped[pair] == nil { order.append(pair) }
            grouped[pair, default: []].append(segment)
        }
        return order.compactMap { pair in
            guard let segments = grouped[pair], pair.count == 2 else { return nil }
            let other = { (e: Endpoint) in e == pair[0] ? pair[1] : pair[0] }
            let client: Endpoint
            if let syn = segments.first(where: { $0.flags & 0x12 == 0x02 }) {
                client = syn.source
            } else if let synAck = segments.first(where: { $0.flags & 0x12 == 0x12 }) {
                client = other(synAck.source)
            } else if let first = segments.first(where: { !$0.payload.isEmpty }) {
                client = isClient(first.payload, first.source, other(first.source)) ? first.source : other(first.source)
            } else {
                client = pair[0].port > pair[1].port ? pair[0] : pair[1]
            }
            return Connection(client: client, server: other(client), segments: segments)
        }
    }
}
