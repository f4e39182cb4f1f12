import Formats
import PcapStore
import PostgresClient

/// The packets a store holds, read the way search reads them: the
/// committed runs of `packet_runs` and the packet index beside the pcap store.
public enum StoredPackets {
    public struct Stored: Hashable, Sendable {
        public var capture: UInt64
        public var segment: SegmentID
        public var entry: PacketIndexEntry
        /// The batch whose commit made it readable.
        public var batch: Int64
    }

    /// Every committed packet (of one capture, when given), in (capture, frame) order.
    public static func all(_ db: PostgresConnection, pcapRoot: String, capture: UInt64? = nil) throws -> [Stored] {
        let result = try db.query("""
            SELECT r.capture_id, s.path, r.first_record, r.records, r.batch_id FROM packet_runs r JOIN segments s ON s.id = r.segment_id
            WHERE $1::bigint IS NULL OR r.capture_id = $1
            """, [capture.map { Int64(clamping: $0) }])
        let reader = PacketIndexReader(root: pcapRoot)
        var stored: [Stored] = []
        for index in result.rows.indices {
            guard let row = result.row(index), let capture = row.int64(0),
                  let segment = row.string(1).flatMap(SegmentID.init(relativePath:)),
                  let first = row.int64(2).map(UInt64.init(clamping:)), let records = row.int64(3),
                  let batch = row.int64(4) else { continue }
            for entry in try reader.entries(of: segment, records: first ..< first + UInt64(clamping: records)) {
                stored.append(Stored(capture: UInt64(clamping: capture), segment: segment, entry: entry, batch: batch))
            }
        }
        return stored.sorted { ($0.capture, $0.entry.frameNumber) < ($1.capture, $1.entry.frameNumber) }
    }
}

extension StoredPackets {
    /// An empty temporary `packets` table, shaped as the packet rows of old.
    public static func createTable(_ db: PostgresConnection) throws {
        try db.execute("""
            DROP TABLE IF EXISTS pg_temp.packets;
            CREATE TEMP TABLE packets (
                capture_id bigint NOT NULL, frame_number bigint NOT NULL, ts_ns bigint NOT NULL,
                anomalies bigint NOT NULL, flow_key bigint, segment_id bigint, segment_offset bigint, batch_id bigint NOT NULL,
                caplen integer NOT NULL, wirelen integer NOT NULL, l2t integer NOT NULL, l2l integer NOT NULL,
                l3t integer NOT NULL, l3o integer NOT NULL, l3l integer NOT NULL, l4o integer NOT NULL,
                l4l integer NOT NULL, l5o integer NOT NULL, l5l integer NOT NULL, src_port integer, dst_port integer,
                l4t smallint NOT NULL, src inet, dst inet, vlan_ids integer[])
            """)
    }

    /// A session's temporary `packets` table holding every committed packet
    /// the way the packet rows of old held them, for tests that check
    /// answers against SQL written over it.
    public static func loadTable(_ db: PostgresConnection, pcapRoot: String) throws {
        try createTable(db)
        let segments = try db.query("SELECT path, id FROM segments")
        var rows: [String: Int64] = [:]
        for index in segments.rows.indices {
            if let row = segments.row(index), let path = row.string(0), let id = row.int64(1) { rows[path] = id }
        }
        func text(_ value: CustomStringConvertible?) -> String { value.map { "\($0)" } ?? "\\N" }
        var lines = ""
        for stored in try all(db, pcapRoot: pcapRoot) {
            let e = stored.entry, l = e.layers
            let fields: [String] = [
                text(stored.capture), text(e.frameNumber), text(e.timestamp), text(Int64(bitPattern: e.anomalies)),
                text(e.flowKey.map { Int64(bitPattern: $0) }), text(rows[stored.segment.relativePath]), text(e.offset),
                text(stored.batch),
                text(e.capturedLength), text(e.wireLength), text(stored.segment.key.linkType.rawValue), text(l.l2Length),
                text(l.l3Type), text(l.l3Offset), text(l.l3Length), text(l.l4Offset), text(l.l4Length), text(l.l5Offset),
                text(l.l5Length), text(e.sourcePort), text(e.destinationPort), text(l.l4Type), text(e.source),
                text(e.destination), e.vlans.count == 0 ? "\\N" : "{" + e.vlans.ids.map(String.init).joined(separator: ",") + "}",
            ]
            lines += fields.joined(separator: "\t") + "\n"
        }
        _ = try db.copyIn(sql: "COPY packets FROM STDIN", chunks: [Array(lines.utf8)])
    }
}
