import Formats
import PcapStore
import PostgresClient
import QueryLanguage
import Wire

/// Packets searches and listings answered from the packet index.
extension SearchEngine {
    /// A packets search's page: packets after the request's (capture,
    /// frame) cursor that the query selects, in (capture, frame) order.
    func indexedSearch(_ expression: Expression, request: QueryMessage.SearchRequest,
                       limit: Int) throws(QueryError) -> PacketSearch {
        let window = TimeWindow(start: request.start, end: request.end)
        let query = try PacketQuery.compile(expression, window: window, flowParameter: 3)
        return PacketSearch(expression: expression, query: query, scope: IndexedPackets.Scope(
            after: .init(capture: request.afterCapture, frame: request.afterID), window: window), limit: limit)
    }

    /// A compiled packets search, ready to page.
    struct PacketSearch {
        var expression: Expression
        var query: PacketQuery
        var scope: IndexedPackets.Scope
        var limit: Int
    }

    func run(_ search: PacketSearch) throws -> [QueryMessage.FoundPacket] {
        let (stored, flows) = try matches(search)
        return try found(stored, known: flows)
    }

    /// The API's packets of stored ones, with their flows (`withFlows`).
    func found(_ stored: [IndexedPackets.Stored], known: [UInt64: [UInt64: FlowFacts]] = [:]) throws
        -> [QueryMessage.FoundPacket] {
        try withFlows(stored, known: known).map { stored, flow in
            QueryMessage.FoundPacket(captureID: stored.capture, packet: IndexedPackets.packet(stored, flow: flow))
        }
    }

    /// A search's page of stored packets, and the flows looked up to test
    /// them (by capture and key). `checking`: as in `IndexedPackets.page`.
    func matches(_ search: PacketSearch, checking: () throws -> Void = {}) throws
        -> (packets: [IndexedPackets.Stored], flows: [UInt64: [UInt64: FlowFacts]]) {
        var matcher = try PacketMatcher(search.query, expression: search.expression, scope: search.scope, packets: packets)
        let found = try packets.page(matcher.scope, limit: search.limit, checking: checking) { try matcher.accept($0) }
        return (found, matcher.flows)
    }

    /// Each packet with its flow (the API id and addresses), looked up for
    /// the keys `known` does not hold.
    func withFlows(_ found: [IndexedPackets.Stored], known: [UInt64: [UInt64: FlowFacts]] = [:]) throws
        -> [(IndexedPackets.Stored, FlowFacts?)] {
        var flows = known
        for (capture, group) in Dictionary(grouping: found, by: \.capture) {
            let missing = Set(group.compactMap(\.entry.flowKey)).subtracting(flows[capture]?.keys ?? [:].keys)
            flows[capture, default: [:]].merge(try packets.flows(capture: capture, keys: missing)) { a, _ in a }
        }
        return found.map { stored in (stored, stored.entry.flowKey.flatMap { flows[stored.capture]?[$0] }) }
    }
}

/// Which stored packets a packets search selects, a run's packets at a
/// time: their own fields tested in Swift, their flows' and captures'
/// tests answered by SQL once per flow and per capture (and kept).
struct PacketMatcher {
    private let query: PacketQuery
    private let packets: IndexedPackets
    /// The search's scope, narrowed to the captures its flow scope reaches.
    private(set) var scope: IndexedPackets.Scope
    /// Flows looked up so far, by capture and key.
    private(set) var flows: [UInt64: [UInt64: FlowFacts]] = [:]
    private let captureAnswers: [UInt64: [Bool]]
    /// Few flows carry the addresses the query names: only their packets
    /// (and those of captures still being stored) can match.
    private let scopeKeys: Set<UInt64>?
    private let openCaptures: Set<UInt64>
    static let maxKnownFlows = 100_000

    init(_ query: PacketQuery, expression: Expression, scope: IndexedPackets.Scope, packets: IndexedPackets) throws {
        self.query = query
        self.packets = packets
        self.scope = scope
        captureAnswers = try Self.captureTests(query.captureTests, packets: packets)
        let flowScope = try FlowScope.find(expression, packets: packets)
        scopeKeys = flowScope.map { Set($0.keys.map { UInt64(bitPattern: $0) }) }
        openCaptures = Set(flowScope?.openCaptures.map { UInt64(clamping: $0) } ?? [])
        if let flowScope {
            self.scope.captures = Array(Set(flowScope.captures).union(openCaptures)).sorted()
            self.scope.flowKeys = scopeKeys
            self.scope.unscoped = openCaptures
        }
        // Runs whose capture, frame numbers or sensor rule every packet out are not read.
        let predicate = query.predicate, answers = captureAnswers
        self.scope.mayHold = { run in
            let capture = answers[run.capture] ?? []
            return predicate.canMatch(.init(capture: run.capture, frames: run.firstFrame ... max(run.firstFrame, run.lastFrame)),
                                      capture: { capture.indices.contains($0) && capture[$0] })
        }
    }

    /// Which of one run's packets (all of one capture) the search selects.
    mutating func accept(_ chunk: [IndexedPackets.Stored]) throws -> [Bool] {
        guard let capture = chunk.first?.capture else { return [] }
        let scoped = scopeKeys.flatMap { keys in openCaptures.contains(capture) ? nil : keys }
        if let scoped {
            let inScope = chunk.map { $0.entry.flowKey.map(scoped.contains) ?? false }
            guard inScope.contains(true) else { return inScope }
        }
        if !query.flowTests.texts.isEmpty {
            // A cache: a scan of a whole store must not hold every flow it met.
            if flows.values.reduce(0, { $0 + $1.count }) > Self.maxKnownFlows { flows.removeAll() }
            let missing = Set(chunk.compactMap(\.entry.flowKey)).subtracting(flows[capture]?.keys ?? [:].keys)
            flows[capture, default: [:]].merge(try packets.flows(capture: capture, keys: missing, tests: query.flowTests)) { a, _ in a }
        }
        let known = flows[capture] ?? [:]
        let answers = captureAnswers[capture] ?? []
        return chunk.map { stored in
            if let scoped, !(stored.entry.flowKey.map(scoped.contains) ?? false) { return false }
            let flow = stored.entry.flowKey.flatMap { known[$0] }
            return query.predicate.holds(for: IndexedPackets.facts(stored),
                                         flow: { flow?.tests[$0] ?? false },
                                         capture: { answers.indices.contains($0) && answers[$0] })
        }
    }

    /// Each capture's answers to the capture tests (the sensor).
    private static func captureTests(_ tests: SQLConditions, packets: IndexedPackets) throws -> [UInt64: [Bool]] {
        guard !tests.texts.isEmpty else { return [:] }
        let result = try packets.connection.query(
            "SELECT c.id\(tests.texts.map { ", COALESCE((\($0)), false)" }.joined()) FROM captures c",
            try packets.values(tests.parameters))
        var answers: [UInt64: [Bool]] = [:]
        for index in result.rows.indices {
            guard let row = result.row(index), let id = row.int64(0) else { continue }
            answers[UInt64(clamping: id)] = tests.texts.indices.map { row.string(1 + $0) == "t" }
        }
        return answers
    }
}
