import Formats
import PcapStore
import PostgresClient
import QueryLanguage

/// The flows a packets search can reach its packets through, when its
/// query names addresses that few flows carry (`Expression.flowScope`).
///
/// Reading packets in (capture, frame) order and testing each is fast
/// when matches are dense, and reads everything when they are rare (an
/// address that is not there); the planner cannot tell the two apart, as
/// one host's packets cluster in time. The flows table can: a handful of
/// flows names every matching packet of a finished capture by its flow key.
/// A capture still being stored may have packets whose flow is not stored
/// yet (flows are reported every `period`, and the last ones with the
/// capture's end in one transaction), so its packets are tested directly.
struct FlowScope {
    /// Most flows and packets a scope may name; past either the search
    /// reads packets in order instead (matches are then dense enough).
    /// Each packet costs ~2 µs to fetch and sort (30k packets of 1,070
    /// flows: 55 ms; 123k of 4,280 flows: 250 ms, where reading in order
    /// took 92 ms — docs/BENCHMARKS.md), so the scope stops near 100 ms.
    static let maxFlows = 5_000
    static let maxPackets = 50_000

    /// Flow keys of finished captures' flows that meet the scope, and the
    /// times of the first and last packet of each key's capture: packets
    /// of a flow may precede its start (timestamps can step back), never
    /// its capture's first, so partitions outside prune safely.
    var keys: [Int64]
    /// The captures of those flows.
    var captures: [UInt64]
    var firstTimes: [Int64]
    var lastTimes: [Int64]
    /// Captures not complete: their packets are tested one by one.
    var openCaptures: [Int64]

    /// Nil when the query implies nothing about flows, or when more than
    /// `maxFlows` flows or `maxPackets` packets meet it.
    ///
    /// The flows are those of the addresses at any time: a packet inside
    /// a search's window may belong to a flow that started after it
    /// (timestamps can step back); the packets' own test applies the window.
    static func find(_ expression: Expression, packets: IndexedPackets) throws -> FlowScope? {
        let connection = packets.connection
        guard let implied = expression.flowScope,
              let condition = try? QueryCompiler.compile(implied, for: .flows, firstParameter: 2) else {
            return nil
        }
        // Open captures first: one that completes meanwhile is then tested
        // directly, never missed between the two reads.
        let open = try connection.query("SELECT id FROM captures WHERE status <> 'complete' ORDER BY id")
        var scope = FlowScope(keys: [], captures: [], firstTimes: [], lastTimes: [],
                              openCaptures: open.rows.indices.compactMap { open.row($0)?.int64(0) })
        let flows = try connection.query("""
            SELECT f.flow_key, f.src_packets + f.dst_packets, c.first_packet_ns, c.last_packet_ns, c.id
            FROM flows f JOIN captures c ON c.id = f.capture_id
            WHERE c.status = 'complete' AND c.id <> ALL($1::bigint[]) AND \(condition.text)
            LIMIT \(maxFlows + 1)
            """, [Self.array(scope.openCaptures)] + (try packets.values(condition.parameters)))
        guard flows.rows.count <= maxFlows else { return nil }
        var packets: Int64 = 0
        var captures: Set<UInt64> = []
        for index in flows.rows.indices {
            guard let row = flows.row(index), let key = row.int64(0), let first = row.int64(2),
                  let last = row.int64(3), let capture = row.int64(4) else { continue }
            captures.insert(UInt64(clamping: capture))
            scope.keys.append(key)
            scope.firstTimes.append(first)
            scope.lastTimes.append(last)
            packets += row.int64(1) ?? 0
        }
        scope.captures = captures.sorted()
        return packets <= maxPackets ? scope : nil
    }

    /// A packets search's rows through its flow scope, as a FROM item
    /// aliased `p` with every packets column, and the values of its
    /// placeholders (from `firstParameter` on); nil when the search has no
    /// small scope. `test`: a further condition on `p` (a page's cursor);
    /// `pageLimit`: as in `packets(passing:firstParameter:pageLimit:)`.
    static func source(_ expression: Expression, window: TimeWindow, firstParameter first: Int,
                       test: String? = nil, pageLimit: String? = nil,
                       on connection: PostgresConnection) throws -> (sql: String, values: [(any PostgresParameter)?])? {
        // The implied scope tests addresses only: no packet selection for the index to answer.
        let unread = IndexedPackets(connection: connection, reader: PacketIndexReader(root: "/nonexistent"))
        guard let scope = try find(expression, packets: unread) else { return nil }
        let condition = try QueryCompiler.compile(expression, for: .packets, firstParameter: first + 4, window: window)
        let passing = test.map { "\($0) AND \(condition.text)" } ?? condition.text
        return ("(\(scope.packets(passing: passing, firstParameter: first, pageLimit: pageLimit))) p",
                scope.values + (try unread.values(condition.parameters)))
    }

    /// The scope's packets that pass `condition` (on `packets p`), every
    /// column, as a query; its placeholders `$first`…`$first+3` bind
    /// `values`. `pageLimit`: the open captures' packets only up to that
    /// many in (capture, frame) order, for a page. OFFSET 0 keeps each
    /// flow's lookup a separate index probe: flattened, the planner would
    /// read all packets in order again.
    private func packets(passing condition: String, firstParameter first: Int, pageLimit: String? = nil) -> String {
        """
        SELECT q.* FROM unnest($\(first)::bigint[], $\(first + 1)::bigint[], $\(first + 2)::bigint[])
            AS k(key, first_ns, last_ns)
        CROSS JOIN LATERAL (SELECT p.* FROM packets p
                            WHERE p.flow_key = k.key AND p.ts_ns BETWEEN k.first_ns AND k.last_ns
                            AND \(condition) OFFSET 0) q
        UNION ALL
        (SELECT p.* FROM packets p WHERE p.capture_id = ANY($\(first + 3)::bigint[]) AND \(condition)
         \(pageLimit.map { "ORDER BY p.capture_id, p.frame_number LIMIT \($0)" } ?? ""))
        """
    }

    /// What `packets(passing:firstParameter:)`'s placeholders bind, as Postgres array literals.
    private var values: [(any PostgresParameter)?] {
        [keys, firstTimes, lastTimes, openCaptures].map(Self.array)
    }

    private static func array(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}
