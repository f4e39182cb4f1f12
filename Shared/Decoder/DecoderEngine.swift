import Capture
import CaptureDecoding
import Dissection
import Foundation
import Protocols
import Records
import Wire

/// The decoder service without sockets: sensor messages in, `records.v1`
/// envelopes for storage out.
///
/// Per sensor lane (a sensor producer id) it accepts messages in sequence
/// order only: a sequence already seen is a re-send and is ignored; one
/// past a gap waits for the sensor to re-send the missing ones. A capture
/// it holds no state for is joined only at its start marker (a watermark
/// through frame 0), so a restarted decoder rebuilds flows from the
/// capture's first frame, never from the middle. A live capture's start
/// marker (re-sent ahead of the unacknowledged batches) lets it join there,
/// and on a live lane a gap is accepted (counted): live frames cannot be
/// sent again.
///
/// Output batches gather up to `Limits.packets` packet records of one
/// capture, with the frames they describe and the sensor ranges they
/// cover; a capture's end goes out at once.
public struct DecoderEngine {
    public struct Limits: Sendable {
        public var packets: Int
        public init(packets: Int = 4_096) { self.packets = Swift.max(1, packets) }
    }

    public struct Counters: Sendable, Equatable {
        public var framesDecoded = 0
        public var batchesIn = 0
        public var batchesOut = 0
        /// Sensor messages ignored as already seen.
        public var duplicates = 0
        /// Sensor messages ignored after a gap in the sequence.
        public var outOfOrder = 0
        /// Sensor messages of a capture joined mid-way, ignored until its start.
        public var awaitingStart = 0
        /// Gaps in a live lane's sequence (batches the sensor dropped).
        public var liveGaps = 0
        public var capturesEnded = 0
        public var flowReports = 0
        /// Application-layer transactions sent on.
        public var events = 0
        /// The application layer's counters over every capture, as of the last batch out.
        public var application = ApplicationLayer.Counters()
    }

    public let config: DecoderConfig
    public let limits: Limits
    public private(set) var producer: Producer
    public private(set) var counters = Counters()
    private var lastSequence: [UUID: UInt64] = [:]
    /// Lanes whose current capture is live: a gap there is frames the
    /// sensor could not send, not a reason to wait.
    private var liveLanes: Set<UUID> = []
    private var captures: [UInt64: CaptureState] = [:]
    private var pending: Pending?
    /// The application layer's counters of the captures that ended.
    private var endedApplication = ApplicationLayer.Counters()

    /// One open capture: its flows and fragments, and its application layer.
    private struct CaptureState {
        var decoder: CaptureDecoder
        var application: ApplicationFeed?
    }

    /// What the next output batch will hold.
    private struct Pending {
        var captureID: UInt64
        var collector: RecordCollector
        var frames: FrameBatch
        var covers: [SequenceRange] = []
        var ends: [CaptureEnd] = []

        init(captureID: UInt64) {
            self.captureID = captureID
            collector = RecordCollector(captureID: captureID)
            frames = FrameBatch(captureID: captureID)
        }

        mutating func cover(_ producer: UUID, _ sequence: UInt64) {
            if let last = covers.indices.last, covers[last].producer == producer, covers[last].last &+ 1 == sequence {
                covers[last].last = sequence
            } else {
                covers.append(SequenceRange(producer: producer, first: sequence, last: sequence))
            }
        }
    }

    public init(config: DecoderConfig = DecoderConfig(), limits: Limits = Limits(), producer: Producer = Producer()) {
        self.config = config
        self.limits = limits
        self.producer = producer
    }

    /// Captures with open state.
    public var openCaptures: Int { captures.count }

    /// Handles one sensor message; returns the envelopes for storage it completes.
    public mutating func receive(_ envelope: Envelope) throws(WireError) -> [Envelope] {
        let message = try Message(envelope)
        let sensor = envelope.header.producer
        let sequence = envelope.header.sequence
        let captureID: UInt64
        var isStart = false
        var isLiveStart = false
        switch message {
        case .frames(let batch): captureID = batch.captureID
        case .watermark(let mark): captureID = mark.captureID; isStart = mark.isStart; isLiveStart = mark.isLiveStart
        case .end(let end): captureID = end.captureID
        case .ack, .records, .control, .query, .read:
            throw WireError(.unexpectedType, "decoder takes frames, watermarks and ends, got \(envelope.type)")
        }

        if let last = lastSequence[sensor] {
            if sequence <= last {
                counters.duplicates += 1
                return []
            }
            if sequence != last &+ 1 {
                guard liveLanes.contains(sensor) else {
                    counters.outOfOrder += 1
                    return []
                }
                counters.liveGaps += 1
            }
        }
        if captures[captureID] == nil && !isStart {
            counters.awaitingStart += 1
            return []
        }
        lastSequence[sensor] = sequence

        var out: [Envelope] = []
        if let open = pending, open.captureID != captureID { out += flush() }
        if pending == nil { pending = Pending(captureID: captureID) }
        pending?.cover(sensor, sequence)

        switch message {
        case .frames(let batch):
            counters.batchesIn += 1
            decode(batch)
            if let count = pending?.collector.packets.count, count >= limits.packets { out += flush() }
        case .watermark(let mark):
            if isStart {
                if captures[captureID] == nil {
                    captures[captureID] = CaptureState(decoder: CaptureDecoder(config: config, captureID: captureID),
                                                       application: config.application.map(ApplicationFeed.init))
                }
                if isLiveStart { liveLanes.insert(sensor) } else { liveLanes.remove(sensor) }
            } else {
                work(on: captureID) { decoder, collector in decoder.advance(to: mark.packetTime, into: &collector) }
            }
        case .end(let end):
            let ended = work(on: captureID) { decoder, collector in
                decoder.finish(into: &collector)
                collector.finishApplication()
            }
            if ended {
                if let counters = captures.removeValue(forKey: captureID)?.application?.layer.counters {
                    endedApplication.add(counters)
                }
                pending?.ends.append(CaptureEnd(captureID: captureID, frameCount: end.frameCount,
                                                failureReason: end.outcome == .failed ? end.reason : nil))
                counters.capturesEnded += 1
            }
            out += flush()
        case .ack, .records, .control, .query, .read:
            break
        }
        return out
    }

    /// The batch gathered so far, if any (the service calls this when input idles).
    public mutating func flush() -> [Envelope] {
        guard var open = pending else { return [] }
        pending = nil
        let batch = open.collector.takeBatch(producer: producer.id, sequence: producer.nextSequence,
                                             covers: open.covers)
        var full = batch
        full.ends = open.ends
        counters.batchesOut += 1
        counters.flowReports += full.flows.count
        counters.events += full.events.count
        counters.application = captures.values.reduce(into: endedApplication) { total, state in
            if let counters = state.application?.layer.counters { total.add(counters) }
        }
        let frames = open.frames.isEmpty ? nil : open.frames
        open.frames = FrameBatch(captureID: open.captureID)
        return [producer.envelope(RecordsMessage(full, frames: frames))]
    }

    private mutating func decode(_ batch: FrameBatch) {
        let decoded = work(on: batch.captureID) { decoder, collector in
            for frame in batch {
                frame.bytes.withUnsafeBytes { raw in
                    let borrowed = Frame(number: frame.number, timestamp: frame.timestamp, wireLength: frame.wireLength,
                                         linkType: frame.linkType, bytes: raw)
                    decoder.decode(borrowed, into: &collector)
                }
            }
        }
        guard decoded else { return }
        pending?.frames.append(contentsOf: batch)
        counters.framesDecoded += batch.count
    }

    /// Runs `body` on a capture's decoder and the pending collector, with the
    /// capture's application feed lent to the collector. Both are taken out
    /// while mutated, so neither the flow table, the application state nor
    /// the collector is copied on write. False when either is missing.
    @discardableResult
    private mutating func work(on captureID: UInt64,
                               _ body: (inout CaptureDecoder, inout RecordCollector) -> Void) -> Bool {
        guard var state = captures.removeValue(forKey: captureID) else { return false }
        guard var open = pending else {
            captures[captureID] = state
            return false
        }
        pending = nil
        open.collector.application = state.application
        state.application = nil
        body(&state.decoder, &open.collector)
        state.application = open.collector.application
        open.collector.application = nil
        captures[captureID] = state
        pending = open
        return true
    }
}

extension ApplicationLayer.Counters {
    mutating func add(_ other: Self) {
        flows += other.flows
        byPort += other.byPort
        bySniffing += other.bySniffing
        unclaimed += other.unclaimed
        evictedForFlows += other.evictedForFlows
        evictedForBytes += other.evictedForBytes
        transactions += other.transactions
        gaps += other.gaps
        gapBytes += other.gapBytes
    }
}
