import Capture
import Decoding
import Dissection
import Flows

/// `netsift dump`: decode files to standard output, a line or a JSON object
/// per packet and per flow report.
public struct DumpOptions: Sendable {
    public enum Format: Sendable { case text, json, none }
    public var format: Format = .text
    public var filter: String? = nil
    /// Stop after this many packets (over all files), like `tcpdump -c`.
    public var count: Int? = nil
    public var decoder = DecoderConfig()
    public init() {}
}

public struct DumpSummary: Sendable {
    public var skipped: [String]
    public var captures: [CaptureSummary] = []
    public var failures: [CaptureError] { captures.compactMap(\.error) }
}

public struct CaptureSummary: Sendable {
    public var path: String
    public var stats: DecodeStats
    public var flows: FlowTable.Counters
    public var error: CaptureError?
}

public enum Dump {
    /// Decodes every capture under `path`. A file that cannot be opened or
    /// stops mid-record is reported in the summary; what was read of it is
    /// still decoded and its flows flushed.
    public static func run(path: String, options: DumpOptions, output: inout Output) throws(CaptureError) -> DumpSummary {
        let listing = try CaptureSource.files(at: path)
        let files = listing.captures
        var summary = DumpSummary(skipped: listing.skipped)
        var remaining = options.count ?? Int.max
        for (index, file) in files.enumerated() where remaining > 0 {
            let captureNumber = index + 1
            let reader: PcapFileReader
            do {
                reader = try PcapFileReader(path: file, filter: options.filter)
            } catch {
                if error.kind == .filter { throw error }
                summary.captures.append(CaptureSummary(path: file, stats: DecodeStats(), flows: .init(), error: error))
                continue
            }
            var decoder = CaptureDecoder(config: options.decoder, captureID: UInt64(captureNumber))
            var sink = Sink(format: options.format, capture: captureNumber, output: output)
            var failure: CaptureError? = nil
            reading: while remaining > 0 {
                switch reader.next() {
                case .frame(let frame):
                    decoder.decode(frame, into: &sink)
                    remaining -= 1
                case .end:
                    break reading
                case .failed(let error):
                    failure = error
                    break reading
                }
            }
            decoder.finish(into: &sink)
            output = sink.output
            output.flush()
            summary.captures.append(CaptureSummary(path: file, stats: decoder.stats, flows: decoder.flows.counters,
                                                   error: failure))
        }
        return summary
    }

    struct Sink: DecodeSink {
        let format: DumpOptions.Format
        let capture: Int
        var output: Output
        var json = JSONWriter()

        init(format: DumpOptions.Format, capture: Int, output: Output) {
            self.format = format
            self.capture = capture
            self.output = output
        }

        mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                             reassembled: [FragmentReassembler.Piece]?) {
            switch format {
            case .none: return
            case .text: output.write(line: PacketText.line(frame, packet, flow: flow))
            case .json:
                json.bytes.removeAll(keepingCapacity: true)
                PacketJSON.write(frame, packet, flow: flow, reassembled: reassembled, capture: capture, to: &json)
                output.write(json.bytes)
            }
        }

        mutating func flow(_ report: FlowReport) {
            switch format {
            case .none: return
            case .text: output.write(line: PacketText.flowLine(report))
            case .json:
                json.bytes.removeAll(keepingCapacity: true)
                FlowJSON.write(report, capture: capture, to: &json)
                output.write(json.bytes)
            }
        }
    }
}
