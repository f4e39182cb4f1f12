import Formats
import PostgresClient
import QueryLanguage

/// Conditions on flows that name stored packets (`PacketSelection`):
/// answered from the packet index before their statement runs.
extension IndexedPackets {
    /// Most flows one selection may name: past it the search must be narrowed.
    static let maxSelectedFlows = 1_000_000

    /// The values of a condition's placeholders, as the driver takes them;
    /// each packet selection answered by reading the index (only the
    /// packets of `among`'s flows, when given).
    func values(_ parameters: [SQLCondition.Parameter], among flows: [FlowPackets]? = nil) throws
        -> [(any PostgresParameter)?] {
        var answered: [PacketSelection: String] = [:]
        return try parameters.map { parameter -> (any PostgresParameter)? in
            switch parameter {
            case .integer(let value): return value
            case .text(let value): return value
            case .flowsOf(let selection):
                if let known = answered[selection] { return known }
                let keys = try flowKeys(selection, among: flows)
                let array = "{" + keys.map { String(Int64(bitPattern: $0)) }.joined(separator: ",") + "}"
                answered[selection] = array
                return array
            }
        }
    }

    /// The flow keys of the stored packets the selection finds.
    func flowKeys(_ selection: PacketSelection, among flows: [FlowPackets]?) throws -> Set<UInt64> {
        let query: PacketQuery
        do {
            query = try PacketQuery.compile(selection.expression, window: selection.window, flowParameter: 3)
        } catch {
            throw SelectionError.query(error)
        }
        var matcher = try PacketMatcher(query, expression: selection.expression,
                                        scope: Scope(window: selection.window), packets: self)
        var keys = Set<UInt64>()
        func take(_ chunk: [Stored]) throws {
            guard !chunk.isEmpty else { return }
            for (stored, kept) in zip(chunk, try matcher.accept(chunk)) where kept {
                if let key = stored.entry.flowKey { keys.insert(key) }
            }
            guard keys.count <= Self.maxSelectedFlows else { throw SelectionError.tooManyFlows(Self.maxSelectedFlows) }
        }
        guard let flows else {
            try scan(matcher.scope) { try take($0) }
            return keys
        }
        for capture in FlowPackets.byCapture(flows) {
            try scan(capture.scope) { chunk in
                try take(chunk.filter { capture.holds($0) && selection.window.contains($0.entry.timestamp) })
            }
        }
        return keys
    }
}

enum SelectionError: Error, CustomStringConvertible {
    case query(QueryError)
    case tooManyFlows(Int)

    var description: String {
        switch self {
        case .query(let error): "the query does not compile: \(error.message)"
        case .tooManyFlows(let limit):
            "packets of more than \(limit) flows pass the query's packet tests: narrow it (a time window, an address)"
        }
    }
}
