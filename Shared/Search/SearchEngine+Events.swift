import Database
import Events
import PostgresClient
import Wire

/// Application-layer events of a capture or a flow, from the events tables.
extension SearchEngine {
    func answer(_ request: QueryMessage.Events.Request) throws -> QueryMessage.Events.Reply {
        switch request {
        case .list(let scope, let dataset, let after, let limit):
            .events(try events(scope, dataset: dataset, after: after, limit: Self.clamp(limit)))
        }
    }

    /// Events by id above `after`, at most `limit`, each document carrying
    /// its id as `netsift.event`; nil when the capture or flow is unknown or
    /// the dataset is not one of `Dataset.all`.
    func events(_ scope: QueryMessage.TrafficScope, dataset: String?, after: UInt64,
                limit: Int) throws -> [QueryMessage.StoredEvent]? {
        let tables: [EventTable]
        if let dataset {
            guard let known = Dataset.named(dataset) else { return nil }
            tables = [EventTable(known)]
        } else {
            tables = EventTable.all
        }
        let condition: String
        var parameters: [(any PostgresParameter)?] = [Int64(clamping: after), limit]
        switch scope {
        case .capture(let id):
            guard try captureExists(id) else { return nil }
            condition = "capture_id = $3"
            parameters.append(Int64(clamping: id))
        case .flow(let id):
            // The flow's key within its capture and lifetime: a 5-tuple used again later is another flow.
            guard let flow = try connection.query(
                "SELECT capture_id, flow_key, start_ns, end_ns FROM flows WHERE id = $1", [Int64(clamping: id)]).row(0),
                let capture = flow.int64(0), let key = flow.int64(1), let start = flow.int64(2), let end = flow.int64(3)
            else { return nil }
            condition = "capture_id = $3 AND flow_key = $4 AND ts_ns BETWEEN $5 AND $6"
            parameters += [capture, key, start, end]
        }
        // Table names are EventTable's constants; every value is a parameter.
        let selection = EventSelection(tables)
        let union = tables.map {
            "(SELECT \(selection.columns(of: $0)) FROM \($0.name) e WHERE \(condition) AND e.id > $1 ORDER BY e.id LIMIT $2)"
        }.joined(separator: " UNION ALL ")
        return try Self.storedEvents(try connection.query("SELECT * FROM (\(union)) u ORDER BY id LIMIT $2", parameters),
                                     selection)
    }

    /// Each row's id and document. A row that cannot be read fails the
    /// whole answer with an error naming it, rather than going missing
    /// from a page whose cursor would then pass it silently.
    static func storedEvents(_ result: PostgresResult,
                             _ selection: EventSelection) throws(EventReadError) -> [QueryMessage.StoredEvent] {
        var events: [QueryMessage.StoredEvent] = []
        events.reserveCapacity(result.rows.count)
        for index in result.rows.indices {
            guard let row = result.row(index) else { continue }
            let (id, document) = try selection.event(row)
            events.append(QueryMessage.StoredEvent(id: UInt64(clamping: id), document: document))
        }
        return events
    }
}
