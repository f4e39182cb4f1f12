import Capture
import Decoding
import Dissection
import Flows
import Protocols

/// `netsift dump`: decode files to standard output, a line or a JSON object
/// per packet, per flow report and per application-layer transaction.
public struct DumpOptions: Sendable {
    public enum Format: Sendable { case text, json, none }
    public var format: Format = .text
    public var filter: String? = nil
    /// Stop after this many packets (over all files), like `tcpdump -c`.
    public var count: Int? = nil
    public var decoder = DecoderConfig()
    /// The application layer's configuration; nil turns it off (`--no-l7`).
    public var application: ApplicationConfig? = ApplicationConfig()
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
                            application: options.application.map { ApplicationLayer(config: $0) })
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
                                                   error: failure, application: sink.application?.counters))
        }
        return summary
    }

    struct Sink: DecodeSink {
        let format: DumpOptions.Format
        let capture: Int
        var output: Output
        var json = JSONWriter()
        var application: ApplicationLayer?
        /// The transport payload of a datagram reassembled from fragments, until its `packet` call.
        var reassembled: [UInt8]?

        init(format: DumpOptions.Format, capture: Int, output: Output, application: ApplicationLayer?) {
            self.format = format
            self.capture = capture
            self.output = output
            self.application = application
        }

        mutating func reassembledPayload(_ payload: UnsafeRawBufferPointer) {
            if application != nil { reassembled = Array(payload) }
        }

        /// The capture ended: what the application layer still holds.
        mutating func finishApplication() {
            write(application?.finishAll() ?? [])
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

        mutating func write(_ transactions: [ApplicationTransaction]) {
            let capture = capture
            for t in transactions {
                emit({ ApplicationText.line(t) }, { ApplicationJSON.write(t, capture: capture, to: &$0) })
            }
        }

        mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                             reassembled: [FragmentReassembler.Piece]?) {
            let capture = capture
            emit({ PacketText.line(frame, packet, flow: flow) },
                 { PacketJSON.write(frame, packet, flow: flow, reassembled: reassembled, capture: capture, to: &$0) })
            guard let flow, application != nil else { return }
            let datagram = reassembled != nil ? self.reassembled : nil
            self.reassembled = nil
            let done: [ApplicationTransaction]
            if let datagram {
                done = datagram.withUnsafeBytes { payload in
                    application?.receive(frame: frame.number, time: frame.timestamp, packet: packet, bytes: frame.bytes,
                                         flow: flow.id, communityID: flow.communityID, fromInitiator: flow.fromInitiator,
                                         transportPayload: payload) ?? []
                }
            } else if packet.fragment != nil {
                done = []  // a fragment that completed nothing: its datagram comes with the last one
            } else {
                done = application?.receive(frame: frame.number, time: frame.timestamp, packet: packet, bytes: frame.bytes,
                                            flow: flow.id, communityID: flow.communityID,
                                            fromInitiator: flow.fromInitiator) ?? []
            }
            if !done.isEmpty { write(done) }
        }

        mutating func flow(_ report: FlowReport) {
            let capture = capture
            emit({ PacketText.flowLine(report) }, { FlowJSON.write(report, capture: capture, to: &$0) })
            guard report.final, let done = application?.finish(flow: report.id), !done.isEmpty else { return }
            write(done)
        }
    }
}
