import Database
import Dissection
import Formats
import Foundation
import PcapStore
import PostgresClient
import Records
import Wire

/// What storage does with one message, without sockets: writes a decoder
/// batch's frames to the pcap store and makes them durable (`prepare`; the
/// rows then commit on a `CommitPool` worker), says which acknowledgements
/// are due, and answers control requests. The storage service runs one
/// engine on its loop thread (blocking: libpq and fsync).
public final class StorageEngine {
    public struct Counters: Sendable, Equatable {
        public var batchesCommitted = 0
        public var batchesDuplicate = 0
        public var packets = 0
        public var flowReports = 0
        /// Frames whose bytes the pcap store cannot hold (time outside pcap's range).
        public var framesNotStored = 0
        /// Frames not stored again: committed before, or on their way to a
        /// commit in another batch (a restarted decoder re-sends a
        /// capture's frames from its start).
        public var framesResent = 0
        public var capturesStarted = 0
        /// Where the time goes, seconds: appending frames, fsyncing the pcap
        /// store, the database transaction.
        public var pcapAppendSeconds = 0.0
        public var pcapFlushSeconds = 0.0
        public var commitSeconds = 0.0
    }

    public let writer: TrafficWriter
    public let pcap: PcapStoreWriter
    public private(set) var counters = Counters()
    /// Packet rows of an older data directory written into the packet index at start.
    public let upgradedPackets: Int
    private var segmentRows: [SegmentID: Int64] = [:]
    private var captureSensors: [UInt64: UUID] = [:]
    /// Per capture still receiving frames: the frames whose rows committed
    /// (loaded from the database the first time a capture this engine did
    /// not start is seen, then kept by `record`).
    private var committedFrames: [UInt64: SequenceRanges] = [:]
    /// Frames appended for batches not committed yet: a re-sent copy of
    /// one is not appended again, unless its batch fails.
    private var inFlight: Set<FrameKey> = []
    /// Where recent frames without a flow (fragments waiting for their
    /// datagram) sit in the packet index, for the links that file them
    /// under their flow later; older ones are looked up through the runs.
    /// Kept past a capture's end: the end reaches storage through every
    /// decoder, and another decoder's batches may still link frames.
    private var unfiled: [FrameKey: IndexLocation] = [:]
    static let maxUnfiled = 100_000

    struct FrameKey: Hashable {
        var capture: UInt64
        var frame: UInt64
    }

    struct IndexLocation: Hashable {
        var segment: SegmentID
        var record: UInt64
    }

    /// Connects, migrates, and cuts the pcap store back to what is committed.
    public init(conninfo: String, pcapRoot: String,
                pcapConfiguration: PcapStoreWriter.Configuration = .init()) throws {
        let connection = try PostgresConnection(conninfo: conninfo)
        _ = try MigrationRunner(migrations: Migrations.all).run(on: connection)
        writer = TrafficWriter(connection: connection)
        var committed: [SegmentID: PcapStoreRecovery.CommittedLength] = [:]
        for (path, length) in try writer.committedSegmentLengths() where length.segment > 0 {
            if let id = SegmentID(relativePath: path) {
                committed[id] = .init(segment: length.segment, index: length.index)
            }
        }
        if !FileManager.default.fileExists(atPath: pcapRoot) {
            try FileManager.default.createDirectory(atPath: pcapRoot, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        _ = try PcapStoreRecovery.reconcile(root: pcapRoot, committedLengths: committed)
        upgradedPackets = try LegacyPackets(writer: writer, root: pcapRoot).upgrade()
        pcap = try PcapStoreWriter(root: pcapRoot, configuration: pcapConfiguration)
    }

    /// What `prepare` leaves to do.
    public enum Preparation: Sendable {
        /// Committed before: only acknowledge again (the first ack may have been lost).
        case alreadyCommitted([Ack])
        /// Frames durable in the pcap store; the rows await their transaction.
        case ready(PreparedBatch)
    }

    /// The first half of storing one `records.v1`, on the storage loop's
    /// thread: skips a batch committed before; appends its frames to the
    /// pcap store, points its packet rows at them and fsyncs, so the rows
    /// can commit (on a `CommitPool` worker) knowing the bytes are on disk.
    public func prepare(_ message: RecordsMessage, producer: UUID, sequence: UInt64) throws -> Preparation {
        var batch = message.batch(producer: producer, sequence: sequence)
        if try writer.isCommitted(producer: producer, sequence: sequence) {
            counters.batchesDuplicate += 1
            return .alreadyCommitted(Self.acks(for: batch))
        }
        var added: [FrameKey] = []
        do {
            return .ready(try prepareStored(message, batch: &batch, putInFlight: &added))
        } catch {
            // It never reaches a commit: every frame it put in flight,
            // appended or not, is appended when it comes again.
            for key in added { inFlight.remove(key) }
            throw error
        }
    }

    private func prepareStored(_ message: RecordsMessage, batch: inout RecordBatch,
                               putInFlight added: inout [FrameKey]) throws -> PreparedBatch {
        var segments: [SegmentLength] = []
        var runs: [PacketRun] = []
        let clock = ContinuousClock()
        if let frames = message.frames, !frames.isEmpty {
            counters.pcapAppendSeconds += try clock.seconds { runs = try store(frames, positionsInto: &batch, putInFlight: &added) }
            counters.pcapFlushSeconds += try clock.seconds {
                segments = try pcap.flush().compactMap { flushed in
                    segmentRows[flushed.segment].map {
                        SegmentLength(id: $0, length: flushed.durableLength, indexLength: flushed.durableIndexLength)
                    }
                }
            }
        }
        if !batch.links.isEmpty { try fileLinks(batch.links) }
        for end in batch.ends { try retireSegments(ofCapture: end.captureID) }
        return PreparedBatch(batch: batch, segments: segments.sorted { $0.id < $1.id }, runs: runs,
                             acks: Self.acks(for: batch))
    }

    /// Counts a batch a worker committed.
    public func record(_ report: CommitPool.Report, of prepared: PreparedBatch) {
        counters.commitSeconds += report.seconds
        abandon(prepared)
        if report.committed {
            for (captureID, packets) in Dictionary(grouping: prepared.batch.packets, by: \.captureID) {
                committedFrames[captureID]?.formUnion(ascending: SequenceRanges.runs(of: packets.lazy.map(\.frameNumber)))
            }
            counters.batchesCommitted += 1
            counters.packets += prepared.batch.packets.count
            counters.flowReports += prepared.batch.flows.count
        } else {
            counters.batchesDuplicate += 1
        }
    }

    /// A batch that committed, failed or was refused: its frames are no
    /// longer on their way (a failed one's come again, and are appended again).
    public func abandon(_ prepared: PreparedBatch) {
        release(prepared.batch.packets)
    }

    private func release(_ packets: [PacketRecord]) {
        for packet in packets where packet.pcapPosition != nil {
            inFlight.remove(FrameKey(capture: packet.captureID, frame: packet.frameNumber))
        }
    }

    static func acks(for batch: RecordBatch) -> [Ack] {
        var byProducer: [UUID: [ClosedRange<UInt64>]] = [batch.producer: [batch.sequence ... batch.sequence]]
        for cover in batch.covers { byProducer[cover.producer, default: []].append(cover.first ... cover.last) }
        return byProducer.map { Ack(producer: $0.key, ranges: $0.value) }
    }

    /// Appends each frame to its segment and its entry to the segment's
    /// packet index, and points its packet there; a frame stored already
    /// (or on its way) is not appended again, and leaves the batch, so the
    /// capture's totals count it once. Returns the runs of index records appended.
    private func store(_ frames: FrameBatch, positionsInto batch: inout RecordBatch,
                       putInFlight added: inout [FrameKey]) throws -> [PacketRun] {
        var runs: [PacketRun] = []
        var runOfSegment: [Int64: Int] = [:]
        var resent = Set<Int>()
        defer {
            if !resent.isEmpty { batch.packets = batch.packets.enumerated().filter { !resent.contains($0.offset) }.map(\.element) }
        }
        for (index, frame) in frames.enumerated() where index < batch.packets.count {
            let captureID = batch.packets[index].captureID
            guard PcapFormat.representable(frame.timestamp) else {
                counters.framesNotStored += 1
                continue
            }
            let frameKey = FrameKey(capture: captureID, frame: batch.packets[index].frameNumber)
            if try inFlight.contains(frameKey) || isCommitted(frame: frameKey.frame, ofCapture: captureID) {
                counters.framesResent += 1
                resent.insert(index)
                continue
            }
            inFlight.insert(frameKey)
            added.append(frameKey)
            let key = SegmentKey(sensor: try sensor(ofCapture: captureID), capture: captureID,
                                 linkType: frame.linkType, timestamp: frame.timestamp)
            let packet = batch.packets[index]
            let position = try frame.bytes.withUnsafeBytes { raw in
                try pcap.append(key: key, timestamp: frame.timestamp, frame: raw, wireLength: frame.wireLength,
                                entry: PacketIndexEntry(packet))
            }
            let segmentID = try segmentRow(position.segment)
            if packet.flowKey == nil, packet.source != nil {
                if unfiled.count >= Self.maxUnfiled { unfiled.removeAll(keepingCapacity: true) }
                unfiled[FrameKey(capture: captureID, frame: packet.frameNumber)] =
                    IndexLocation(segment: position.segment, record: position.indexRecord)
            }
            batch.packets[index].pcapPosition = PcapPosition(segmentID: segmentID, offset: Int64(position.offset))
            if let run = runOfSegment[segmentID], runs[run].continues(segmentID: segmentID, record: position.indexRecord) {
                runs[run].extend(frame: packet.frameNumber, time: frame.timestamp)
            } else {
                runOfSegment[segmentID] = runs.count
                runs.append(PacketRun(segmentID: segmentID, firstRecord: position.indexRecord, captureID: captureID,
                                      frame: packet.frameNumber, time: frame.timestamp))
            }
        }
        return runs
    }

    /// Sets the flow key of each linked frame's index entry: an earlier
    /// batch of the lane wrote it (flushed, maybe still committing).
    private func fileLinks(_ links: [FlowLink]) throws {
        for link in links {
            let key = FrameKey(capture: link.captureID, frame: link.frame)
            guard let location = try unfiled.removeValue(forKey: key) ?? writer.indexLocation(of: key, root: pcap.root)
            else { continue }
            try pcap.setFlowKey(link.flowKey, segment: location.segment, record: location.record)
        }
    }

    private func isCommitted(frame: UInt64, ofCapture captureID: UInt64) throws -> Bool {
        if let frames = committedFrames[captureID] { return frames.contains(frame) }
        let frames = try committedFrames(ofCapture: captureID)
        committedFrames[captureID] = frames
        return frames.contains(frame)
    }

    private func segmentRow(_ segment: SegmentID) throws -> Int64 {
        if let id = segmentRows[segment] { return id }
        let id = try writer.segmentID(path: segment.relativePath, sensor: segment.key.sensor,
                                      captureID: segment.key.capture, linkType: segment.key.linkType.rawValue,
                                      day: UTCDay.string(segment.key.day))
        segmentRows[segment] = id
        return id
    }

    private func sensor(ofCapture captureID: UInt64) throws -> UUID {
        if let sensor = captureSensors[captureID] { return sensor }
        guard let sensor = try writer.sensor(ofCapture: captureID) else {
            throw StorageError.unknownCapture(captureID)
        }
        captureSensors[captureID] = sensor
        return sensor
    }

    /// A capture that ended appends nothing more: close its files.
    private func retireSegments(ofCapture captureID: UInt64) throws {
        try pcap.retire { $0.capture == captureID }
        segmentRows = segmentRows.filter { $0.key.key.capture != captureID }
        captureSensors[captureID] = nil
        committedFrames[captureID] = nil
    }

    /// Answers one control request.
    /// - Throws: `PostgresError` when the database cannot answer.
    public func answer(_ request: ControlMessage.Body) throws -> ControlMessage.Body {
        do {
            switch request {
            case .startCapture(let sensorID, let sensorName, let source, let runID, let file):
                let id = try writer.startCapture(sensor: SensorIdentity(id: sensorID, name: sensorName),
                                                 source: source, runID: runID,
                                                 file: file.map { (sha256: $0.sha256, size: $0.size) })
                captureSensors[id] = sensorID
                committedFrames[id] = SequenceRanges()
                counters.capturesStarted += 1
                return .captureStarted(captureID: id)
            case .captureStatus(let captureID):
                guard let summary = try writer.capture(captureID) else {
                    return .failed(message: "no capture \(captureID)")
                }
                return .captureTotals(ControlMessage.CaptureTotals(
                    captureID: captureID, status: summary.status.rawValue, failureReason: summary.failureReason,
                    expectedFrames: summary.expectedFrames, packets: summary.packets, bytes: summary.bytes,
                    flows: try writer.flowCount(ofCapture: captureID)))
            case .reportAdapters(let sensorID, let sensorName, let adapters):
                try writer.replaceAdapters(sensor: SensorIdentity(id: sensorID, name: sensorName), adapters.map {
                    TrafficWriter.Adapter(name: $0.name, description: $0.description, isUp: $0.isUp,
                                          isRunning: $0.isRunning, isLoopback: $0.isLoopback, mac: $0.macAddress,
                                          ipv4: $0.ipv4, ipv6: $0.ipv6, mtu: $0.mtu)
                })
                return .done
            case .reportStatistics(let stats):
                try writer.recordCaptureStatistics(stats.captureID, received: stats.received,
                                                   kernelDrops: stats.kernelDrops,
                                                   interfaceDrops: stats.interfaceDrops, sensorDrops: stats.sensorDrops)
                return .done
            case .captureStarted, .captureTotals, .failed, .done:
                return .failed(message: "not a request")
            }
        }
    }

    /// Makes everything appended durable and closes the store's files.
    public func close() throws {
        _ = try pcap.close()
    }
}

extension TrafficWriter {
    /// Where a committed frame's index entry is: through the runs that may
    /// hold it; nil when none does.
    func indexLocation(of frame: StorageEngine.FrameKey, root: String) throws -> StorageEngine.IndexLocation? {
        let runs = try connection.query("""
            SELECT s.path, r.first_record, r.records FROM packet_runs r JOIN segments s ON s.id = r.segment_id
            WHERE r.capture_id = $1 AND r.first_frame <= $2 AND r.last_frame >= $2
            """, [Int64(clamping: frame.capture), Int64(clamping: frame.frame)])
        let reader = PacketIndexReader(root: root)
        for index in runs.rows.indices {
            guard let row = runs.row(index), let segment = row.string(0).flatMap(SegmentID.init(relativePath:)),
                  let first = row.int64(1).map(UInt64.init(clamping:)), let count = row.int64(2) else { continue }
            var found: UInt64?
            try reader.scan(segment, records: first ..< first + UInt64(clamping: count)) { record, entry in
                if entry.frameNumber == frame.frame { found = record }
            }
            if let found { return StorageEngine.IndexLocation(segment: segment, record: found) }
        }
        return nil
    }
}

extension StorageEngine {
    /// The committed frames of a capture: those its committed runs of
    /// index records hold.
    func committedFrames(ofCapture captureID: UInt64) throws -> SequenceRanges {
        let reader = PacketIndexReader(root: pcap.root)
        var frames = SequenceRanges()
        for run in try writer.packetRuns(ofCapture: captureID) {
            guard let segment = SegmentID(relativePath: run.path) else { continue }
            frames.formUnion(ascending: SequenceRanges.runs(of: try reader.entries(of: segment, records: run.records).map(\.frameNumber)))
        }
        return frames
    }
}

extension PacketIndexEntry {
    /// The index entry of a decoded frame (the pcap store fills in its time,
    /// lengths and offset).
    init(_ packet: PacketRecord) {
        let layers = PacketLayers(
            l2Length: UInt32(clamping: packet.l2Length), l3Type: packet.l3Type,
            l3Offset: UInt32(clamping: packet.l3Offset), l3Length: UInt32(clamping: packet.l3Length),
            l4Type: packet.l4Type, l4Offset: UInt32(clamping: packet.l4Offset), l4Length: UInt32(clamping: packet.l4Length),
            l5Offset: UInt32(clamping: packet.l5Offset), l5Length: UInt32(clamping: packet.l5Length))
        self.init(frameNumber: packet.frameNumber, flowKey: packet.flowKey, anomalies: packet.anomalies.rawValue,
                  layers: layers, source: packet.source, destination: packet.destination,
                  sourcePort: packet.sourcePort, destinationPort: packet.destinationPort, vlans: packet.vlans)
    }
}

extension ContinuousClock {
    /// Seconds `body` took.
    func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = now
        try body()
        let elapsed = now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// A batch whose frames are durable, with the segment lengths its rows need
/// and the runs of packet index records it appended.
public struct PreparedBatch: Sendable {
    public var batch: RecordBatch
    public var segments: [SegmentLength]
    public var runs: [PacketRun]
    /// What committing it earns.
    public var acks: [Ack]
}

public enum StorageError: Error, CustomStringConvertible, Sendable {
    case unknownCapture(UInt64)

    public var description: String {
        switch self {
        case .unknownCapture(let id): "records name capture \(id), which storage never started"
        }
    }
}
