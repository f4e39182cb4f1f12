import PostgresClient
import Wire

/// Hunts: saved, listed, changed and deleted here, run by `HuntScheduler`
/// (or here, when asked to run one now), their matches paged here.
extension SearchEngine {
    func answer(_ request: QueryMessage.Hunts.Request) throws -> QueryMessage.Hunts.Reply {
        switch request {
        case .add(let hunt): try addHunt(hunt)
        case .list: .hunts(try hunts())
        case .get(let id): .hunt(try hunt(id))
        case .update(let id, let change): .hunt(try updateHunt(id, change))
        case .delete(let id): .hunt(try deleteHunt(id))
        case .run(let id): .hunt(try runHunt(id))
        case .listMatches(let id, let after, let limit): .matches(try huntMatches(id, after: after, limit: Self.clamp(limit)))
        }
    }

    static let huntColumns = """
        id, name, query, target, dataset, interval_seconds, enabled,
        (extract(epoch FROM created_at) * 1000000)::bigint * 1000,
        (extract(epoch FROM last_run_at) * 1000000)::bigint * 1000, last_error, matched
        """

    static func hunt(_ row: PostgresRow) -> QueryMessage.Hunt? {
        guard let id = row.int64(0), let name = row.string(1), let query = row.string(2),
              let target = row.string(3).flatMap(QueryMessage.SearchRequest.Target.init(rawValue:)) else { return nil }
        return QueryMessage.Hunt(id: UInt64(id), name: name, query: query, target: target, dataset: row.string(4),
                                 intervalSeconds: row.int(5), enabled: row.bool(6) ?? false,
                                 createdAt: row.int64(7) ?? 0, lastRunAt: row.int64(8), lastError: row.string(9),
                                 matched: UInt64(clamping: row.int64(10) ?? 0))
    }

    /// Checks the query as a search would and saves the hunt under its processed text.
    func addHunt(_ request: QueryMessage.HuntRequest) throws -> QueryMessage.Hunts.Reply {
        let checked = try search(request.search)
        if let problem = checked.problem { return .refused(.query(problem)) }
        let saved = try connection.query("""
            INSERT INTO hunts (name, query, target, dataset, interval_seconds) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (name) DO NOTHING RETURNING \(Self.huntColumns)
            """, [request.name, checked.processed, request.target.rawValue, request.dataset, request.intervalSeconds])
        guard let row = saved.row(0) else { return .refused(.nameTaken(request.name)) }
        return .hunt(Self.hunt(row))
    }

    func hunts() throws -> [QueryMessage.Hunt] {
        let result = try connection.query("SELECT \(Self.huntColumns) FROM hunts ORDER BY id")
        return result.rows.indices.compactMap { result.row($0).flatMap(Self.hunt) }
    }

    func hunt(_ id: UInt64) throws -> QueryMessage.Hunt? {
        try connection.query("SELECT \(Self.huntColumns) FROM hunts WHERE id = $1", [Int64(clamping: id)])
            .row(0).flatMap(Self.hunt)
    }

    func updateHunt(_ id: UInt64, _ change: QueryMessage.HuntChange) throws -> QueryMessage.Hunt? {
        try connection.query("""
            UPDATE hunts SET enabled = coalesce($2, enabled), interval_seconds = coalesce($3, interval_seconds)
            WHERE id = $1 RETURNING \(Self.huntColumns)
            """, [Int64(clamping: id), change.enabled, change.intervalSeconds]).row(0).flatMap(Self.hunt)
    }

    /// Deletes the hunt; its matches go with it.
    func deleteHunt(_ id: UInt64) throws -> QueryMessage.Hunt? {
        try connection.query("DELETE FROM hunts WHERE id = $1 RETURNING \(Self.huntColumns)", [Int64(clamping: id)])
            .row(0).flatMap(Self.hunt)
    }

    /// Runs the hunt now (within this engine's statement timeout): the hunt
    /// afterwards, with the run's error if it failed.
    func runHunt(_ id: UInt64) throws -> QueryMessage.Hunt? {
        _ = try HuntRun(packets: packets, timeoutSeconds: Self.statementTimeoutSeconds).run(Int64(clamping: id), .now)
        return try hunt(id)
    }

    /// Matched flows by ordinal above `after`. Ordinals are dense (each run
    /// numbers its matches on from the hunt's count, in one transaction), so
    /// the page ends at `after + limit` or at the count; a match whose flow
    /// retention removed is left out.
    func huntMatches(_ id: UInt64, after: UInt64, limit: Int) throws -> QueryMessage.HuntMatches? {
        guard let hunt = try hunt(id) else { return nil }
        let flows = try flows("""
            JOIN hunt_matches m ON m.flow_key = f.flow_key AND m.start_ns = f.start_ns
            WHERE m.hunt_id = $1 AND m.ordinal > $2 AND m.ordinal <= $3 ORDER BY m.ordinal LIMIT $4
            """, [Int64(clamping: id), Int64(clamping: after), Int64(clamping: hunt.matched), limit])
        let last = after < hunt.matched ? min(after + UInt64(limit), hunt.matched) : after
        return QueryMessage.HuntMatches(hunt: hunt, flows: flows, lastOrdinal: last)
    }
}
