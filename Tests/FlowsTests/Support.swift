import FrameFixtures
import Capture
import Decoding
import Dissection
import Flows
import Foundation
import Testing

/// Records everything a decoder delivers, copying frame bytes out.
struct RecordingSink: DecodeSink {
    struct Delivered {
        var number: UInt64
        var timestamp: Int64
        var capturedLength: Int
        var wireLength: Int
        var linkType: LinkType
        var packet: DecodedPacket
        var flow: FlowTable.Ref?
        var reassembled: [FragmentReassembler.Piece]?
    }
    var packets: [Delivered] = []
    var flows: [FlowReport] = []

    mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                         reassembled: [FragmentReassembler.Piece]?) {
        packets.append(Delivered(number: frame.number, timestamp: frame.timestamp, capturedLength: frame.capturedLength,
                                 wireLength: frame.wireLength, linkType: frame.linkType, packet: packet, flow: flow,
                                 reassembled: reassembled))
    }

    mutating func flow(_ report: FlowReport) { flows.append(report) }
}

/// Decodes in-memory frames (numbered from 1) through a CaptureDecoder.
func decodeFrames(_ frames: [(time: Int64, bytes: [UInt8])], linkType: LinkType,
                  config: DecoderConfig = DecoderConfig()) -> (RecordingSink, CaptureDecoder) {
    var decoder = CaptureDecoder(config: config)
    var sink = RecordingSink()
    for (i, f) in frames.enumerated() {
        f.bytes.withUnsafeBytes { raw in
            let frame = Frame(number: UInt64(i + 1), timestamp: f.time, wireLength: f.bytes.count, linkType: linkType, bytes: raw)
            decoder.decode(frame, into: &sink)
        }
    }
    decoder.finish(into: &sink)
    return (sink, decoder)
}

/// A temporary file path, removed by the caller.
func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "netsift-\(name)-\(UUID().uuidString).pcap"
}

