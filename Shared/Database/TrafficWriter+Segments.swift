import Foundation

/// The `segments` table: one row per pcap store file, with the length that
/// committed packet rows may point into.
extension TrafficWriter {
    /// The row id of the segment at `path` (relative to the store root),
    /// inserting it with committed length 0 if new. Runs in its own statement:
    /// a segment row without packets is harmless, and its id must exist
    /// before packet rows name it.
    public func segmentID(path: String, sensor: UUID, captureID: UInt64, linkType: UInt32, day: String) throws -> Int64 {
        let result = try connection.query("""
            INSERT INTO segments (path, sensor_id, capture_id, linktype, day) VALUES ($1, $2, $3, $4, $5::date)
            ON CONFLICT (path) DO UPDATE SET path = EXCLUDED.path
            RETURNING id
            """, [path, sensor, Int64(bitPattern: captureID), Int64(linkType), day])
        guard let id = result.row(0)?.int64(0) else { throw connection.unexpected("no segment id returned") }
        return id
    }

    /// Committed lengths of each segment and of its packet index, by
    /// relative path, for cutting uncommitted tails at start-up.
    public func committedSegmentLengths() throws -> [String: SegmentLength.Committed] {
        let result = try connection.query("SELECT path, committed_length, committed_index_length FROM segments")
        var lengths: [String: SegmentLength.Committed] = [:]
        for index in result.rows.indices {
            guard let row = result.row(index), let path = row.string(0), let length = row.int64(1),
                  let indexLength = row.int64(2) else { continue }
            lengths[path] = .init(segment: UInt64(clamping: length), index: UInt64(clamping: indexLength))
        }
        return lengths
    }

    /// A capture's committed runs of packet index records: the segment's
    /// path and the records' numbers.
    public func packetRuns(ofCapture captureID: UInt64) throws -> [(path: String, records: Range<UInt64>)] {
        let result = try connection.query("""
            SELECT s.path, r.first_record, r.records FROM packet_runs r JOIN segments s ON s.id = r.segment_id
            WHERE r.capture_id = $1 ORDER BY r.first_frame
            """, [Int64(bitPattern: captureID)])
        return result.rows.indices.compactMap { index in
            guard let row = result.row(index), let path = row.string(0),
                  let first = row.int64(1).map(UInt64.init(clamping:)), let records = row.int64(2) else { return nil }
            return (path, first ..< first + UInt64(clamping: records))
        }
    }

    /// Inside a batch's transaction: the durable lengths its packets rely on.
    func commitSegmentLengths(_ lengths: [SegmentLength]) throws {
        for segment in lengths {
            try connection.query("""
                UPDATE segments SET committed_length = GREATEST(committed_length, $2),
                    committed_index_length = GREATEST(committed_index_length, $3)
                WHERE id = $1
                """, [segment.id, Int64(bitPattern: segment.length), Int64(bitPattern: segment.indexLength)])
        }
    }

    /// The sensor a capture belongs to; nil if no such capture.
    public func sensor(ofCapture captureID: UInt64) throws -> UUID? {
        let result = try connection.query("SELECT sensor_id FROM captures WHERE id = $1", [Int64(bitPattern: captureID)])
        return result.scalar.flatMap(UUID.init(uuidString:))
    }

    /// Flows stored for a capture (one row per flow).
    public func flowCount(ofCapture captureID: UInt64) throws -> UInt64 {
        let result = try connection.query("SELECT count(*) FROM flows WHERE capture_id = $1", [Int64(bitPattern: captureID)])
        return result.scalar.flatMap { UInt64($0) } ?? 0
    }

    /// Whether (producer, sequence) was committed: lets storage skip the pcap
    /// store for a re-sent batch.
    public func isCommitted(producer: UUID, sequence: UInt64) throws -> Bool {
        let result = try connection.query("SELECT 1 FROM batches WHERE producer = $1 AND sequence = $2",
                                          [producer, Int64(bitPattern: sequence)])
        return !result.rows.isEmpty
    }
}

/// A segment row and the durable lengths a batch's packets need: of the
/// segment and of its packet index.
public struct SegmentLength: Hashable, Sendable {
    public var id: Int64
    public var length: UInt64
    public var indexLength: UInt64

    public init(id: Int64, length: UInt64, indexLength: UInt64) {
        self.id = id
        self.length = length
        self.indexLength = indexLength
    }

    /// What a segment row says is committed.
    public struct Committed: Hashable, Sendable {
        public var segment: UInt64
        public var index: UInt64
    }
}
