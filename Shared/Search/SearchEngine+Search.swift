import Database
import Events
import Formats
import PostgresClient
import QueryLanguage
import Wire

/// Searches written in the query language (docs/QUERY.md), and downloads.
extension SearchEngine {
    func answer(_ request: QueryMessage.Search.Request) throws -> QueryMessage.Reply {
        switch request {
        case .run(let search):
            do {
                return .search(.page(try self.search(search)))
            } catch let error as PostgresError where error.sqlState == "57014" {
                return .failed(message: "the search ran longer than \(Self.statementTimeoutSeconds) s and was cancelled")
            }
        case .getExportPlan(let target):
            return .search(.exportPlan(try exportPlan(target)))
        case .listExportFrames(let target, let after, let limit):
            return .search(.exportFrames(try exportFrames(target, after: after, limit: limit)))
        }
    }

    /// An event (`e`) belongs to a flow (`f`) by its capture, key and the
    /// flow's lifetime (a key used again later is another flow).
    static let eventOfFlow = """
        f.flow_key = e.flow_key AND f.capture_id = e.capture_id AND e.ts_ns BETWEEN f.start_ns AND f.end_ns
        """

    /// Events of one table (`e`) joined to their flow (`f`), for an events
    /// target's condition; the table name is `EventTable`'s constant.
    static func eventsWithFlows(_ table: String) -> String {
        "\(table) e JOIN flows f ON \(eventOfFlow)"
    }

    func search(_ request: QueryMessage.SearchRequest) throws -> QueryMessage.SearchPage {
        guard let target = request.queryTarget else {
            return QueryMessage.SearchPage(problem: QueryMessage.QueryProblem(
                position: 0, message: "events searches need a dataset", hint: Dataset.names))
        }
        let expression: Expression
        let condition: SQLCondition
        var packetSearch: PacketSearch?
        do {
            if target == .packets {
                expression = try QueryParser.parse(request.query)
                packetSearch = try indexedSearch(expression, request: request, limit: Self.clamp(request.limit))
                condition = SQLCondition(text: "", parameters: [])
            } else {
                // $1 id cursor, $2 limit.
                (expression, condition) = try request.compiled(for: target, firstParameter: 3)
            }
        } catch {
            return QueryMessage.SearchPage(problem: QueryMessage.QueryProblem(position: error.position,
                                                                               message: error.message, hint: error.hint))
        }
        guard request.limit > 0 else { return QueryMessage.SearchPage(processed: expression.text) }
        let parameters: [(any PostgresParameter)?] = [Int64(clamping: request.afterID), Self.clamp(request.limit)]
            + (try packets.values(condition.parameters))
        switch target {
        case .packets:
            let found = try packetSearch.map(run) ?? []
            return QueryMessage.SearchPage(packets: found, lastCapture: found.last?.captureID ?? request.afterCapture,
                                           lastID: found.last?.packet.frame ?? request.afterID, processed: expression.text)
        case .flows:
            let list = try flows("WHERE f.id > $1 AND \(condition.text) ORDER BY f.id LIMIT $2", parameters)
            return QueryMessage.SearchPage(flows: list, lastID: list.last?.id ?? request.afterID, processed: expression.text)
        case .events(let table):
            guard let known = EventTable.named(table) else {
                return QueryMessage.SearchPage(problem: QueryMessage.QueryProblem(
                    position: 0, message: "events searches need a dataset", hint: Dataset.names))
            }
            // The table name is EventTable's constant; every value is a parameter.
            let selection = EventSelection([known])
            let events = try Self.storedEvents(try connection.query("""
                SELECT \(selection.columns(of: known))
                FROM \(Self.eventsWithFlows(table))
                WHERE e.id > $1 AND \(condition.text) ORDER BY e.id LIMIT $2
                """, parameters), selection)
            return QueryMessage.SearchPage(events: events, lastID: events.last?.id ?? request.afterID,
                                           processed: expression.text)
        }
    }
}

extension QueryMessage.SearchRequest {
    /// What the search returns, as the compiler targets it; nil for events of no known dataset.
    var queryTarget: QueryTarget? {
        switch target {
        case .packets: .packets
        case .flows: .flows
        case .events: dataset.flatMap(Dataset.named).map { .events(table: $0.table) }
        }
    }

    /// The query parsed, and compiled for `target` within the request's window.
    func compiled(for target: QueryTarget, firstParameter: Int) throws(QueryError) -> (Expression, SQLCondition) {
        let expression = try QueryParser.parse(query)
        return (expression, try QueryCompiler.compile(expression, for: target, firstParameter: firstParameter,
                                                      window: TimeWindow(start: start, end: end)))
    }
}
