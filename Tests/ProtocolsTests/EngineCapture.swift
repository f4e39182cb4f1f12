import Capture
import CaptureDecoding
import Dissection
import Flows
@testable import Protocols

/// A capture through the decoder and one application layer, as `netsift
/// dump` runs them: every transaction, flows flushed at their final report
/// and at the end.
enum EngineCapture {
    static func run(_ path: String, config: ApplicationConfig = ApplicationConfig()) throws -> [ApplicationTransaction] {
        struct Sink: DecodeSink {
            var layer: ApplicationLayer
            var out: [ApplicationTransaction] = []
            var reassembled: [UInt8]?

            mutating func reassembledPayload(_ payload: UnsafeRawBufferPointer) { reassembled = Array(payload) }

            mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                                 reassembled pieces: [FragmentReassembler.Piece]?) {
                let datagram = pieces != nil ? reassembled : nil
                reassembled = nil
                guard let flow, packet.fragment == nil || datagram != nil else { return }
                if let datagram {
                    out += datagram.withUnsafeBytes { payload in
                        layer.receive(frame: frame.number, time: frame.timestamp, packet: packet, bytes: frame.bytes,
                                      flow: flow.id, communityID: flow.communityID, fromInitiator: flow.fromInitiator,
                                      transportPayload: payload)
                    }
                } else {
                    out += layer.receive(frame: frame.number, time: frame.timestamp, packet: packet, bytes: frame.bytes,
                                         flow: flow.id, communityID: flow.communityID, fromInitiator: flow.fromInitiator)
                }
            }

            mutating func flow(_ report: FlowReport) {
                if report.final { out += layer.finish(flow: report.id) }
            }
        }
        let reader = try PcapFileReader(path: path)
        var decoder = CaptureDecoder(captureID: 1)
        var sink = Sink(layer: ApplicationLayer(config: config))
        while case .frame(let frame) = reader.next() { decoder.decode(frame, into: &sink) }
        decoder.finish(into: &sink)
        return sink.out + sink.layer.finishAll()
    }
}
