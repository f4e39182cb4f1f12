import Foundation
import PostgresClient

/// What the database holds for one capture, in a form two captures of the
/// same file can be compared by (flow keys depend on the capture id, so
/// flows are compared by everything else).
struct StoredCapture: Equatable {
    var packets: Int
    var distinctFrames: Int
    var highestFrame: Int
    var capturedBytes: Int64
    var wireBytes: Int64
    /// One line per flow: addresses, ports, protocol, Community ID, totals, final.
    var flows: [String]
    var communityIDs: Set<String>
    var status: String
    var expectedFrames: Int?

    static func load(_ captureID: UInt64, from db: PostgresConnection) throws -> StoredCapture {
        let id = Int64(captureID)
        let totals = try db.query("""
            SELECT count(*), count(DISTINCT frame_number), coalesce(max(frame_number), 0),
                   coalesce(sum(caplen), 0), coalesce(sum(wirelen), 0)
            FROM packets WHERE capture_id = $1
            """, [id])
        let flows = try db.query("""
            SELECT host(src), host(dst), coalesce(src_port, -1), coalesce(dst_port, -1), protocol, community_id,
                   src_packets, dst_packets, src_bytes, dst_bytes, final
            FROM flows WHERE capture_id = $1
            """, [id])
        let capture = try db.query("SELECT status, expected_frames FROM captures WHERE id = $1", [id])
        let row = totals.row(0)
        return StoredCapture(
            packets: row?.int(0) ?? 0, distinctFrames: row?.int(1) ?? 0, highestFrame: row?.int(2) ?? 0,
            capturedBytes: row?.int64(3) ?? 0, wireBytes: row?.int64(4) ?? 0,
            flows: flows.rows.map { $0.map { $0 ?? "∅" }.joined(separator: "|") }.sorted(),
            communityIDs: Set(flows.rows.compactMap { $0[5] ?? nil }),
            status: capture.row(0)?.string(0) ?? "missing", expectedFrames: capture.row(0)?.int(1))
    }
}
