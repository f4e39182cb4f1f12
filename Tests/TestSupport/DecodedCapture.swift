import Capture
import CaptureDecoding
import Flows
import Foundation
import Protocols
import Records

/// A capture decoded the way the decoder service does: frames through a
/// `CaptureDecoder` into a `RecordCollector` with the application layer,
/// cut into batches of `framesPerBatch` frames (with the flow reports and
/// events those frames triggered; the final ones go with the last batch).
public struct DecodedCapture: Sendable {
    public var batches: [RecordBatch]
    public var stats: DecodeStats
    public var reports: [FlowRecord]
    /// False when the file stopped mid-record.
    public var readToEnd: Bool

    /// The last report of each flow (its final one), by flow key.
    public var finalReports: [UInt64: FlowRecord] {
        var latest: [UInt64: FlowRecord] = [:]
        for report in reports { latest[report.flowKey] = report }
        return latest
    }

    public static func decode(path: String, captureID: UInt64, producer: UUID = UUID(), sensor: UUID = UUID(),
                       framesPerBatch: Int = 500, firstSequence: UInt64 = 1,
                       frameLimit: Int = .max) throws -> DecodedCapture {
        let reader = try PcapFileReader(path: path)
        var decoder = CaptureDecoder(captureID: captureID)
        var collector = RecordCollector(captureID: captureID, reservingCapacity: framesPerBatch)
        collector.application = ApplicationFeed(config: ApplicationConfig())
        var reports: [FlowRecord] = []
        var batches: [RecordBatch] = []
        var sequence = firstSequence
        var firstFrame: UInt64 = 1
        var lastFrame: UInt64 = 0
        var framesInBatch = 0
        var readToEnd = true

        func cut() {
            reports.append(contentsOf: collector.flows)
            let covers = lastFrame >= firstFrame ? [SequenceRange(producer: sensor, first: firstFrame, last: lastFrame)] : []
            batches.append(collector.takeBatch(producer: producer, sequence: sequence, covers: covers))
            sequence += 1
            firstFrame = lastFrame + 1
            framesInBatch = 0
        }

        reading: while true {
            switch reader.next() {
            case .frame(let frame):
                decoder.decode(frame, into: &collector)
                lastFrame = frame.number
                framesInBatch += 1
                if framesInBatch == framesPerBatch { cut() }
                if lastFrame >= UInt64(frameLimit) { break reading }
            case .end:
                break reading
            case .failed:
                readToEnd = false
                break reading
            }
        }
        decoder.finish(into: &collector)
        collector.finishApplication()
        if !collector.isEmpty || batches.isEmpty { cut() }
        return DecodedCapture(batches: batches, stats: decoder.stats, reports: reports, readToEnd: readToEnd)
    }
}

