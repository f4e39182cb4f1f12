import Capture
import CaptureDecoding
import Dissection
import Flows
import Foundation

/// The transport payloads of a capture as the decoder sees them, for
/// protocol parser tests: one per frame that has a UDP or TCP payload.
struct CapturePayload {
    var frame: UInt64
    var timestamp: Int64
    var l4Type: UInt8
    var source: IPAddress
    var destination: IPAddress
    var sourcePort: UInt16
    var destinationPort: UInt16
    /// TCP only: sequence number and flags of the segment.
    var tcpSequence: UInt32
    var tcpFlags: UInt16
    var bytes: [UInt8]
}

enum CapturePayloads {
    /// Every UDP/TCP payload of the capture at `path` (non-empty ones only).
    static func read(_ path: String) throws -> [CapturePayload] {
        struct Sink: DecodeSink {
            var payloads: [CapturePayload] = []
            mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                                 reassembled: [FragmentReassembler.Piece]?) {
                guard packet.l4Type == IPProtocol.tcp || packet.l4Type == IPProtocol.udp, packet.l5Length > 0,
                      packet.fragment == nil else { return }
                let start = Int(packet.l5Offset), end = start + Int(packet.l5Length)
                guard start >= 0, end <= frame.bytes.count else { return }
                payloads.append(CapturePayload(
                    frame: frame.number, timestamp: frame.timestamp, l4Type: packet.l4Type, source: packet.source,
                    destination: packet.destination, sourcePort: packet.sourcePort,
                    destinationPort: packet.destinationPort, tcpSequence: packet.tcp.sequence,
                    tcpFlags: packet.tcp.flags, bytes: Array(frame.bytes[start ..< end])))
            }
            mutating func flow(_ report: FlowReport) {}
        }
        let reader = try PcapFileReader(path: path)
        var decoder = CaptureDecoder(captureID: 1)
        var sink = Sink()
        while case .frame(let frame) = reader.next() { decoder.decode(frame, into: &sink) }
        return sink.payloads
    }
}
