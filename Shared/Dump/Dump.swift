import Capture
import CaptureDecoding
import Dissection
import Flows
import Formats
import Protocols
import Records

/// `netsift dump`: decode files to standard output, a line or a JSON object
/// per packet, per flow report and per application-layer transaction.
public struct DumpOptions: Sendable {
    public enum Format: Sendable { case text, json, none }
    public var format: Format = .text
    public var filter: String? = nil
    /// Stop after this many packets (over all files), like `tcpdump -c`.
    public var count: Int? = nil
    /// `decoder.application` nil turns the application layer off (`--no-l7`).
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
    /// Nil when the application layer was off.
    public var application: ApplicationLayer.Counters? = nil
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
            var sink = Sink(format: options.format, capture: captureNumber, output: output,
                            application: options.decoder.application.map { ApplicationFeed(config: $0) })
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
            sink.finishApplication()
            output = sink.output
            output.flush()
            summary.captures.append(CaptureSummary(path: file, stats: decoder.stats, flows: decoder.flows.counters,
                                                   error: failure, application: sink.application?.layer.counters))
        }
        return summary
    }

    struct Sink: DecodeSink {
        let format: DumpOptions.Format
        let capture: Int
        var output: Output
        var json = JSONWriter()
        var application: ApplicationFeed?

        init(format: DumpOptions.Format, capture: Int, output: Output, application: ApplicationFeed?) {
            self.format = format
            self.capture = capture
            self.output = output
            self.application = application
        }

        mutating func reassembledPayload(_ payload: UnsafeRawBufferPointer) {
            application?.reassembledPayload(payload)
        }

        /// The capture ended: what the application layer still holds.
        mutating func finishApplication() {
            write(application?.finish() ?? [])
        }

        /// One line or one JSON object, as the format says (closures must not touch `self`).
        private mutating func emit(_ line: () -> String, _ object: (inout JSONWriter) -> Void) {
            switch format {
            case .none: break
            case .text: output.write(line: line())
            case .json:
                json.bytes.removeAll(keepingCapacity: true)
                object(&json)
                output.write(json.bytes)
            }
        }

        mutating func write(_ completed: [ApplicationFeed.Completed]) {
            let capture = UInt64(capture)
            for one in completed {
                emit({ ApplicationText.line(one.transaction) }, {
                    EventDocument.write(EventRecord(captureID: capture, one), to: &$0)
                    $0.newline()
                })
            }
        }

        mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                             reassembled: [FragmentReassembler.Piece]?) {
            let capture = capture
            emit({ PacketText.line(frame, packet, flow: flow) },
                 { PacketJSON.write(frame, packet, flow: flow, reassembled: reassembled, capture: capture, to: &$0) })
            if let done = application?.packet(frame, packet, flow: flow, reassembled: reassembled), !done.isEmpty {
                write(done)
            }
        }

        mutating func flow(_ report: FlowReport) {
            let capture = capture
            emit({ PacketText.flowLine(report) }, { FlowJSON.write(report, capture: capture, to: &$0) })
            if let done = application?.flow(report), !done.isEmpty { write(done) }
        }
    }
}
