import Formats
import PostgresClient
import QueryLanguage

/// The flows a packets search can reach its packets through, when its
/// query names addresses that few flows carry (`Expression.flowScope`).
///
/// Reading the index in (capture, frame) order and testing each packet is
/// fast when matches are dense, and reads everything when they are rare
/// (an address that is not there). The flows table tells the two apart: a
/// handful of flows names every matching packet of a finished capture by
/// its flow key, so only their captures' runs are read and a packet's test
/// starts with a set lookup. A capture still being stored may have packets
/// whose flow is not stored yet (flows are reported every `period`, and the
/// last ones with the capture's end in one transaction), so its packets are
/// tested directly.
struct FlowScope {
    /// Most flows a scope may name; past that the search reads every
    /// capture (matches are then dense enough). No cap on their packets:
    /// a scoped read skips other flows' records undecoded, so it costs no
    /// more than reading in order, however many packets the flows have.
    static let maxFlows = 5_000

    /// Flow keys of finished captures' flows that meet the scope.
    var keys: [Int64]
    /// The captures of those flows.
    var captures: [UInt64]
    /// Captures not complete: their packets are tested one by one.
    var openCaptures: [Int64]

    /// Nil when the query implies nothing about flows, or when more than
    /// `maxFlows` flows meet it.
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
        var scope = FlowScope(keys: [], captures: [],
                              openCaptures: open.rows.indices.compactMap { open.row($0)?.int64(0) })
        let flows = try connection.query("""
            SELECT f.flow_key, c.id
            FROM flows f JOIN captures c ON c.id = f.capture_id
            WHERE c.status = 'complete' AND c.id <> ALL($1::bigint[]) AND \(condition.text)
            LIMIT \(maxFlows + 1)
            """, [Self.array(scope.openCaptures)] + (try packets.values(condition.parameters)))
        guard flows.rows.count <= maxFlows else { return nil }
        var captures: Set<UInt64> = []
        for index in flows.rows.indices {
            guard let row = flows.row(index), let key = row.int64(0), let capture = row.int64(1) else { continue }
            captures.insert(UInt64(clamping: capture))
            scope.keys.append(key)
        }
        scope.captures = captures.sorted()
        return scope
    }

    private static func array(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}
