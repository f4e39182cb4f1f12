import PostgresClient
import Wire

/// A capture's stored packets.
extension SearchEngine {
    func answer(_ request: QueryMessage.Packets.Request) throws -> QueryMessage.Packets.Reply {
        switch request {
        case .list(let capture, let after, let limit): .page(try packetPage(capture: capture, after: after, limit: limit))
        }
    }

    func packetPage(capture: UInt64, after: UInt64, limit: Int) throws -> QueryMessage.PacketPage? {
        let id = Int64(clamping: capture)
        // The status first: a capture that has ended has every frame stored.
        guard let state = try connection.query("SELECT status, packets FROM captures WHERE id = $1", [id]).row(0) else {
            return nil
        }
        let result = try connection.query("""
            SELECT \(Self.packetColumns)
            FROM packets p
            LEFT JOIN segments s ON s.id = p.segment_id
            LEFT JOIN LATERAL (SELECT id FROM flows WHERE flow_key = p.flow_key LIMIT 1) fl ON true
            WHERE p.capture_id = $1 AND p.frame_number > $2
            ORDER BY p.frame_number LIMIT $3
            """, [id, Int64(clamping: after), Self.clamp(limit)])
        var packets: [QueryMessage.Packet] = []
        let running = state.string(0) == "running"
        for index in result.rows.indices {
            guard let row = result.row(index), let packet = Self.packet(row) else { continue }
            if running && packet.frame != after + UInt64(packets.count) + 1 { break }
            packets.append(packet)
        }
        let before = after == 0 ? 0 : try connection.query(
            "SELECT count(*) FROM packets WHERE capture_id = $1 AND frame_number <= $2",
            [id, Int64(clamping: after)]).row(0)?.int64(0) ?? 0
        let lastFlow = try connection.query(
            "SELECT coalesce(max(id), 0) FROM flows WHERE capture_id = $1", [id]).row(0)?.int64(0) ?? 0
        return QueryMessage.PacketPage(
            packets: packets, lastPacketID: packets.last?.frame ?? after, before: UInt64(clamping: before),
            total: UInt64(clamping: state.int64(1) ?? 0), lastFlowID: UInt64(clamping: lastFlow))
    }

    static func packet(_ row: PostgresRow) -> QueryMessage.Packet? {
        guard let frame = row.int64(0), let time = row.int64(1), let caplen = row.int(2) else { return nil }
        var position: QueryMessage.StoredPosition?
        if let path = row.string(20), let offset = row.int64(21) {
            position = QueryMessage.StoredPosition(segment: path, offset: UInt64(clamping: offset),
                                                   length: UInt32(clamping: caplen + 16))
        }
        return QueryMessage.Packet(
            frame: UInt64(clamping: frame), time: time, capturedLength: caplen, wireLength: row.int(3) ?? caplen,
            flowID: row.int64(4).map { UInt64(clamping: $0) }, source: row.string(5), destination: row.string(6),
            sourcePort: row.int(7), destinationPort: row.int(8), layers: (9 ... 18).map { row.int($0) ?? 0 },
            anomalies: UInt64(bitPattern: row.int64(19) ?? 0), position: position)
    }
}
