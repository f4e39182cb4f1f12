import Foundation
import PostgresClient
import Wire

/// Captures: listed, one by id, its CAPTUREMETA and its counts.
extension SearchEngine {
    func answer(_ request: QueryMessage.Captures.Request) throws -> QueryMessage.Captures.Reply {
        switch request {
        case .list(let after, let limit):
            let rows = try connection.query(Self.captureSelect + " WHERE c.id > $1 ORDER BY c.id LIMIT $2",
                                            [Int64(clamping: after), Self.clamp(limit)])
            return .captures(rows.rows.compactMap(Self.capture))
        case .get(let id):
            let rows = try connection.query(Self.captureSelect + " WHERE c.id = $1", [Int64(clamping: id)])
            return .capture(rows.rows.first.flatMap(Self.capture))
        case .getMeta(let id):
            return .meta(try captureMeta(id))
        case .getStats(let id):
            return .stats(try recentCaptureStats(id))
        }
    }

    /// The capture's counts, as answered within the last second if they were.
    private func recentCaptureStats(_ id: UInt64) throws -> QueryMessage.CaptureStats? {
        let now = ContinuousClock.now
        if let known = recentStats[id], now - known.at < Self.statsLifetime { return known.stats }
        let stats = try captureStats(id)
        if let stats {
            if recentStats.count >= Self.maxCachedStats { recentStats.removeAll() }
            recentStats[id] = (stats, now)
        }
        return stats
    }

    static let captureSelect = """
        SELECT c.id, c.sensor_id, s.name, c.source, c.status, c.failure_reason, c.packets, c.bytes, c.wire_bytes,
               c.first_packet_ns, c.last_packet_ns,
               (extract(epoch FROM c.started_at) * 1000000)::bigint * 1000,
               (extract(epoch FROM c.ended_at) * 1000000)::bigint * 1000,
               encode(c.sha256, 'hex'), c.file_size
        FROM captures c JOIN sensors s ON s.id = c.sensor_id
        """

    static func capture(_ row: [String?]) -> QueryMessage.Capture? {
        func u64(_ i: Int) -> UInt64 { (row[i] ?? nil).flatMap { UInt64($0) } ?? 0 }
        func i64(_ i: Int) -> Int64? { (row[i] ?? nil).flatMap { Int64($0) } }
        guard let id = (row[0] ?? nil).flatMap({ UInt64($0) }),
              let sensor = (row[1] ?? nil).flatMap(UUID.init(uuidString:)) else { return nil }
        return QueryMessage.Capture(
            id: id, sensorID: sensor, sensorName: row[2] ?? "", source: row[3] ?? "", status: row[4] ?? "",
            failureReason: row[5] ?? nil, packets: u64(6), bytes: u64(7), wireBytes: u64(8), firstPacket: i64(9),
            lastPacket: i64(10), startedAt: i64(11) ?? 0, endedAt: i64(12),
            file: (row[13] ?? nil).map { FileDigest(sha256: $0, size: u64(14)) })
    }

    private func captureStats(_ id: UInt64) throws -> QueryMessage.CaptureStats? {
        let capture = try connection.query("""
            SELECT packets, bytes, ipv4_packets, ipv6_packets, tcp_packets, udp_packets, icmp_packets
            FROM captures WHERE id = $1
            """, [Int64(clamping: id)])
        guard let row = capture.row(0) else { return nil }
        let flows = try connection.query("""
            SELECT count(*), (SELECT count(*) FROM (SELECT src FROM flows WHERE capture_id = $1
                                                    UNION SELECT dst FROM flows WHERE capture_id = $1) AS a)
            FROM flows WHERE capture_id = $1
            """, [Int64(clamping: id)])
        func u64(_ value: Int64?) -> UInt64 { value.map { UInt64(clamping: $0) } ?? 0 }
        return QueryMessage.CaptureStats(
            packets: u64(row.int64(0)), bytes: u64(row.int64(1)), flows: u64(flows.row(0)?.int64(0)),
            addresses: u64(flows.row(0)?.int64(1)), ipv4: u64(row.int64(2)), ipv6: u64(row.int64(3)),
            tcp: u64(row.int64(4)), udp: u64(row.int64(5)), icmp: u64(row.int64(6)))
    }

    func captureExists(_ id: UInt64) throws -> Bool {
        try connection.query("SELECT 1 FROM captures WHERE id = $1", [Int64(clamping: id)]).rows.count == 1
    }

    func captureMeta(_ id: UInt64) throws -> QueryMessage.CaptureMeta? {
        let rows = try connection.query(Self.captureSelect + " WHERE c.id = $1", [Int64(clamping: id)])
        guard let capture = rows.rows.first.flatMap(Self.capture) else { return nil }
        let flows = try connection.query(
            "SELECT count(*), coalesce(max(id), 0) FROM flows WHERE capture_id = $1", [Int64(clamping: id)]).row(0)
        return QueryMessage.CaptureMeta(
            capture: capture, flows: UInt64(clamping: flows?.int64(0) ?? 0),
            lastFlowID: UInt64(clamping: flows?.int64(1) ?? 0),
            lastPacketID: try settledFrame(capture: id, running: capture.status != "complete" && capture.status != "failed"))
    }

    /// The highest frame number below which every frame is committed. While
    /// a capture runs, several decoders commit out of frame order, so that is
    /// the frame before the first gap; once it ended every frame is in.
    func settledFrame(capture: UInt64, running: Bool) throws -> UInt64 {
        let top = try connection.query("""
            SELECT coalesce(max(last_frame), 0), (SELECT packets FROM captures WHERE id = $1)
            FROM packet_runs WHERE capture_id = $1
            """, [Int64(clamping: capture)]).row(0)
        let highest = top?.int64(0) ?? 0
        guard running, highest != top?.int64(1) else { return UInt64(clamping: highest) }
        return try packets.settledFrame(capture: capture)
    }
}
