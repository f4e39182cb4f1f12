import Capture
import CaptureDecoding
import Dissection
import Flows

/// Records everything a decoder delivers, copying frame bytes out.
public struct RecordingSink: DecodeSink {
    public struct Delivered {
        public var number: UInt64
        public var timestamp: Int64
        public var capturedLength: Int
        public var wireLength: Int
        public var linkType: LinkType
        public var packet: DecodedPacket
        public var flow: FlowTable.Ref?
        public var reassembled: [FragmentReassembler.Piece]?
    }
    public var packets: [Delivered] = []
    public var flows: [FlowReport] = []

    public init() {}

    public mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                         reassembled: [FragmentReassembler.Piece]?) {
        packets.append(Delivered(number: frame.number, timestamp: frame.timestamp, capturedLength: frame.capturedLength,
                                 wireLength: frame.wireLength, linkType: frame.linkType, packet: packet, flow: flow,
                                 reassembled: reassembled))
    }

    public mutating func flow(_ report: FlowReport) { flows.append(report) }
}

/// Decodes in-memory frames (numbered from 1) through a CaptureDecoder.
public func decodeFrames(_ frames: [(time: Int64, bytes: [UInt8])], linkType: LinkType,
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

