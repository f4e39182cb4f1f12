import Auth
import Database
import Formats
import Foundation
import Messaging
import PostgresClient
import Wire

/// The read side's answers from PostgreSQL, every value a query parameter.
/// Blocking (libpq): one engine per worker thread.
public final class SearchEngine {
    public let connection: PostgresConnection
    public let limits: SearchLimits
    /// Most captures one listing returns.
    public static let maxLimit = 1_000
    /// Most frames one download page lists.
    public static let maxExportFrames = 20_000

    /// Capture stats answered in the last second: counting a capture's
    /// distinct addresses reads all its flows (~40 ms for 28k flows), and a
    /// dashboard polls them. A second of staleness is the price.
    /// Recent search exports' frames (`ExportResults`), shared by the
    /// process's engines: a file's pages go to whichever worker is free.
    static let exportResults = Locked(ExportResults())
    private var recentStats: [UInt64: (stats: QueryMessage.CaptureStats, at: ContinuousClock.Instant)] = [:]
    static let statsLifetime = Duration.seconds(1)
    static let maxCachedStats = 10_000

    /// Longest a statement may run before PostgreSQL cancels it.
    static let statementTimeoutSeconds = 30

    public init(conninfo: String, limits: SearchLimits = .default) throws {
        self.limits = limits
        connection = try PostgresConnection(conninfo: conninfo)
        try connection.execute("SET statement_timeout = \(Self.statementTimeoutSeconds * 1_000)")
        // Compiling a plan to machine code costs ~20 ms a statement; a page of 100 is done sooner.
        try connection.execute("SET jit = off")
    }

    public func answer(_ query: QueryMessage.Body) throws -> QueryMessage.Body {
        switch query {
        case .verifyKey(let hashHex):
            return .keyHolder(try verifyKey(hashHex: hashHex))
        case .listCaptures(let after, let limit):
            let rows = try connection.query(Self.captureSelect + " WHERE c.id > $1 ORDER BY c.id LIMIT $2",
                                            [Int64(clamping: after), Self.clamp(limit)])
            return .captures(rows.rows.compactMap(Self.capture))
        case .getCapture(let id):
            let rows = try connection.query(Self.captureSelect + " WHERE c.id = $1", [Int64(clamping: id)])
            return .capture(rows.rows.first.flatMap(Self.capture))
        case .getCaptureStats(let id):
            let now = ContinuousClock.now
            if let known = recentStats[id], now - known.at < Self.statsLifetime { return .captureStats(known.stats) }
            let stats = try captureStats(id)
            if let stats {
                if recentStats.count >= Self.maxCachedStats { recentStats.removeAll() }
                recentStats[id] = (stats, now)
            }
            return .captureStats(stats)
        case .getTotals:
            return .totals(try totals())
        case .listSensors:
            return .sensors(try sensors())
        case .listAdapters(let sensorID):
            return .adapters(try adapters(sensorID))
        case .getCaptureMeta(let id):
            return .captureMeta(try captureMeta(id))
        case .listPackets(let capture, let after, let limit):
            return .packets(try packetPage(capture: capture, after: after, limit: limit))
        case .listFlows(let capture, let after, let limit):
            guard try captureExists(capture) else { return .flows(nil) }
            return .flows(try flows("WHERE capture_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                                    [Int64(clamping: capture), Int64(clamping: after), Self.clamp(limit)]))
        case .findFlows(let communityID?, let after, let limit):
            return .flows(try flows("WHERE community_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                                    [communityID, Int64(clamping: after), Self.clamp(limit)]))
        case .findFlows(nil, let after, let limit):
            return .flows(try flows("WHERE id > $1 ORDER BY id LIMIT $2", [Int64(clamping: after), Self.clamp(limit)]))
        case .getFlow(let id):
            return .flow(try flows("WHERE id = $1 LIMIT 1", [Int64(clamping: id)]).first)
        case .getExportPlan(let target):
            return .exportPlan(try exportPlan(target))
        case .listExportFrames(let target, let after, let limit):
            return .exportFrames(try exportFrames(target, after: after, limit: limit))
        case .listEvents(let scope, let dataset, let after, let limit):
            return .events(try events(scope, dataset: dataset, after: after, limit: Self.clamp(limit)))
        case .startSearch(let request):
            return try startSearch(request)
        case .getSearch(let id):
            return .searchMeta(try searchMeta(id))
        case .cancelSearch(let id):
            return .searchMeta(try deleteSearch(id))
        case .listSearchResults(let id, let after, let limit):
            return .searchResults(try searchResults(id, after: after, limit: Self.clamp(limit)))
        case .addHunt(let request):
            return try addHunt(request)
        case .listHunts:
            return .hunts(try hunts())
        case .getHunt(let id):
            return .hunt(try hunt(id))
        case .updateHunt(let id, let change):
            return .hunt(try updateHunt(id, change))
        case .deleteHunt(let id):
            return .hunt(try deleteHunt(id))
        case .runHunt(let id):
            return .hunt(try runHunt(id))
        case .listHuntMatches(let id, let after, let limit):
            return .huntMatches(try huntMatches(id, after: after, limit: Self.clamp(limit)))
        case .search(let request):
            do {
                return .searchPage(try search(request))
            } catch let error as PostgresError where error.sqlState == "57014" {
                return .failed(message: "the search ran longer than \(Self.statementTimeoutSeconds) s and was cancelled")
            }
        case .keyHolder, .captures, .capture, .captureStats, .totals, .sensors, .adapters, .captureMeta, .packets,
             .flows, .flow, .exportPlan, .exportFrames, .events, .searchPage, .searchesBusy, .searchMeta, .searchResults,
             .huntRefused,
             .hunts, .hunt, .huntMatches, .failed:
            return .failed(message: "not a query")
        }
    }

    static func clamp(_ limit: Int) -> Int { max(1, min(limit, maxLimit)) }

    /// A request handler for `RequestServer`: one engine, one connection.
    public static func handler(conninfo: String, limits: SearchLimits = .default) throws -> RequestServer<QueryMessage>.Handler {
        let engine = try SearchEngine(conninfo: conninfo, limits: limits)
        return { QueryMessage(try engine.answer($0.body)) }
    }

    /// The reply to a query that threw; a lost connection drops the engine.
    @Sendable public static func failure(_ error: any Error) -> (reply: QueryMessage, dropHandler: Bool) {
        (QueryMessage(.failed(message: "\(error)")), (error as? PostgresError)?.kind == .connection)
    }

    private func verifyKey(hashHex: String) throws -> APIKeyHolder? {
        guard let hash = APIKeyStore.bytes(hex: hashHex) else { return nil }
        return try APIKeyStore(connection: connection).verify(hash: hash)?.holder
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
