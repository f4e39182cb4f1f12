import Database
import Events
import PcapStore
import PostgresClient
import QueryLanguage
import Wire

/// Background searches: queued here, run by `SearchRunner`, paged here.
extension SearchEngine {
    func answer(_ request: QueryMessage.Searches.Request) throws -> QueryMessage.Reply {
        switch request {
        case .start(let search): try startSearch(search)
        case .get(let id): .searches(.meta(try searchMeta(id)))
        case .cancel(let id): .searches(.meta(try deleteSearch(id)))
        case .listResults(let id, let after, let limit):
            .searches(.results(try searchResults(id, after: after, limit: Self.clamp(limit))))
        }
    }

    static let searchColumns = "id, query, target, dataset, status, found, error"

    static func searchMeta(_ row: PostgresRow) -> QueryMessage.SearchMeta? {
        guard let id = row.int64(0), let query = row.string(1),
              let target = row.string(2).flatMap(QueryMessage.SearchRequest.Target.init(rawValue:)),
              let status = row.string(4).flatMap(QueryMessage.SearchMeta.Status.init(rawValue:)) else { return nil }
        return QueryMessage.SearchMeta(id: UInt64(id), query: query, target: target, dataset: row.string(3),
                                       status: status, found: UInt64(clamping: row.int64(5) ?? 0), error: row.string(6))
    }

    /// Checks the query as a search would and queues it, unless its owner
    /// already has `limits.activePerKey` searches queued or running.
    /// A query that cannot run is answered with the check's page.
    func startSearch(_ request: QueryMessage.SearchRequest) throws -> QueryMessage.Reply {
        var check = request
        check.limit = 0
        let checked = try search(check)
        if checked.problem != nil { return .search(.page(checked)) }
        return try connection.transaction { connection in
            // One owner's starts take turns, so two at once cannot both pass the count.
            try connection.query("SELECT pg_advisory_xact_lock(hashtext('searches:' || coalesce($1, '')))", [request.owner])
            let active = try connection.query("""
                SELECT count(*) FROM searches
                WHERE owner_key_hash IS NOT DISTINCT FROM $1 AND status IN ('queued', 'running')
                """, [request.owner]).row(0)?.int64(0) ?? 0
            if active >= limits.activePerKey { return .searches(.busy(active: Int(active), limit: limits.activePerKey)) }
            let row = try connection.query("""
                INSERT INTO searches (query, target, dataset, start_ns, end_ns, owner_key_hash) VALUES ($1, $2, $3, $4, $5, $6)
                RETURNING \(Self.searchColumns)
                """, [checked.processed, request.target.rawValue, request.dataset, request.start, request.end,
                      request.owner]).row(0)
            return .searches(.meta(row.flatMap(Self.searchMeta)))
        }
    }

    /// `DELETE /searches/{id}`: cancels a queued or running search (its meta
    /// after), deletes a finished one and its results (its meta as it was).
    func deleteSearch(_ id: UInt64) throws -> QueryMessage.SearchMeta? {
        let deleted = try connection.query("""
            DELETE FROM searches WHERE id = $1 AND status IN ('complete', 'failed', 'cancelled')
            RETURNING \(Self.searchColumns)
            """, [Int64(clamping: id)]).row(0)
        if let deleted { return Self.searchMeta(deleted) }
        return try cancelSearch(id)
    }

    /// Deletes the searches finished more than `ttl` ago, with their
    /// results; returns how many.
    @discardableResult
    public static func expireSearches(olderThan ttl: Duration, on connection: PostgresConnection) throws -> Int {
        try connection.query("""
            DELETE FROM searches WHERE finished_at < now() - make_interval(secs => $1)
            AND status IN ('complete', 'failed', 'cancelled') RETURNING id
            """, [Int64(ttl.components.seconds)]).rows.count
    }

    func searchMeta(_ id: UInt64) throws -> QueryMessage.SearchMeta? {
        try connection.query("SELECT \(Self.searchColumns) FROM searches WHERE id = $1", [Int64(clamping: id)])
            .row(0).flatMap(Self.searchMeta)
    }

    /// Marks a queued or running search cancelled and interrupts its runner's
    /// statement; the runner then keeps none of its results.
    func cancelSearch(_ id: UInt64) throws -> QueryMessage.SearchMeta? {
        let key = Int64(clamping: id)
        let stopped = try connection.query("""
            UPDATE searches s SET status = 'cancelled', finished_at = now()
            FROM (SELECT id, status AS before FROM searches WHERE id = $1 FOR UPDATE) old
            WHERE s.id = old.id AND old.before IN ('queued', 'running')
            RETURNING old.before, s.backend_pid
            """, [key]).row(0)
        if stopped?.string(0) == "running", let pid = stopped?.int64(1) {
            _ = try connection.query("SELECT pg_cancel_backend($1)", [Int32(clamping: pid)])
        }
        return try searchMeta(id)
    }

    /// Results by ordinal above `after`. Ordinals are dense (1, 2, …) in the
    /// order a search returns them, so the last of a page is `after` + its size.
    func searchResults(_ id: UInt64, after: UInt64, limit: Int) throws -> QueryMessage.SearchResults? {
        guard let meta = try searchMeta(id) else { return nil }
        let parameters: [(any PostgresParameter)?] = [Int64(clamping: id), Int64(clamping: after), limit]
        let items = "SELECT item FROM search_results WHERE search_id = $1 AND ordinal > $2 ORDER BY ordinal LIMIT $3"
        var page = QueryMessage.SearchPage(lastID: after, processed: meta.query)
        switch meta.target {
        case .packets:
            let result = try connection.query("""
                SELECT r.capture_id, s.path, r.segment_id, r.record
                FROM search_results r JOIN segments s ON s.id = r.segment_id
                WHERE r.search_id = $1 AND r.ordinal > $2 ORDER BY r.ordinal LIMIT $3
                """, parameters)
            let places = result.rows.indices.compactMap { index -> IndexedPackets.Place? in
                guard let row = result.row(index), let capture = row.int64(0),
                      let segment = row.string(1).flatMap(SegmentID.init(relativePath:)), let segmentRow = row.int64(2),
                      let record = row.int64(3) else { return nil }
                return IndexedPackets.Place(capture: UInt64(clamping: capture), segment: segment, segmentRow: segmentRow,
                                            record: UInt64(clamping: record))
            }
            page.packets = try found(try packets.stored(at: places))
            page.lastID = after + UInt64(result.rows.count)
            page.lastCapture = page.packets.last?.captureID ?? 0
        case .flows:
            page.flows = try flows("WHERE f.id IN (\(items)) ORDER BY f.id", parameters)
            page.lastID = after + UInt64(page.flows.count)
        case .events:
            guard let known = meta.dataset.flatMap(Dataset.named) else { return nil }
            let table = EventTable(known)
            let selection = EventSelection([table])
            page.events = try Self.storedEvents(try connection.query("""
                SELECT \(selection.columns(of: table)) FROM \(table.name) e
                WHERE e.id IN (\(items)) ORDER BY e.id
                """, parameters), selection)
            page.lastID = after + UInt64(page.events.count)
        }
        return QueryMessage.SearchResults(meta: meta, page: page)
    }
}
