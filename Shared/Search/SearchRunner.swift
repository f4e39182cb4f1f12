import Formats
import Foundation
import Logging
import Messaging
import PcapStore
import PostgresClient
import QueryLanguage
import Wire

/// Runs queued searches, one at a time, on a connection of its own: claims
/// the oldest queued search, stores all its results in one statement and
/// marks it complete, in one transaction, so a search's results appear
/// whole or not at all. A cancelled search's statement is interrupted and
/// its transaction rolled back. Searches a stopped runner left running are
/// queued again when a runner starts. Blocking: run it on a thread of its own.
public final class SearchRunner: Sendable {
    public struct Counters: Sendable, Equatable {
        public var completed = 0
        public var failed = 0
        public var cancelled = 0
    }

    private let conninfo: String
    private let timeoutSeconds: Int
    /// Rows one search keeps: the first `maxResults` in order; the rest are dropped and the search says so.
    private let maxResults: Int
    private let logger: Logger
    private let stopping = Locked(false)
    public let counters = Locked(Counters())

    public init(conninfo: String, timeoutSeconds: Int, maxResults: Int = SearchLimits.default.maxResults,
                logger: Logger) {
        self.conninfo = conninfo
        self.timeoutSeconds = max(1, timeoutSeconds)
        self.maxResults = max(1, maxResults)
        self.logger = logger
    }

    public func stop() { stopping.set(true) }

    public func run() throws {
        let connection = try PostgresConnection(conninfo: conninfo)
        try connection.execute("SET statement_timeout = \(timeoutSeconds * 1_000)")
        try connection.execute("""
            UPDATE searches SET status = 'queued', backend_pid = NULL
            WHERE status = 'running' AND backend_pid NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)
            """)
        while !stopping.get() {
            if try !runOne(connection) { Thread.sleep(forTimeInterval: 0.1) }
        }
    }

    /// Claims and runs the oldest queued search; false when none is queued.
    func runOne(_ connection: PostgresConnection) throws -> Bool {
        guard let claimed = try connection.query("""
            UPDATE searches SET status = 'running', backend_pid = pg_backend_pid()
            WHERE id = (SELECT id FROM searches WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, query, target, dataset, start_ns, end_ns
            """).row(0), let id = claimed.int64(0), let query = claimed.string(1),
            let target = claimed.string(2).flatMap(QueryMessage.SearchRequest.Target.init(rawValue:))
        else { return false }
        let request = QueryMessage.SearchRequest(query: query, target: target, limit: 0, start: claimed.int64(4),
                                                 end: claimed.int64(5), dataset: claimed.string(3))
        do {
            guard let statement = try Self.statement(request, keeping: maxResults + 1, on: connection) else {
                try finish(id, status: "failed", error: "the query no longer compiles", on: connection)
                return true
            }
            let kept = try connection.transaction { connection -> Bool in
                _ = try connection.query(statement.text, [id] + statement.values)
                // One row past the cap was kept to tell a full result from a cut one.
                let cut = try connection.query("DELETE FROM search_results WHERE search_id = $1 AND ordinal > $2 RETURNING 1",
                                               [id, maxResults]).rows.count > 0
                let note = cut ? "more than \(maxResults) results: the first \(maxResults) are kept (search_max_results)" : nil
                let updated = try connection.query("""
                    UPDATE searches SET status = 'complete', finished_at = now(), backend_pid = NULL, error = $2,
                        found = (SELECT count(*) FROM search_results WHERE search_id = $1)
                    WHERE id = $1 AND status = 'running' RETURNING id
                    """, [id, note])
                guard updated.rows.count == 1 else { throw SearchCancelled() }
                return true
            }
            if kept { counters.update { $0.completed += 1 } }
        } catch is SearchCancelled {
            counters.update { $0.cancelled += 1 }
        } catch let error as PostgresError where error.sqlState == "57014" {
            // Cancelled, or the statement timeout: the row says which.
            if try connection.query("SELECT 1 FROM searches WHERE id = $1 AND status = 'cancelled'", [id]).rows.isEmpty {
                try finish(id, status: "failed",
                           error: "the search ran longer than \(timeoutSeconds) s and was stopped", on: connection)
            } else {
                counters.update { $0.cancelled += 1 }
            }
        } catch {
            logger.warning("search failed", metadata: ["search": "\(id)", "error": "\(error)"])
            try finish(id, status: "failed", error: "\(error)", on: connection)
        }
        return true
    }

    private func finish(_ id: Int64, status: String, error: String, on connection: PostgresConnection) throws {
        try connection.query("""
            UPDATE searches SET status = $2, error = $3, finished_at = now(), backend_pid = NULL
            WHERE id = $1 AND status = 'running'
            """, [id, status, error])
        counters.update { $0.failed += 1 }
    }

    /// The statement that stores the first `keeping` of a search's results
    /// in order; `$1` is the search id. (PostgreSQL stops the ordered scan
    /// once `ordinal` passes the bound.)
    static func statement(_ request: QueryMessage.SearchRequest, keeping: Int,
                          on connection: PostgresConnection) throws -> (text: String, values: [(any PostgresParameter)?])? {
        guard let target = request.queryTarget,
              let (expression, condition) = try? request.compiled(for: target, firstParameter: 2) else { return nil }
        func insert(_ select: String) -> String {
            """
            INSERT INTO search_results (search_id, ordinal, capture_id, item, ts_ns) \
            SELECT * FROM (\(select)) found WHERE found.ordinal <= \(keeping)
            """
        }
        let select: String
        switch target {
        case .packets:
            let rows = """
                SELECT $1::bigint, row_number() OVER (ORDER BY p.capture_id, p.frame_number) AS ordinal, \
                p.capture_id, p.frame_number, p.ts_ns
                """
            if let scoped = try FlowScope.source(expression, window: TimeWindow(start: request.start, end: request.end),
                                                 firstParameter: 2, on: connection) {
                return (insert("\(rows) FROM \(scoped.sql)"), scoped.values)
            }
            select = "\(rows) FROM packets p"
        case .flows:
            select = "SELECT $1::bigint, row_number() OVER (ORDER BY f.id) AS ordinal, f.capture_id, f.id, NULL::bigint FROM flows f"
        case .events(let table):
            select = """
                SELECT $1::bigint, row_number() OVER (ORDER BY e.id) AS ordinal, e.capture_id, e.id, NULL::bigint \
                FROM \(SearchEngine.eventsWithFlows(table))
                """
        }
        let unread = IndexedPackets(connection: connection, reader: PacketIndexReader(root: "/nonexistent"))
        return (insert("\(select) WHERE \(condition.text)"), try unread.values(condition.parameters))
    }
}

private struct SearchCancelled: Error {}
