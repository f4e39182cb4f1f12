import Capture
import Foundation
import Wire

/// Sends capture files through a `SensorLink` and returns once storage has
/// acknowledged every message of every lane — i.e. every frame, flow and
/// end marker is committed.
///
/// Nothing is held in memory for re-sending: a file can be read again.
/// When a lane's acknowledgements stall (a decoder restarted and lost its
/// state, or storage lost a batch), the lane is sent again from the start
/// of every capture it has not fully acknowledged; a decoder that already
/// saw those sequences ignores them, a new one rebuilds its flows from
/// them, and storage keeps one copy of each row. Waits between re-sends
/// double up to a minute while nothing moves.
public final class FileIngest {
    public struct Options: Sendable {
        public var sensorID: UUID
        public var sensorName: String
        public var runID: UUID?
        public var capture: FileCaptureRun.Configuration
        /// Messages per lane sent but not yet acknowledged before reading pauses.
        public var maxInFlight = 32
        /// Acknowledgement silence on a lane with messages in flight before it is sent again.
        public var ackTimeout: Duration = .seconds(5)

        public init(sensorID: UUID, sensorName: String, lanes: Int, runID: UUID? = nil) {
            self.sensorID = sensorID
            self.sensorName = sensorName
            self.runID = runID
            capture = FileCaptureRun.Configuration(lanes: lanes)
        }
    }

    public struct Progress: Sendable {
        public var framesSent: UInt64
        /// Frames whose messages storage acknowledged: committed with everything derived from them.
        public var framesCommitted: UInt64 = 0
        /// How long acknowledgements have not moved while messages wait for
        /// them (zero while they move): what `netsift ingest` explains.
        public var waiting: Duration = .zero
        public var bytesSent: UInt64
        public var totalBytes: UInt64
        public var capturesDone: Int
        public var captures: Int
        public var elapsed: Duration
    }

    public struct CaptureResult: Sendable {
        public var path: String
        public var captureID: UInt64
        public var summary: FileCaptureRun.Summary
        public var totals: ControlMessage.CaptureTotals?
    }

    public struct Counters: Sendable, Equatable {
        public var replays = 0
        public var replayedMessages = 0
        public var sendRetries = 0
    }

    private struct OpenCapture {
        var path: String
        var captureID: UInt64
        var startProducers: [Producer]
        /// Last sequence per lane once the file is fully sent.
        var lastSequence: [UInt64]?
    }

    private enum ReplayError: Error {
        case done
        case failed(SensorError)
    }

    public let options: Options
    public private(set) var counters = Counters()
    private let link: SensorLink
    private let shouldStop: @Sendable () -> Bool
    private var producerIDs: [UUID] = []
    private var sentHigh: [UInt64] = []
    private var ackedThrough: [UInt64] = []
    private var replayWait: [Duration] = []
    private var lastMove: [ContinuousClock.Instant] = []
    /// When each lane's acknowledgements last moved (a replay does not count).
    private var lastAck: [ContinuousClock.Instant] = []
    /// Per lane, the frame messages sent and not yet acknowledged: (sequence, frames).
    private var unacknowledged: [[(sequence: UInt64, frames: UInt64)]] = []
    private var open: [OpenCapture] = []
    private var replaying = false
    private var progress = Progress(framesSent: 0, bytesSent: 0, totalBytes: 0, capturesDone: 0, captures: 0,
                                    elapsed: .zero)
    private var report: (Progress) -> Void = { _ in }
    private var lastReport = ContinuousClock.now
    private let started = ContinuousClock.now

    public init(options: Options, link: SensorLink, shouldStop: @escaping @Sendable () -> Bool = { false }) {
        self.options = options
        self.link = link
        self.shouldStop = shouldStop
    }

    /// Sends `paths` as one capture each, in order, under one run.
    public func run(paths: [String], progress report: @escaping (Progress) -> Void = { _ in })
        throws(SensorError) -> [CaptureResult] {
        self.report = report
        var configuration = options.capture
        configuration.lanes = link.lanes.count
        var run = FileCaptureRun(configuration: configuration)
        let lanes = run.producers.count
        producerIDs = run.producers.map(\.id)
        sentHigh = Array(repeating: 0, count: lanes)
        ackedThrough = Array(repeating: 0, count: lanes)
        replayWait = Array(repeating: options.ackTimeout, count: lanes)
        lastMove = Array(repeating: .now, count: lanes)
        lastAck = lastMove
        unacknowledged = Array(repeating: [], count: lanes)
        progress.captures = paths.count
        progress.totalBytes = paths.reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0)
        }

        var results: [CaptureResult] = []
        for path in paths {
            let source = URL(fileURLWithPath: path).standardizedFileURL.path
            let captureID: UInt64
            switch try link.request(.startCapture(sensorID: options.sensorID, sensorName: options.sensorName,
                                                  source: source, runID: options.runID,
                                                  file: FileDigest.reading(path: path))) {
            case .captureStarted(let id): captureID = id
            case .failed(let message): throw .storageRefused(message)
            default: throw .storageRefused("unexpected answer to startCapture")
            }
            open.append(OpenCapture(path: path, captureID: captureID, startProducers: run.producers))
            let summary = try run.run(path: path, captureID: captureID) { (lane, envelope) throws(SensorError) in
                try self.send(envelope, lane: lane, waitForRoom: true)
            }
            if let index = open.firstIndex(where: { $0.captureID == captureID }) {
                open[index].lastSequence = run.producers.map { $0.nextSequence &- 1 }
            }
            progress.capturesDone += 1
            results.append(CaptureResult(path: path, captureID: captureID, summary: summary, totals: nil))
        }

        while (0 ..< lanes).contains(where: { ackedThrough[$0] < sentHigh[$0] }) {
            if shouldStop() { throw .stopped }
            try pump(wait: .milliseconds(100))
        }
        maybeReport(force: true)
        for index in results.indices {
            if case .captureTotals(let totals) = try link.request(.captureStatus(captureID: results[index].captureID)) {
                results[index].totals = totals
            }
        }
        for id in producerIDs { link.forget(producer: id) }
        return results
    }

    private func send(_ envelope: Envelope, lane: Int, waitForRoom: Bool) throws(SensorError) {
        if shouldStop() { throw .stopped }
        if waitForRoom {
            while sentHigh[lane] &- ackedThrough[lane] >= UInt64(options.maxInFlight) {
                if shouldStop() { throw .stopped }
                try pump(wait: .milliseconds(20))
            }
        }
        while true {
            let sent: Bool
            do {
                sent = try link.trySend(envelope, lane: lane)
            } catch {
                throw .messaging("\(error)")
            }
            if sent { break }
            counters.sendRetries += 1
            if shouldStop() { throw .stopped }
            try pump(wait: .zero)
        }
        if envelope.type == FrameBatch.type, envelope.header.sequence > sentHigh[lane] {
            unacknowledged[lane].append((envelope.header.sequence, UInt64(envelope.header.itemCount)))
        }
        sentHigh[lane] = max(sentHigh[lane], envelope.header.sequence)
        if envelope.type == FrameBatch.type {
            progress.framesSent += UInt64(envelope.header.itemCount)
            progress.bytesSent += UInt64(envelope.payload.first?.count ?? 0)
        }
        maybeReport(force: false)
    }

    /// Reads acknowledgements and re-sends lanes that stalled.
    private func pump(wait: Duration) throws(SensorError) {
        do {
            try link.takeAcks(waiting: wait)
        } catch {
            throw .messaging("\(error)")
        }
        let now = ContinuousClock.now
        for lane in producerIDs.indices {
            let acked = (link.acknowledged[producerIDs[lane]] ?? SequenceRanges()).contiguous(from: 1)
            if acked > ackedThrough[lane] {
                ackedThrough[lane] = acked
                lastMove[lane] = now
                lastAck[lane] = now
                while let first = unacknowledged[lane].first, first.sequence <= acked {
                    progress.framesCommitted += first.frames
                    unacknowledged[lane].removeFirst()
                }
                replayWait[lane] = options.ackTimeout
            }
            if !replaying && ackedThrough[lane] < sentHigh[lane] && now - lastMove[lane] >= replayWait[lane] {
                try replay(lane: lane)
                lastMove[lane] = .now
                replayWait[lane] = min(replayWait[lane] * 2, .seconds(60))
            }
        }
        open.removeAll { capture in
            guard let last = capture.lastSequence else { return false }
            return last.indices.allSatisfy { ackedThrough[$0] >= last[$0] }
        }
        maybeReport(force: false)
    }

    /// Sends `lane` again from the start of each capture it has not fully acknowledged.
    private func replay(lane: Int) throws(SensorError) {
        replaying = true
        defer { replaying = false }
        counters.replays += 1
        for capture in open {
            let upper = capture.lastSequence?[lane] ?? sentHigh[lane]
            guard ackedThrough[lane] < upper else { continue }
            var again = FileCaptureRun(configuration: options.capture.withLanes(link.lanes.count),
                                       producers: capture.startProducers)
            let result: Result<FileCaptureRun.Summary, ReplayError> = Result { () throws(ReplayError) in
                try again.run(path: capture.path, captureID: capture.captureID) { (l, envelope) throws(ReplayError) in
                    try self.replaySend(envelope, lane: l, only: lane, through: upper)
                }
            }
            if case .failure(.failed(let inner)) = result { throw inner }
        }
    }

    private func replaySend(_ envelope: Envelope, lane: Int, only wanted: Int, through upper: UInt64) throws(ReplayError) {
        guard lane == wanted else { return }
        guard envelope.header.sequence <= upper else { throw .done }
        do throws(SensorError) {
            try send(envelope, lane: lane, waitForRoom: false)
        } catch {
            throw .failed(error)
        }
        counters.replayedMessages += 1
    }

    private func maybeReport(force: Bool) {
        let now = ContinuousClock.now
        guard force || now - lastReport >= .milliseconds(500) else { return }
        lastReport = now
        progress.elapsed = now - started
        progress.waiting = producerIDs.indices.filter { ackedThrough[$0] < sentHigh[$0] }
            .map { now - lastAck[$0] }.max() ?? .zero
        report(progress)
    }
}

extension FileCaptureRun.Configuration {
    func withLanes(_ lanes: Int) -> Self {
        var copy = self
        copy.lanes = Swift.max(1, lanes)
        return copy
    }
}
