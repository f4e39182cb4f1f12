import Foundation
import PostgresClient
import Wire

/// What the installation holds: its totals, its sensors and their adapters.
extension SearchEngine {
    func answer(_ request: QueryMessage.Installation.Request) throws -> QueryMessage.Installation.Reply {
        switch request {
        case .getTotals: .totals(try totals())
        case .listSensors: .sensors(try sensors())
        case .listAdapters(let sensorID): .adapters(try adapters(sensorID))
        }
    }

    private func sensors() throws -> [QueryMessage.Sensor] {
        try connection.query("""
            SELECT s.id, s.name, (extract(epoch FROM s.created_at) * 1000000)::bigint * 1000,
                   (SELECT count(*) FROM captures c WHERE c.sensor_id = s.id)
            FROM sensors s ORDER BY s.name, s.id
            """).rows.compactMap { row in
            guard let id = (row[0] ?? nil).flatMap(UUID.init(uuidString:)) else { return nil }
            return QueryMessage.Sensor(id: id, name: row[1] ?? "", createdAt: (row[2] ?? nil).flatMap { Int64($0) } ?? 0,
                                       captures: (row[3] ?? nil).flatMap { UInt64($0) } ?? 0)
        }
    }

    private func adapters(_ sensorID: UUID?) throws -> [QueryMessage.Adapter] {
        let result = try connection.query("""
            SELECT sensor_id, name, description, is_up, mac, array_to_json(ipv4)::text, array_to_json(ipv6)::text, mtu
            FROM adapters WHERE $1::uuid IS NULL OR sensor_id = $1::uuid ORDER BY sensor_id, name
            """, [sensorID])
        func texts(_ json: String?) -> [String] {
            guard let json, let list = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else { return [] }
            return list
        }
        return result.rows.compactMap { row in
            guard let sensor = (row[0] ?? nil).flatMap(UUID.init(uuidString:)) else { return nil }
            return QueryMessage.Adapter(sensorID: sensor, name: row[1] ?? "", description: row[2] ?? "",
                                        isUp: row[3] == "t", macAddress: row[4] ?? nil, ipv4: texts(row[5] ?? nil),
                                        ipv6: texts(row[6] ?? nil), mtu: (row[7] ?? nil).flatMap { Int($0) })
        }
    }

    private func totals() throws -> QueryMessage.Totals {
        let row = try connection.query("""
            SELECT (SELECT count(*) FROM captures WHERE status = 'running'),
                   (SELECT coalesce(max(id), 0) FROM captures WHERE status = 'complete'),
                   (SELECT count(*) FROM adapters),
                   (SELECT coalesce(sum(packets), 0) FROM captures),
                   (SELECT coalesce(sum(bytes), 0) FROM captures),
                   (SELECT count(*) FROM flows)
            """).row(0)
        func u64(_ i: Int) -> UInt64 { row?.int64(i).map { UInt64(clamping: $0) } ?? 0 }
        return QueryMessage.Totals(runningCaptures: u64(0), lastCompleteCapture: u64(1), adapters: u64(2),
                                   packets: u64(3), bytes: u64(4), flows: u64(5))
    }
}
