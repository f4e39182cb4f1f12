import PostgresClient

/// Records a batch appended to one segment's packet index, one after the
/// other: what readers of the index may use once the batch commits.
public struct PacketRun: Hashable, Sendable {
    /// The `segments` row.
    public var segmentID: Int64
    public var firstRecord: UInt64
    public var records: Int
    public var captureID: UInt64
    public var firstFrame: UInt64
    public var lastFrame: UInt64
    /// Earliest and latest packet time in the run, ns.
    public var start: Int64
    public var end: Int64

    public init(segmentID: Int64, firstRecord: UInt64, captureID: UInt64, frame: UInt64, time: Int64) {
        self.segmentID = segmentID
        self.firstRecord = firstRecord
        records = 1
        self.captureID = captureID
        firstFrame = frame
        lastFrame = frame
        start = time
        end = time
    }

    /// Whether record `record` of `segmentID` is the one after this run.
    public func continues(segmentID: Int64, record: UInt64) -> Bool {
        segmentID == self.segmentID && record == firstRecord + UInt64(records)
    }

    public mutating func extend(frame: UInt64, time: Int64) {
        records += 1
        firstFrame = min(firstFrame, frame)
        lastFrame = max(lastFrame, frame)
        start = min(start, time)
        end = max(end, time)
    }
}

extension TrafficWriter {
    static let packetRunColumns =
        "segment_id, first_record, capture_id, batch_id, first_frame, last_frame, start_ns, end_ns, records"

    /// Inside a batch's transaction: its runs, by binary COPY.
    func copyPacketRuns(_ runs: [PacketRun], batchID: Int64) throws {
        guard !runs.isEmpty else { return }
        var encoder = BinaryCopyEncoder(reservingCapacity: runs.count * 96)
        try connection.copyIn(sql: "COPY packet_runs (\(Self.packetRunColumns)) FROM STDIN (FORMAT binary)") { stream in
            for run in runs {
                encoder.beginRow(fieldCount: 9)
                encoder.append(int8: run.segmentID)
                encoder.append(int8: Int64(bitPattern: run.firstRecord))
                encoder.append(int8: Int64(bitPattern: run.captureID))
                encoder.append(int8: batchID)
                encoder.append(int8: Int64(bitPattern: run.firstFrame))
                encoder.append(int8: Int64(bitPattern: run.lastFrame))
                encoder.append(int8: run.start)
                encoder.append(int8: run.end)
                encoder.append(int4: Int32(clamping: run.records))
            }
            try stream.send(encoder.finish())
        }
    }
}
