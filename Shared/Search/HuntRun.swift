import Formats
import PostgresClient
import QueryLanguage
import Wire

/// One run of one hunt, on a connection the caller owns (blocking).
///
/// The run reads in one REPEATABLE READ transaction, whose snapshot is
/// taken by its first statement and returned by `pg_current_snapshot()`.
/// It evaluates the query over the flows that a batch the previous run's
/// snapshot (the hunt's `cursor`) did not see — `batches.xid` not visible
/// in it — inserted or updated (`freshFlows`), records those it selects, and
/// stores its own snapshot as the next cursor, all in that transaction.
/// Visibility, not id order, decides what is new, so a batch that commits
/// after a later one is still seen by the next run, and none is seen twice.
/// The first run reads every flow.
///
/// A session advisory lock per hunt, taken before the transaction, keeps
/// two runs of a hunt apart, so the second's snapshot follows the first's
/// commit.
struct HuntRun {
    enum When: Equatable {
        /// Whatever its schedule, waiting for a run in progress.
        case now
        /// Only when enabled and its interval has passed; skipped while another run holds it.
        case due(defaultIntervalSeconds: Int)
    }

    enum Outcome: Equatable {
        case ran(matched: Int)
        case failed(String)
        /// Not due, disabled, or running elsewhere.
        case skipped
        case missing
    }

    /// The first key of every hunt's advisory lock ("NSH" and 1).
    static let lockTag: Int32 = 0x4E53_4801
    static let serializationFailure = "40001"
    static let queryCanceled = "57014"

    /// SQL on `hunts`: its interval (or the default, a placeholder) has passed since its last run.
    static func isDue(defaultInterval placeholder: String) -> String {
        "(last_run_at IS NULL OR last_run_at + make_interval(secs => coalesce(interval_seconds, \(placeholder))) <= now())"
    }

    /// The packet index, and the connection the run reads it and the rows with.
    let packets: IndexedPackets
    var connection: PostgresConnection { packets.connection }
    /// The statement timeout the connection runs with, for the error a timeout records.
    let timeoutSeconds: Int

    /// Runs hunt `id`; a run that fails records why (and when) on the hunt.
    /// - Throws: `PostgresError` when the connection is lost.
    func run(_ id: Int64, _ when: When) throws -> Outcome {
        let key: [(any PostgresParameter)?] = [Self.lockTag, Int32(truncatingIfNeeded: id)]
        switch when {
        case .now:
            _ = try connection.query("SELECT pg_advisory_lock($1, $2)", key)
        case .due:
            guard try connection.query("SELECT pg_try_advisory_lock($1, $2)", key).row(0)?.bool(0) == true else {
                return .skipped
            }
        }
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1, $2)", key) }
        // A PATCH committed after the run's snapshot makes its update of the hunt fail: run again.
        var attempt = 1
        while true {
            do {
                return try connection.transaction { _ in try runOnce(id, when) }
            } catch let error as PostgresError where error.kind == .connection {
                throw error
            } catch let error as PostgresError where error.sqlState == Self.serializationFailure && attempt < 3 {
                attempt += 1
            } catch let error as PostgresError where error.sqlState == Self.queryCanceled {
                return try record("the run took longer than \(timeoutSeconds) s and was stopped", on: id)
            } catch {
                return try record("\(error)", on: id)
            }
        }
    }

    private func runOnce(_ id: Int64, _ when: When) throws -> Outcome {
        try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        var interval = 0
        if case .due(let seconds) = when { interval = seconds }
        guard let hunt = try connection.query("""
            SELECT pg_current_snapshot()::text, query, target, dataset, cursor::text, matched, enabled,
                   \(Self.isDue(defaultInterval: "$2"))
            FROM hunts WHERE id = $1
            """, [id, interval]).row(0) else { return .missing }
        guard let snapshot = hunt.string(0), let query = hunt.string(1), let matched = hunt.int64(5),
              let target = hunt.string(2).flatMap(QueryMessage.SearchRequest.Target.init(rawValue:)) else {
            throw HuntRunError.unreadable(id)
        }
        if case .due = when, hunt.bool(6) != true || hunt.bool(7) != true { return .skipped }
        let request = QueryMessage.SearchRequest(query: query, target: target, limit: 0, dataset: hunt.string(3))
        let cursor = hunt.string(4)
        guard let queryTarget = request.queryTarget else { throw HuntRunError.noDataset }
        let selects: SQLCondition
        do {
            selects = try Self.selectsFlow(try QueryParser.parse(query), queryTarget,
                                           firstParameter: cursor == nil ? 3 : 4)
        } catch {
            throw HuntRunError.query(error)
        }
        let flows = cursor == nil ? "flows" : Self.freshFlows
        let unmatched = """
            NOT EXISTS (SELECT 1 FROM hunt_matches m
                        WHERE m.hunt_id = $1 AND m.capture_id = f.capture_id AND m.flow_key = f.flow_key)
            """
        let head: [(any PostgresParameter)?] = [id, matched] + (cursor.map { [$0] } ?? [])
        let parameters = head + (try packets.values(selects.parameters,
                                                    among: try candidates(flows, selects, unmatched, head)))
        let inserted = try connection.query("""
            INSERT INTO hunt_matches (hunt_id, capture_id, flow_key, start_ns, ordinal)
            SELECT $1, f.capture_id, f.flow_key, f.start_ns, $2 + row_number() OVER (ORDER BY f.id)
            FROM \(flows) f
            WHERE \(unmatched) AND \(selects.text)
            """, parameters).affectedRows ?? 0
        try connection.query("""
            UPDATE hunts SET cursor = $2::pg_snapshot, last_run_at = now(), last_error = NULL, matched = matched + $3
            WHERE id = $1
            """, [id, snapshot, inserted])
        return .ran(matched: inserted)
    }

    /// The flows a batch the cursor ($3) did not see inserted (`batch_id`)
    /// or updated (`flow_updates`, migration 18): each found through an
    /// index, never by reading every flow. `xid >= xmin` lets the index
    /// skip every batch the cursor saw for certain.
    static let freshFlows = """
        (WITH fresh AS (SELECT b.id FROM batches b WHERE b.xid >= pg_snapshot_xmin($3::pg_snapshot)
                        AND NOT pg_visible_in_snapshot(b.xid, $3::pg_snapshot))
         SELECT * FROM flows WHERE batch_id IN (SELECT id FROM fresh)
         UNION
         SELECT g.* FROM flow_updates u CROSS JOIN unnest(u.flow_keys, u.starts) AS k(flow_key, start_ns)
         JOIN flows g ON g.flow_key = k.flow_key AND g.start_ns = k.start_ns
         WHERE u.batch_id IN (SELECT id FROM fresh))
        """

    /// The condition on `flows f` that a flow the hunt's query selects meets,
    /// with the session semantics of docs/QUERY.md: a flows hunt the flow
    /// itself, a packets hunt the flows of the packets it finds, an events
    /// hunt the flows carrying the events it finds.
    static func selectsFlow(_ expression: Expression, _ target: QueryTarget,
                            firstParameter: Int) throws(QueryError) -> SQLCondition {
        switch target {
        case .flows:
            return try QueryCompiler.compile(expression, for: .flows, firstParameter: firstParameter)
        case .packets:
            return QueryCompiler.flowsOfPackets(expression, window: TimeWindow(), firstParameter: firstParameter)
        case .events(let table):
            let condition = try QueryCompiler.compile(expression, for: target, firstParameter: firstParameter)
            return SQLCondition(
                text: "EXISTS (SELECT 1 FROM \(table) e WHERE \(SearchEngine.eventOfFlow) AND \(condition.text))",
                parameters: condition.parameters)
        }
    }

    /// The flows a run may match, whose packets alone the index is read
    /// for: nil (every packet) when the condition names no packets, or
    /// when more flows are new than a selection may hold.
    private func candidates(_ flows: String, _ selects: SQLCondition, _ unmatched: String,
                            _ values: [(any PostgresParameter)?]) throws -> [FlowPackets]? {
        guard selects.parameters.contains(where: { if case .flowsOf = $0 { true } else { false } }) else { return nil }
        do {
            return try FlowPackets.select("""
                SELECT f.capture_id, f.flow_key, f.first_frame, f.start_ns, f.end_ns, c.status = 'complete',
                       f.src_packets + f.dst_packets
                FROM \(flows) f JOIN captures c ON c.id = f.capture_id
                WHERE $2::bigint IS NOT NULL AND \(unmatched)
                """, values, limit: IndexedPackets.maxSelectedFlows, on: connection)
        } catch ExportError.tooManyFlows {
            return nil
        }
    }

    /// Records a failed run, so its interval passes before the next.
    private func record(_ message: String, on id: Int64) throws -> Outcome {
        try connection.query("UPDATE hunts SET last_run_at = now(), last_error = $2 WHERE id = $1", [id, message])
        return .failed(message)
    }
}

enum HuntRunError: Error, CustomStringConvertible {
    case query(QueryError)
    case noDataset
    case unreadable(Int64)

    var description: String {
        switch self {
        case .query(let error): "the query no longer compiles: \(error.message)"
        case .noDataset: "an events hunt needs a dataset"
        case .unreadable(let id): "hunt \(id) could not be read"
        }
    }
}
