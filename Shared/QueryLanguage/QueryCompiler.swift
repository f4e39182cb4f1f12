import Dissection
import Formats
import Foundation

/// A SQL condition and the values its `$n` placeholders stand for. Values
/// never appear in the text.
public struct SQLCondition: Hashable, Sendable {
    public enum Parameter: Hashable, Sendable {
        case integer(Int64)
        case text(String)
        /// The flow keys of the stored packets a selection finds, as a
        /// `bigint[]`: what the packet index answers, found before the
        /// statement runs.
        case flowsOf(PacketSelection)
    }

    public var text: String
    public var parameters: [Parameter]

    public init(text: String, parameters: [Parameter]) {
        self.text = text
        self.parameters = parameters
    }
}

/// Stored packets a condition on flows names by their flows: those a
/// packets search's `expression` finds within `window`.
public struct PacketSelection: Hashable, Sendable {
    public var expression: Expression
    public var window: TimeWindow

    public init(_ expression: Expression, window: TimeWindow) {
        self.expression = expression
        self.window = window
    }
}

/// What a search returns: a predicate tests each row of that table (`p`
/// for packets, `f` for flows). Events are the rows of one events table
/// (`e`) joined to their flow (`f`): that table's fields test the event
/// itself, every other field its flow.
public enum QueryTarget: Sendable, Hashable {
    case packets
    case flows
    case events(table: String)
}

/// Type-checks an expression against the field registry and compiles it to
/// a parameterised SQL condition. Every value becomes a parameter; field
/// names map to fixed column expressions; nothing from the query text is
/// spliced into SQL. Comparisons are wrapped so `!` is two-valued, as in
/// Wireshark: `!(port == 80)` holds for packets without ports.
public struct QueryCompiler {
    public let target: QueryTarget
    var parameters: [SQLCondition.Parameter] = []
    private let firstParameter: Int
    /// The window's bounds as placeholders, bound once and tested on every table the condition reads.
    var windowStart: String?
    var windowEnd: String?
    /// The events table whose rows an events search returns (alias `e`, joined to its flow `f`).
    private var ownEvents: String?
    var window = TimeWindow()

    /// `firstParameter`: the number of the first `$n` (when the condition
    /// joins a statement that has parameters of its own). A `window`
    /// bounds the rows and every table the condition reads through.
    public static func compile(_ expression: Expression, for target: QueryTarget, firstParameter: Int = 1,
                               window: TimeWindow = TimeWindow()) throws(QueryError) -> SQLCondition {
        var compiler = QueryCompiler(target: target, firstParameter: firstParameter)
        compiler.window = window
        compiler.windowStart = window.start.map { compiler.bind(.integer($0)) }
        compiler.windowEnd = window.end.map { compiler.bind(.integer($0)) }
        let alias: String
        switch target {
        case .packets: alias = "p"
        case .flows: alias = "f"
        case .events(let table):
            compiler.ownEvents = table
            alias = "e"
        }
        let text = try compiler.condition(expression, table: target == .packets ? .packets : .flows)
        let bounded = compiler.windowTest(alias).map { "(\($0) AND \(text))" } ?? text
        return SQLCondition(text: bounded, parameters: compiler.parameters)
    }

    /// The flows a packets search selects (those of the packets it finds,
    /// as docs/QUERY.md's sessions have it): a condition on `flows f`.
    public static func flowsOfPackets(_ expression: Expression, window: TimeWindow,
                                      firstParameter: Int = 1) -> SQLCondition {
        var compiler = QueryCompiler(target: .flows, firstParameter: firstParameter)
        return SQLCondition(text: compiler.flowsOf(PacketSelection(expression, window: window)),
                            parameters: compiler.parameters)
    }

    /// The flow is one of those the selection's packets belong to.
    private mutating func flowsOf(_ selection: PacketSelection) -> String {
        "COALESCE(f.flow_key = ANY(\(bind(.flowsOf(selection)))::bigint[]), false)"
    }

    /// Parses and compiles in one step.
    public static func compile(_ text: String, for target: QueryTarget, firstParameter: Int = 1,
                               window: TimeWindow = TimeWindow(),
                               limits: QueryLimits = QueryLimits()) throws(QueryError) -> SQLCondition {
        try compile(try QueryParser.parse(text, limits: limits), for: target, firstParameter: firstParameter,
                    window: window)
    }

    /// The window on one table's rows: packets and events by their time
    /// (the partition key, so partitions outside are pruned), flows by
    /// their lifetime overlapping it (their partitions after the end are pruned).
    func windowTest(_ alias: String) -> String? {
        var tests: [String] = []
        let (from, to) = alias == "f" ? ("f.end_ns", "f.start_ns") : ("\(alias).ts_ns", "\(alias).ts_ns")
        if let windowStart { tests.append("\(from) >= \(windowStart)") }
        if let windowEnd { tests.append("\(to) < \(windowEnd)") }
        return tests.isEmpty ? nil : tests.joined(separator: " AND ")
    }

    init(target: QueryTarget, firstParameter: Int) {
        self.target = target
        self.firstParameter = firstParameter
    }

    mutating func bind(_ value: SQLCondition.Parameter) -> String {
        parameters.append(value)
        return "$\(firstParameter + parameters.count - 1)"
    }

    mutating func condition(_ expression: Expression, table: QueryTarget) throws(QueryError) -> String {
        switch expression {
        case .and(let a, let b):
            return "(\(try condition(a, table: table)) AND \(try condition(b, table: table)))"
        case .or(let a, let b):
            return "(\(try condition(a, table: table)) OR \(try condition(b, table: table)))"
        case .not(let inner):
            return "(NOT \(try condition(inner, table: table)))"
        case .exists(let field):
            return try presence(field, table: table)
        case .compare(let field, let comparison, let operand):
            let spec = try resolve(field)
            if let some = try packetOnly(spec, expression, table: table) { return some }
            return try onTable(spec, table: table) { compiler, column, table throws(QueryError) in
                try compiler.compare(spec, column, comparison, operand, field: field)
            }
        case .member(let field, let items):
            let spec = try resolve(field)
            if let some = try packetOnly(spec, expression, table: table) { return some }
            return try onTable(spec, table: table) { compiler, column, table throws(QueryError) in
                try compiler.member(spec, column, items, field: field)
            }
        }
    }

    func resolve(_ field: FieldName) throws(QueryError) -> FieldSpec {
        if let spec = Fields.spec(field.name) { return spec }
        let known = Fields.all.flatMap(\.names)
        let near = known.min { Self.distance($0, field.name.lowercased()) < Self.distance($1, field.name.lowercased()) }
        throw QueryError(at: field.position, "unknown field `\(field.name)`", hint: near.map { "did you mean `\($0)`?" })
    }

    private mutating func presence(_ field: FieldName, table: QueryTarget) throws(QueryError) -> String {
        let lower = field.name.lowercased()
        if let conditions = Fields.protocols[lower] {
            return "COALESCE(\(table == .packets ? conditions.packet.sql : conditions.flow), false)"
        }
        if let events = Fields.eventProtocols[lower] {
            return events == ownEvents ? "true" : throughEvents(events, "true", table: table)
        }
        let spec = try resolve(field)
        if spec.kind == .presence {
            throw QueryError(at: field.position, "`\(field.name)` cannot be tested for presence")
        }
        if let some = try packetOnly(spec, .exists(field), table: table) { return some }
        return try onTable(spec, table: table) { _, column, _ in Self.present(column) }
    }

    /// A test of a field only packets have (their size, their frame
    /// number), on flows: the flow has a stored packet that passes it,
    /// which the packet index answers. Nil for any other field or table.
    private mutating func packetOnly(_ spec: FieldSpec, _ expression: Expression,
                                     table: QueryTarget) throws(QueryError) -> String? {
        guard table != .packets, spec.event == nil, spec.flow == nil, spec.packet != nil else { return nil }
        // Checked now, so the error names its place; the index compiles it again.
        _ = try PacketQuery.compile(expression, window: window)
        return flowsOf(PacketSelection(expression, window: window))
    }

    static func present(_ column: Column) -> String {
        switch column {
        case .one(let sql), .array(let sql): "(\(sql) IS NOT NULL)"
        case .either(let a, let b): "(\(a) IS NOT NULL OR \(b) IS NOT NULL)"
        case .condition(let sql): "COALESCE(\(sql), false)"
        case .sensor: "true"
        }
    }

    /// Runs `body` on the field's column in `table`, or, for a field of the
    /// other table, on that table through the flow key.
    private mutating func onTable(
        _ spec: FieldSpec, table: QueryTarget,
        _ body: (inout QueryCompiler, Column, QueryTarget) throws(QueryError) -> String
    ) throws(QueryError) -> String {
        if let event = spec.event {
            if event.table == ownEvents { return try body(&self, event.column, table) }
            return throughEvents(event.table, try body(&self, event.column, table), table: table)
        }
        let here = table == .packets ? spec.packet?.sql : spec.flow
        let requires = table == .packets ? spec.packetRequires.map(Self.packetTransport) : spec.flowRequires
        if let here {
            let test = try body(&self, here, table)
            return requires.map { "(\($0) AND \(test))" } ?? test
        }
        // On flows, a field only packets have is `packetOnly`'s.
        guard table == .packets, let there = spec.flow else { return "false" }
        var test = try body(&self, there, .flows)
        if let requires = spec.flowRequires { test = "(\(requires) AND \(test))" }
        if let window = windowTest("f") { test = "(\(window) AND \(test))" }
        // Not correlated: PostgreSQL hashes the flows' keys once (flow keys include the capture).
        return "COALESCE(p.flow_key IN (SELECT f.flow_key FROM flows f WHERE \(test)), false)"
    }

    static func packetTransport(_ number: UInt8) -> String { PacketProtocol.transport(number).sql }

    /// The rows whose flow carries an event of `events` (alias `e`) that
    /// passes `test`: a packet by its flow key (keys include the capture),
    /// a flow by its capture, key and lifetime (a key used again later is
    /// another flow).
    private func throughEvents(_ events: String, _ test: String, table: QueryTarget) -> String {
        let test = windowTest("e").map { "\($0) AND \(test)" } ?? test
        return switch table {
        case .packets:
            "COALESCE(p.flow_key IN (SELECT e.flow_key FROM \(events) e WHERE \(test)), false)"
        case .flows, .events:
            """
            EXISTS (SELECT 1 FROM \(events) e WHERE e.flow_key = f.flow_key AND e.capture_id = f.capture_id \
            AND e.ts_ns BETWEEN f.start_ns AND f.end_ns AND \(test))
            """
        }
    }

    mutating func compare(_ spec: FieldSpec, _ column: Column, _ comparison: Comparison, _ operand: Operand,
                                  field: FieldName) throws(QueryError) -> String {
        if comparison == .notEqual {
            // Wireshark 4: `a != b` holds when the field is present and no occurrence equals b.
            return "(\(Self.present(column)) AND NOT \(try compare(spec, column, .equal, operand, field: field)))"
        }
        switch spec.kind {
        case .address:
            guard comparison == .equal else {
                throw QueryError(at: operand.position, "`\(comparison.rawValue)` does not apply to addresses",
                                 hint: "use == or != with an address or a CIDR such as 10.0.0.0/8")
            }
            return try addressTest(column, operand)
        case .integer, .transport:
            guard !comparison.isText else {
                throw QueryError(at: operand.position, "`\(comparison.rawValue)` applies to text, and `\(field.name)` is a number")
            }
            let value = try integer(operand, spec: spec, field: field)
            let symbol = comparison == .equal ? "=" : comparison.rawValue
            let placeholder = bind(.integer(value * spec.scale))
            return test(column) { "\($0) \(symbol) \(placeholder)" }
        case .text:
            if comparison.isOrdering {
                throw QueryError(at: operand.position, "`\(comparison.rawValue)` does not apply to text",
                                 hint: "use ==, !=, contains, matches, startswith or endswith")
            }
            return try textTest(column, comparison, operand)
        case .presence:
            throw QueryError(at: field.position, "`\(field.name)` is a protocol name: use it alone")
        }
    }

    private mutating func addressTest(_ column: Column, _ operand: Operand) throws(QueryError) -> String {
        let (placeholder, isNetwork) = try address(operand)
        return test(column) { isNetwork ? "\($0) <<= network(\(placeholder)::inet)" : "\($0) = \(placeholder)::inet" }
    }

    /// An address or CIDR as a placeholder.
    private mutating func address(_ operand: Operand) throws(QueryError) -> (placeholder: String, isNetwork: Bool) {
        let pattern = try AddressPattern(operand)
        // network() drops host bits (10.1.2.3/8 means 10.0.0.0/8), which a cidr cast would refuse.
        if let prefix = pattern.prefix { return (bind(.text("\(pattern.address)/\(prefix)")), true) }
        return (bind(.text("\(pattern.address)")), false)
    }

    func integer(_ operand: Operand, spec: FieldSpec, field: FieldName) throws(QueryError) -> Int64 {
        if spec.kind == .transport, let number = Fields.transports[operand.text.lowercased()] { return number }
        guard !operand.quoted, let value = Int64(operand.text) else {
            if !operand.quoted, Self.isDecimal(operand.text) {
                throw Self.outOfRange(operand.text, at: operand.position, spec: spec, field: field)
            }
            let hint = spec.kind == .transport ? "a transport name (tcp, udp, icmp, ipv6-icmp, sctp) or number" : "an integer"
            throw QueryError(at: operand.position, "`\(operand.text)` is not a number", hint: "expected \(hint)")
        }
        try Self.checkRange(value, operand.text, at: operand.position, spec: spec, field: field)
        return value
    }

    /// A literal the field's column cannot hold is refused here, with its
    /// position, rather than by PostgreSQL when it is bound.
    static func checkRange(_ value: Int64, _ text: String, at position: Int, spec: FieldSpec,
                                   field: FieldName) throws(QueryError) {
        guard spec.literals.contains(value) else {
            throw outOfRange(text, at: position, spec: spec, field: field)
        }
    }

    private static func outOfRange(_ text: String, at position: Int, spec: FieldSpec, field: FieldName) -> QueryError {
        let literals = spec.literals
        return QueryError(at: position, "`\(text)` is out of range for `\(field.name)`",
                          hint: "\(literals.lowerBound)…\(literals.upperBound)")
    }

    /// An optionally signed run of digits: a number, if too large for any column.
    private static func isDecimal(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : text[...]
        return !digits.isEmpty && digits.allSatisfy { ("0" ... "9").contains($0) }
    }

    private mutating func textTest(_ column: Column, _ comparison: Comparison, _ operand: Operand) throws(QueryError) -> String {
        let value = operand.text
        switch comparison {
        case .equal where !operand.quoted && value.contains("*"):
            return like(column, Self.literal(value).replacingOccurrences(of: "*", with: "%"))
        case .equal:
            let placeholder = bind(.text(value))
            return test(column) { "\($0) = \(placeholder)" }
        case .contains:
            return like(column, "%" + Self.literal(value) + "%")
        case .startsWith:
            return like(column, Self.literal(value) + "%")
        case .endsWith:
            return like(column, "%" + Self.literal(value))
        case .matches:
            do {
                _ = try NSRegularExpression(pattern: value)
            } catch {
                throw QueryError(at: operand.position, "the regular expression does not compile",
                                 hint: "PostgreSQL (POSIX ARE) syntax, e.g. \"^www[0-9]+\\\\.\"")
            }
            let placeholder = bind(.text(value))
            return test(column) { "\($0) ~ \(placeholder)" }
        default:
            return "false"
        }
    }

    /// Every text test but equality is a LIKE pattern, which a trigram
    /// index on the column serves (migration 10).
    private mutating func like(_ column: Column, _ pattern: String) -> String {
        let placeholder = bind(.text(pattern))
        return test(column) { "\($0) LIKE \(placeholder)" }
    }

    /// `text` matched literally by LIKE (its `\\`, `%` and `_` escaped).
    static func literal(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    mutating func member(_ spec: FieldSpec, _ column: Column, _ items: [SetItem],
                                 field: FieldName) throws(QueryError) -> String {
        var tests: [String] = []
        for item in items {
            switch item {
            case .value(let operand):
                tests.append(try compare(spec, column, .equal, operand, field: field))
            case .range(let low, let high, let position):
                guard spec.kind == .integer || spec.kind == .transport else {
                    throw QueryError(at: position, "ranges apply to numbers, and `\(field.name)` is not one")
                }
                try Self.checkRange(low, "\(low)", at: position, spec: spec, field: field)
                try Self.checkRange(high, "\(high)", at: position, spec: spec, field: field)
                let from = bind(.integer(low * spec.scale)), to = bind(.integer(high * spec.scale))
                tests.append(test(column) { "\($0) BETWEEN \(from) AND \(to)" })
            }
        }
        return "(" + tests.joined(separator: " OR ") + ")"
    }

    /// `body` applied to the column: both sides for `either`, any element
    /// for arrays, the capture's sensor for `sensor`; never NULL.
    /// Two-valued tests (a missing field fails, so `!` negates them). A test
    /// on a column is null only where the column is: `AND … IS NOT NULL`
    /// makes it false there and, unlike COALESCE, leaves the comparison
    /// itself where an index on the column can serve it.
    private func test(_ column: Column, _ body: (String) -> String) -> String {
        switch column {
        case .one(let sql): "(\(body(sql)) AND \(sql) IS NOT NULL)"
        case .either(let a, let b): "((\(body(a)) AND \(a) IS NOT NULL) OR (\(body(b)) AND \(b) IS NOT NULL))"
        case .array(let sql): "COALESCE(EXISTS (SELECT 1 FROM unnest(\(sql)) AS v(x) WHERE \(body("v.x"))), false)"
        case .condition(let sql): "COALESCE(\(sql), false)"
        case .sensor(let capture):
            "COALESCE(\(capture) IN (SELECT c.id FROM captures c JOIN sensors s ON s.id = c.sensor_id WHERE \(body("s.name")) OR \(body("s.id::text"))), false)"
        }
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var row = Array(0 ... b.count)
        for i in 1 ... a.count {
            var previous = row[0]
            row[0] = i
            for j in 1 ... b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
