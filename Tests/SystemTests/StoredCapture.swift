import Foundation
import PostgresClient
import TestSupport

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

    static func load(_ captureID: UInt64, from db: PostgresConnection, pcapRoot: String) throws -> StoredCapture {
        let id = Int64(captureID)
        let packets = try StoredPackets.all(db, pcapRoot: pcapRoot, capture: captureID).map(\.entry)
        let flows = try db.query("""
            SELECT host(src), host(dst), coalesce(src_port, -1), coalesce(dst_port, -1), protocol, community_id,
                   src_packets, dst_packets, src_bytes, dst_bytes, final
            FROM flows WHERE capture_id = $1
            """, [id])
        let capture = try db.query("SELECT status, expected_frames FROM captures WHERE id = $1", [id])
        return StoredCapture(
            packets: packets.count, distinctFrames: Set(packets.map(\.frameNumber)).count,
            highestFrame: Int(packets.map(\.frameNumber).max() ?? 0),
            capturedBytes: packets.reduce(0) { $0 + Int64($1.capturedLength) },
            wireBytes: packets.reduce(0) { $0 + Int64($1.wireLength) },
            flows: flows.rows.map { $0.map { $0 ?? "∅" }.joined(separator: "|") }.sorted(),
            communityIDs: Set(flows.rows.compactMap { $0[5] ?? nil }),
            status: capture.row(0)?.string(0) ?? "missing", expectedFrames: capture.row(0)?.int(1))
    }
}
