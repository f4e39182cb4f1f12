import Foundation
import Logging
import Messaging
import PostgresClient
import QueryLanguage
import Wire

/// Runs queued searches, one at a time, on a connection of its own: claims
/// the oldest queued search, stores all its results and marks it complete,
/// in one transaction, so a search's results appear whole or not at all.
/// Flows and events searches store theirs with one statement; packets
/// searches read the packet index a page at a time and store each page,
/// checking between pages whether the search was cancelled or ran out of
/// time. A cancelled search's statement is interrupted and its transaction
/// rolled back. Searches a stopped runner left running are queued again
/// when a runner starts. Blocking: run it on a thread of its own.
public final class SearchRunner: Sendable {
    public struct Counters: Sendable, Equatable {
        public var completed = 0
        public var failed = 0
        public var cancelled = 0
    }

    /// Packets a packets search reads and stores per page (one INSERT):
    /// ~2 MB of index entries held at once.
    public static let packetsPerPage = 10_000

    private let conninfo: String
    /// The pcap store whose packet index packets searches read.
    private let pcapRoot: String
    private let timeoutSeconds: Int
    /// Rows one search keeps: the first `maxResults` in order; the rest are dropped and the search says so.
    private let maxResults: Int
    private let packetsPerPage: Int
    private let logger: Logger
    private let stopping = Locked(false)
    public let counters = Locked(Counters())

    public init(conninfo: String, pcapRoot: String, timeoutSeconds: Int,
                maxResults: Int = SearchLimits.default.maxResults, packetsPerPage: Int = SearchRunner.packetsPerPage,
                logger: Logger) {
        self.conninfo = conninfo
        self.pcapRoot = pcapRoot
        self.timeoutSeconds = max(1, timeoutSeconds)
        self.maxResults = max(1, maxResults)
        self.packetsPerPage = max(1, packetsPerPage)
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
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        let engine = SearchEngine(connection: connection, pcapRoot: pcapRoot)
        do {
            guard let work = work(request, engine: engine) else {
                try finish(id, status: "failed", error: "the query no longer compiles", on: connection)
                return true
            }
            try connection.transaction { connection in
                let cut: Bool
                switch work {
                case .statement(let text, let parameters):
                    _ = try connection.query(text, [id] + (try engine.packets.values(parameters)))
                    cut = try connection.query("DELETE FROM search_results WHERE search_id = $1 AND ordinal > $2 RETURNING 1",
                                           [id, maxResults]).rows.count > 0
                case .packets(let search):
                    cut = try storePackets(search, of: id, engine: engine) {
                        if ContinuousClock.now >= deadline { throw Stopped.timedOut }
                        if try Self.isCancelled(id, on: connection) { throw Stopped.cancelled }
                    }
                }
                let note = cut ? "more than \(maxResults) results: the first \(maxResults) are kept (search_max_results)" : nil
                let updated = try connection.query("""
                    UPDATE searches SET status = 'complete', finished_at = now(), backend_pid = NULL, error = $2,
                        found = (SELECT count(*) FROM search_results WHERE search_id = $1)
                    WHERE id = $1 AND status = 'running' RETURNING id
                    """, [id, note])
                guard updated.rows.count == 1 else { throw Stopped.cancelled }
            }
            counters.update { $0.completed += 1 }
        } catch let stopped as Stopped {
            try interrupted(id, stopped, on: connection)
        } catch let error as PostgresError where error.sqlState == "57014" {
            // Cancelled, or the statement timeout: the row says which.
            try interrupted(id, try Self.isCancelled(id, on: connection) ? .cancelled : .timedOut, on: connection)
        } catch {
            logger.warning("search failed", metadata: ["search": "\(id)", "error": "\(error)"])
            try finish(id, status: "failed", error: "\(error)", on: connection)
        }
        return true
    }

    private func interrupted(_ id: Int64, _ reason: Stopped, on connection: PostgresConnection) throws {
        switch reason {
        case .cancelled:
            counters.update { $0.cancelled += 1 }
        case .timedOut:
            try finish(id, status: "failed", error: "the search ran longer than \(timeoutSeconds) s and was stopped",
                       on: connection)
        }
    }

    private static func isCancelled(_ id: Int64, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("SELECT 1 FROM searches WHERE id = $1 AND status = 'cancelled'", [id]).rows.isEmpty
    }

    private func finish(_ id: Int64, status: String, error: String, on connection: PostgresConnection) throws {
        try connection.query("""
            UPDATE searches SET status = $2, error = $3, finished_at = now(), backend_pid = NULL
            WHERE id = $1 AND status = 'running'
            """, [id, status, error])
        counters.update { $0.failed += 1 }
    }

    /// How a search stores its results.
    private enum Work {
        /// One statement storing the first `maxResults` + 1 results in order; `$1` is the search id.
        case statement(text: String, parameters: [SQLCondition.Parameter])
        /// Pages read from the packet index.
        case packets(SearchEngine.PacketSearch)
    }

    /// How `request` stores its results; nil when its query no longer compiles.
    private func work(_ request: QueryMessage.SearchRequest, engine: SearchEngine) -> Work? {
        guard let target = request.queryTarget else { return nil }
        let select: String
        switch target {
        case .packets:
            guard let expression = try? QueryParser.parse(request.query),
                  let search = try? engine.indexedSearch(expression, request: request, limit: packetsPerPage) else {
                return nil
            }
            return .packets(search)
        case .flows:
            select = "SELECT $1::bigint, row_number() OVER (ORDER BY f.id) AS ordinal, f.capture_id, f.id FROM flows f"
        case .events(let table):
            select = """
                SELECT $1::bigint, row_number() OVER (ORDER BY e.id) AS ordinal, e.capture_id, e.id \
                FROM \(SearchEngine.eventsWithFlows(table))
                """
        }
        guard let (_, condition) = try? request.compiled(for: target, firstParameter: 2) else { return nil }
        // One row past the cap is kept to tell a full result from a cut one; PostgreSQL
        // stops the ordered scan once `ordinal` passes the bound.
        return .statement(text: """
            INSERT INTO search_results (search_id, ordinal, capture_id, item) \
            SELECT * FROM (\(select) WHERE \(condition.text)) found WHERE found.ordinal <= \(maxResults + 1)
            """, parameters: condition.parameters)
    }

    /// Stores the first `maxResults` packets a packets search finds, with
    /// where each one's index entry lies, page after page in (capture,
    /// frame) order; true when there were more. `checking` runs before
    /// every read of the index's runs and throws to stop.
    private func storePackets(_ search: SearchEngine.PacketSearch, of id: Int64, engine: SearchEngine,
                              checking: () throws -> Void) throws -> Bool {
        var search = search
        var found = 0
        // One packet past the cap is looked for to tell a full result from a cut one.
        while found <= maxResults {
            search.limit = min(packetsPerPage, maxResults + 1 - found)
            let page = try engine.matches(search, checking: checking).packets
            let kept = page.prefix(maxResults - found)
            if !kept.isEmpty {
                try engine.connection.query("""
                    INSERT INTO search_results (search_id, ordinal, capture_id, item, segment_id, record)
                    SELECT $1, $2 + n, c, f, s, r
                    FROM unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) WITH ORDINALITY AS u(c, f, s, r, n)
                    """, [id, Int64(found), Self.array(kept.map { Int64(clamping: $0.capture) }),
                          Self.array(kept.map { Int64(clamping: $0.entry.frameNumber) }),
                          Self.array(kept.map(\.place.segmentRow)), Self.array(kept.map { Int64(clamping: $0.place.record) })])
            }
            found += page.count
            guard page.count == search.limit, let last = page.last else { break }
            search.scope.after = last.key
        }
        return found > maxResults
    }

    /// A PostgreSQL array literal.
    private static func array(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}

/// Why a running search stopped before it completed.
private enum Stopped: Error {
    case cancelled
    case timedOut
}
