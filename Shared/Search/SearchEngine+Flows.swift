import Foundation
import PostgresClient
import Wire

/// Flows: all or by Community ID, a capture's, one by id.
extension SearchEngine {
    func answer(_ request: QueryMessage.Flows.Request) throws -> QueryMessage.Flows.Reply {
        switch request {
        case .list(let capture, let after, let limit):
            guard try captureExists(capture) else { return .flows(nil) }
            return .flows(try flows("WHERE capture_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                                    [Int64(clamping: capture), Int64(clamping: after), Self.clamp(limit)]))
        case .find(let communityID?, let after, let limit):
            return .flows(try flows("WHERE community_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                                    [communityID, Int64(clamping: after), Self.clamp(limit)]))
        case .find(nil, let after, let limit):
            return .flows(try flows("WHERE id > $1 ORDER BY id LIMIT $2", [Int64(clamping: after), Self.clamp(limit)]))
        case .get(let id):
            return .flow(try flows("WHERE id = $1 LIMIT 1", [Int64(clamping: id)]).first)
        }
    }

    static let flowSelect = """
        SELECT f.id, f.capture_id, f.community_id, host(f.src), host(f.dst), f.src_port, f.dst_port, f.protocol,
               f.start_ns, f.end_ns, f.first_frame, f.src_packets, f.src_bytes, f.dst_packets, f.dst_bytes,
               f.src_tcp_flags, f.dst_tcp_flags, f.final, f.reason, array_to_json(f.vlan_ids)::text
        FROM flows f
        """

    static func flow(_ row: PostgresRow) -> QueryMessage.Flow? {
        guard let id = row.int64(0), let capture = row.int64(1) else { return nil }
        func u64(_ i: Int) -> UInt64 { UInt64(clamping: row.int64(i) ?? 0) }
        let vlans = row.string(19).flatMap { try? JSONDecoder().decode([Int].self, from: Data($0.utf8)) } ?? []
        return QueryMessage.Flow(
            id: UInt64(id), captureID: UInt64(capture), communityID: row.string(2) ?? "", source: row.string(3) ?? "",
            destination: row.string(4) ?? "", sourcePort: row.int(5), destinationPort: row.int(6),
            protocolNumber: row.int(7) ?? 0, start: row.int64(8) ?? 0, end: row.int64(9) ?? 0, firstFrame: u64(10),
            sourcePackets: u64(11), sourceBytes: u64(12), destinationPackets: u64(13), destinationBytes: u64(14),
            sourceTCPFlags: row.int(15) ?? 0, destinationTCPFlags: row.int(16) ?? 0, isFinal: row.bool(17) ?? false,
            reason: row.string(18) ?? "", vlans: vlans)
    }

    func flows(_ sql: String, _ parameters: [(any PostgresParameter)?]) throws -> [QueryMessage.Flow] {
        let result = try connection.query(Self.flowSelect + " " + sql, parameters)
        return result.rows.indices.compactMap { result.row($0).flatMap(Self.flow) }
    }
}
