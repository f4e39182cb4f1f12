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
        let query = search.query
        var scope = search.scope
        let captureAnswers = try captureTests(query.captureTests)
        var flows: [UInt64: [UInt64: FlowFacts]] = [:]
        let needsFlows = !query.flowTests.texts.isEmpty
        // Few flows carry the addresses the query names: only their captures'
        // packets (and those of captures still being stored) can match.
        let flowScope = try FlowScope.find(search.expression, on: connection)
        let scopeKeys = Set(flowScope?.keys.map { UInt64(bitPattern: $0) } ?? [])
        let openCaptures = Set(flowScope?.openCaptures.map { UInt64(clamping: $0) } ?? [])
        if let flowScope { scope.captures = Array(Set(flowScope.captures).union(openCaptures)).sorted() }
        let found = try packets.page(scope, limit: search.limit) { chunk in
            guard let capture = chunk.first?.capture else { return [] }
            if flowScope != nil, !openCaptures.contains(capture) {
                let inScope = chunk.map { $0.entry.flowKey.map(scopeKeys.contains) ?? false }
                guard inScope.contains(true) else { return inScope }
            }
            if needsFlows {
                let missing = Set(chunk.compactMap(\.entry.flowKey)).subtracting(flows[capture]?.keys ?? [:].keys)
                flows[capture, default: [:]].merge(try packets.flows(capture: capture, keys: missing, tests: query.flowTests)) { a, _ in a }
            }
            let known = flows[capture] ?? [:]
            let answers = captureAnswers[capture] ?? []
            return chunk.map { stored in
                if flowScope != nil, !openCaptures.contains(capture),
                   !(stored.entry.flowKey.map(scopeKeys.contains) ?? false) { return false }
                let flow = stored.entry.flowKey.flatMap { known[$0] }
                return query.predicate.holds(for: IndexedPackets.facts(stored),
                                             flow: { flow?.tests[$0] ?? false },
                                             capture: { answers.indices.contains($0) && answers[$0] })
            }
        }
        return try withFlows(found, known: flows).map { stored, flow in
            QueryMessage.FoundPacket(captureID: stored.capture, packet: IndexedPackets.packet(stored, flow: flow))
        }
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

    /// Each capture's answers to the capture tests (the sensor).
    private func captureTests(_ tests: SQLConditions) throws -> [UInt64: [Bool]] {
        guard !tests.texts.isEmpty else { return [:] }
        let result = try connection.query(
            "SELECT c.id\(tests.texts.map { ", COALESCE((\($0)), false)" }.joined()) FROM captures c", tests.values)
        var answers: [UInt64: [Bool]] = [:]
        for index in result.rows.indices {
            guard let row = result.row(index), let id = row.int64(0) else { continue }
            answers[UInt64(clamping: id)] = tests.texts.indices.map { row.string(1 + $0) == "t" }
        }
        return answers
    }
}
