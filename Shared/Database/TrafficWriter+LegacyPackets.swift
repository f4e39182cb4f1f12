import Dissection
import PostgresClient

/// Reading the packet rows stored before the packet index (`legacy_packets`,
/// migration 17), and committing the index storage writes for them.
extension TrafficWriter {
    /// A legacy packet row, as the index keeps it.
    public struct LegacyPacket: Sendable {
        public var frame: UInt64
        public var time: Int64
        public var flowKey: UInt64?
        public var anomalies: UInt64
        public var segmentRow: Int64
        public var segmentPath: String
        public var offset: UInt64
        public var batchID: Int64
        public var capturedLength: UInt32
        public var wireLength: UInt32
        /// l2l, l3t, l3o, l3l, l4t, l4o, l4l, l5o, l5l.
        public var layers: [UInt32]
        public var sourcePort: UInt16?
        public var destinationPort: UInt16?
        public var source: IPAddress?
        public var destination: IPAddress?
        public var vlans: [UInt16]
    }

    /// Whether rows stored before the packet index remain.
    public func hasLegacyPackets() throws -> Bool {
        try connection.query("SELECT to_regclass('legacy_packets') IS NOT NULL").row(0)?.bool(0) == true
    }

    /// Captures with legacy rows in segments that have no index yet.
    public func capturesWithLegacyPackets() throws -> [UInt64] {
        let result = try connection.query("""
            SELECT c.id FROM captures c
            WHERE EXISTS (SELECT 1 FROM legacy_packets p JOIN segments s ON s.id = p.segment_id
                          WHERE p.capture_id = c.id AND s.committed_index_length = 0)
            ORDER BY c.id
            """)
        return result.rows.indices.compactMap { result.row($0)?.int64(0).map(UInt64.init(clamping:)) }
    }

    /// Up to `limit` of a capture's legacy rows after frame `after`, in
    /// frame order, of segments without an index. Rows without a segment
    /// (frames whose time pcap cannot hold) have nothing to index.
    public func legacyPackets(ofCapture captureID: UInt64, after frame: UInt64, limit: Int) throws -> [LegacyPacket] {
        let result = try connection.query("""
            SELECT p.frame_number, p.ts_ns, p.flow_key, p.anomalies, p.segment_id, s.path, p.segment_offset,
                   p.batch_id, p.caplen, p.wirelen, p.l2l, p.l3t, p.l3o, p.l3l, p.l4t, p.l4o, p.l4l, p.l5o, p.l5l,
                   p.src_port, p.dst_port, host(p.src), host(p.dst), array_to_string(p.vlan_ids, ',')
            FROM legacy_packets p JOIN segments s ON s.id = p.segment_id
            WHERE p.capture_id = $1 AND p.frame_number > $2 AND s.committed_index_length = 0
            ORDER BY p.frame_number LIMIT $3
            """, [Int64(clamping: captureID), Int64(clamping: frame), limit])
        return result.rows.indices.compactMap { index -> LegacyPacket? in
            guard let row = result.row(index), let frame = row.int64(0), let time = row.int64(1),
                  let segment = row.int64(4), let path = row.string(5), let offset = row.int64(6),
                  let batch = row.int64(7), let caplen = row.int64(8), let wirelen = row.int64(9) else { return nil }
            return LegacyPacket(
                frame: UInt64(clamping: frame), time: time, flowKey: row.int64(2).map { UInt64(bitPattern: $0) },
                anomalies: UInt64(bitPattern: row.int64(3) ?? 0), segmentRow: segment, segmentPath: path,
                offset: UInt64(clamping: offset), batchID: batch, capturedLength: UInt32(clamping: caplen),
                wireLength: UInt32(clamping: wirelen),
                layers: (10 ... 18).map { UInt32(clamping: row.int64($0) ?? 0) },
                sourcePort: row.int64(19).map { UInt16(clamping: $0) },
                destinationPort: row.int64(20).map { UInt16(clamping: $0) },
                source: row.string(21).flatMap(IPAddress.init), destination: row.string(22).flatMap(IPAddress.init),
                vlans: (row.string(23) ?? "").split(separator: ",").compactMap { UInt16($0) })
        }
    }

    /// Commits the index written for legacy rows, in one transaction: the
    /// runs (each with the batch its rows came in) and the segments' index lengths.
    public func commitLegacyIndex(runs: [(run: PacketRun, batchID: Int64)], indexLengths: [Int64: UInt64]) throws {
        try partitions.ensure(.packetRuns, coveringTimes: runs.lazy.map(\.run.start), on: connection)
        try connection.transaction { _ in
            for (batchID, group) in Dictionary(grouping: runs, by: \.batchID) {
                try copyPacketRuns(group.map(\.run), batchID: batchID)
            }
            for (segment, length) in indexLengths.sorted(by: { $0.key < $1.key }) {
                try connection.query("UPDATE segments SET committed_index_length = $2 WHERE id = $1",
                                     [segment, Int64(clamping: length)])
            }
        }
    }

    /// Every legacy row is in the index: the table goes.
    public func dropLegacyPackets() throws {
        try connection.execute("DROP TABLE IF EXISTS legacy_packets")
    }
}
