import Dissection
import Formats

/// A packets search as the packet index answers it: each packet's own
/// fields (`PacketFacts`) tested in Swift, and what only its flow knows —
/// flow fields, its flow's events — or only its capture knows (the sensor)
/// as SQL conditions the search evaluates once per flow or per capture.
/// The semantics are those of the SQL the compiler writes for the other
/// targets (docs/QUERY.md): two-valued tests, a missing field fails.
public struct PacketQuery: Sendable, Hashable {
    public indirect enum Predicate: Sendable, Hashable {
        case and(Predicate, Predicate)
        case or(Predicate, Predicate)
        case not(Predicate)
        case constant(Bool)
        case test(PacketTest)
        /// `flowTests.texts[i]` holds for the packet's flow; false without one.
        case flow(Int)
        /// `captureTests.texts[i]` holds for the packet's capture.
        case capture(Int)
    }

    public var predicate: Predicate
    /// Conditions on `flows f`, placeholders from the compile's `flowParameter` on.
    public var flowTests: SQLConditions
    /// Conditions on `captures c`, placeholders from `$1`.
    public var captureTests: SQLConditions
    /// Packets outside are not matches.
    public var window: TimeWindow

    /// Compiles a packets search. `flowParameter`: the number of the first
    /// placeholder of the flow tests (the statement that evaluates them
    /// binds its own first).
    public static func compile(_ expression: Expression, window: TimeWindow = TimeWindow(),
                               flowParameter: Int = 1) throws(QueryError) -> PacketQuery {
        var compiler = PacketQueryCompiler(window: window, flowParameter: flowParameter)
        let predicate = try compiler.predicate(expression)
        return PacketQuery(
            predicate: predicate,
            // The window's placeholders only when a condition uses them.
            flowTests: SQLConditions(texts: compiler.flowTexts,
                                     parameters: compiler.flowTexts.isEmpty ? [] : compiler.flows.parameters),
            captureTests: SQLConditions(texts: compiler.captureTexts, parameters: compiler.captures.parameters),
            window: window)
    }
}

/// Several SQL conditions on one table, sharing one set of placeholders.
public struct SQLConditions: Sendable, Hashable {
    public var texts: [String]
    public var parameters: [SQLCondition.Parameter]
}

/// A test on a packet's own fields.
public enum PacketTest: Sendable, Hashable {
    /// The column has a value (for an array: is not empty).
    case present(PacketColumn)
    case address(PacketColumn, AddressPattern)
    case integer(PacketColumn, IntegerTest)
    case named(PacketProtocol)
}

/// An integer comparison; a column without a value fails every one.
public enum IntegerTest: Sendable, Hashable {
    case equal(Int64), less(Int64), lessOrEqual(Int64), greater(Int64), greaterOrEqual(Int64)
    case between(Int64, Int64)

    init(_ comparison: Comparison, _ value: Int64) {
        switch comparison {
        case .less: self = .less(value)
        case .lessOrEqual: self = .lessOrEqual(value)
        case .greater: self = .greater(value)
        case .greaterOrEqual: self = .greaterOrEqual(value)
        default: self = .equal(value)
        }
    }

    /// Whether every value of `range` passes (true), none does (false), or some do (nil).
    func known(_ range: ClosedRange<Int64>) -> Bool? {
        let low: Int64, high: Int64
        switch self {
        case .equal(let v): (low, high) = (v, v)
        case .less(let v): if v == .min { return false } else { (low, high) = (.min, v - 1) }
        case .lessOrEqual(let v): (low, high) = (.min, v)
        case .greater(let v): if v == .max { return false } else { (low, high) = (v + 1, .max) }
        case .greaterOrEqual(let v): (low, high) = (v, .max)
        case .between(let a, let b): if a > b { return false } else { (low, high) = (a, b) }
        }
        if range.upperBound < low || range.lowerBound > high { return false }
        return range.lowerBound >= low && range.upperBound <= high ? true : nil
    }

    public func holds(_ x: Int64) -> Bool {
        switch self {
        case .equal(let v): x == v
        case .less(let v): x < v
        case .lessOrEqual(let v): x <= v
        case .greater(let v): x > v
        case .greaterOrEqual(let v): x >= v
        case .between(let low, let high): low <= x && x <= high
        }
    }
}

/// An address, or a network when it has a prefix length (host bits beyond
/// it ignored, as PostgreSQL's `network()`).
public struct AddressPattern: Sendable, Hashable {
    public var address: IPAddress
    public var prefix: Int?

    /// Parsed and checked here, so a bad one is a query error with its position.
    init(_ operand: Operand) throws(QueryError) {
        let parts = operand.text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else {
            throw QueryError(at: operand.position, "`\(operand.text)` is not an IP address or CIDR",
                             hint: "e.g. 10.0.0.1, 10.0.0.0/8, 2001:db8::1 or 2001:db8::/32")
        }
        self.address = address
        guard parts.count == 2 else { return }
        let maximum = address.isIPv6 ? 128 : 32
        guard let prefix = Int(parts[1]), (0 ... maximum).contains(prefix), parts[1].allSatisfy(\.isNumber) else {
            throw QueryError(at: operand.position, "`\(operand.text)`: the prefix length must be 0…\(maximum)")
        }
        self.prefix = prefix
    }

    /// Same family, and equal (a network: equal in the prefix's bits).
    public func matches(_ other: IPAddress) -> Bool {
        guard other.isIPv6 == address.isIPv6 else { return false }
        guard let prefix else { return other == address }
        let bits = address.isIPv6 ? prefix : prefix + 96
        func masked(_ a: IPAddress) -> (UInt64, UInt64) {
            let highMask: UInt64 = bits >= 64 ? .max : (bits == 0 ? 0 : .max << UInt64(64 - bits))
            let lowMask: UInt64 = bits <= 64 ? 0 : (bits >= 128 ? .max : .max << UInt64(128 - bits))
            return (a.high & highMask, a.low & lowMask)
        }
        return masked(other) == masked(address)
    }
}

/// What the packet index and the packet's flow say about one packet.
public struct PacketFacts: Sendable, Hashable {
    public var captureID: UInt64
    public var frameNumber: UInt64
    public var capturedLength: UInt32
    public var wireLength: UInt32
    public var etherType: UInt16
    /// IP protocol, 0 without IP.
    public var transport: UInt8
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var vlans: VLANStack
    /// Nil without an IP header.
    public var source: IPAddress?
    public var destination: IPAddress?

    public init(captureID: UInt64, frameNumber: UInt64, capturedLength: UInt32, wireLength: UInt32,
                etherType: UInt16, transport: UInt8, sourcePort: UInt16?, destinationPort: UInt16?,
                vlans: VLANStack, source: IPAddress? = nil, destination: IPAddress? = nil) {
        self.captureID = captureID
        self.frameNumber = frameNumber
        self.capturedLength = capturedLength
        self.wireLength = wireLength
        self.etherType = etherType
        self.transport = transport
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.vlans = vlans
        self.source = source
        self.destination = destination
    }

    /// A column's values: one, or none when it has no value; both ends for
    /// `any…`; every VLAN id.
    func integers(_ column: PacketColumn) -> [Int64] {
        switch column {
        case .sourcePort: sourcePort.map { [Int64($0)] } ?? []
        case .destinationPort: destinationPort.map { [Int64($0)] } ?? []
        case .anyPort: [sourcePort, destinationPort].compactMap { $0.map(Int64.init) }
        case .transport: [Int64(transport)]
        case .wireLength: [Int64(wireLength)]
        case .capturedLength: [Int64(capturedLength)]
        case .frameNumber: [Int64(bitPattern: frameNumber)]
        case .captureID: [Int64(bitPattern: captureID)]
        case .vlanIDs: vlans.ids.map(Int64.init)
        case .source, .destination, .anyAddress, .sensor: []
        }
    }

    func addresses(_ column: PacketColumn) -> [IPAddress] {
        switch column {
        case .source: source.map { [$0] } ?? []
        case .destination: destination.map { [$0] } ?? []
        case .anyAddress: [source, destination].compactMap { $0 }
        default: []
        }
    }
}

extension PacketTest {
    public func holds(for packet: PacketFacts) -> Bool {
        switch self {
        case .present(let column):
            switch column {
            case .source, .destination, .anyAddress: !packet.addresses(column).isEmpty
            case .sensor: true
            default: !packet.integers(column).isEmpty
            }
        case .address(let column, let pattern):
            packet.addresses(column).contains(where: pattern.matches)
        case .integer(let column, let test):
            packet.integers(column).contains(where: test.holds)
        case .named(.family(let family)):
            packet.source.map { ($0.isIPv6 ? 6 : 4) == family } ?? false
        case .named(.transport(let number)):
            packet.transport == number
        case .named(.etherType(let type)):
            packet.etherType == type
        case .named(.vlanTagged):
            packet.vlans.count > 0
        }
    }
}

extension PacketQuery.Predicate {
    /// What is known of a stretch of stored packets before reading them:
    /// their capture, and the frame numbers they lie between.
    public struct Stretch: Sendable, Hashable {
        public var capture: UInt64
        public var frames: ClosedRange<UInt64>

        public init(capture: UInt64, frames: ClosedRange<UInt64>) {
            self.capture = capture
            self.frames = frames
        }
    }

    /// Whether some packet of `stretch` may match, its capture's
    /// conditions answering `capture` (by index): the predicate in
    /// three-valued logic, with the tests of a packet's capture id and
    /// frame number decided where the stretch decides them and every other
    /// packet or flow test unknown. False only when no packet can match, so
    /// a search need not read the stretch.
    public func canMatch(_ stretch: Stretch, capture: (Int) -> Bool) -> Bool {
        known(stretch, capture: capture) != false
    }

    private func known(_ stretch: Stretch, capture: (Int) -> Bool) -> Bool? {
        switch self {
        case .and(let a, let b):
            let x = a.known(stretch, capture: capture), y = b.known(stretch, capture: capture)
            if x == false || y == false { return false }
            return x == true && y == true ? true : nil
        case .or(let a, let b):
            let x = a.known(stretch, capture: capture), y = b.known(stretch, capture: capture)
            if x == true || y == true { return true }
            return x == false && y == false ? false : nil
        case .not(let inner): return inner.known(stretch, capture: capture).map(!)
        case .constant(let value): return value
        case .test(.integer(.captureID, let test)): return test.holds(Int64(bitPattern: stretch.capture))
        case .test(.integer(.frameNumber, let test)):
            return test.known(Int64(clamping: stretch.frames.lowerBound) ... Int64(clamping: stretch.frames.upperBound))
        case .test, .flow: return nil
        case .capture(let index): return capture(index)
        }
    }

    /// Whether the packet matches, given the answers of its flow's and its
    /// capture's conditions (by index).
    public func holds(for packet: PacketFacts, flow: (Int) -> Bool, capture: (Int) -> Bool) -> Bool {
        switch self {
        case .and(let a, let b): a.holds(for: packet, flow: flow, capture: capture) && b.holds(for: packet, flow: flow, capture: capture)
        case .or(let a, let b): a.holds(for: packet, flow: flow, capture: capture) || b.holds(for: packet, flow: flow, capture: capture)
        case .not(let inner): !inner.holds(for: packet, flow: flow, capture: capture)
        case .constant(let value): value
        case .test(let test): test.holds(for: packet)
        case .flow(let index): flow(index)
        case .capture(let index): capture(index)
        }
    }

}

/// Walks an expression as `QueryCompiler` does for packets, keeping the
/// packet's own tests typed and compiling the rest with two SQL compilers.
struct PacketQueryCompiler {
    var flows: QueryCompiler
    var captures: QueryCompiler
    var flowTexts: [String] = []
    var captureTexts: [String] = []

    init(window: TimeWindow, flowParameter: Int) {
        var flows = QueryCompiler(target: .flows, firstParameter: flowParameter)
        if let start = window.start { flows.windowStart = flows.bind(.integer(start)) }
        if let end = window.end { flows.windowEnd = flows.bind(.integer(end)) }
        self.flows = flows
        captures = QueryCompiler(target: .flows, firstParameter: 1)
    }

    mutating func predicate(_ expression: Expression) throws(QueryError) -> PacketQuery.Predicate {
        switch expression {
        case .and(let a, let b): return .and(try predicate(a), try predicate(b))
        case .or(let a, let b): return .or(try predicate(a), try predicate(b))
        case .not(let inner): return .not(try predicate(inner))
        case .exists(let field):
            let lower = field.name.lowercased()
            if let named = Fields.protocols[lower] { return .test(.named(named.packet)) }
            if Fields.eventProtocols[lower] != nil { return flowTest(try flows.condition(expression, table: .flows)) }
            let spec = try flows.resolve(field)
            if spec.kind == .presence {
                throw QueryError(at: field.position, "`\(field.name)` cannot be tested for presence")
            }
            return try onPacket(spec, expression) { _, column throws(QueryError) in .test(.present(column)) }
        case .compare(let field, let comparison, let operand):
            let spec = try flows.resolve(field)
            return try onPacket(spec, expression) { compiler, column throws(QueryError) in
                try compiler.compare(spec, column, comparison, operand, field: field)
            }
        case .member(let field, let items):
            let spec = try flows.resolve(field)
            return try onPacket(spec, expression) { compiler, column throws(QueryError) in
                var tests: [PacketQuery.Predicate] = []
                for item in items {
                    switch item {
                    case .value(let operand):
                        tests.append(try compiler.compare(spec, column, .equal, operand, field: field))
                    case .range(let low, let high, let position):
                        guard spec.kind == .integer || spec.kind == .transport else {
                            throw QueryError(at: position, "ranges apply to numbers, and `\(field.name)` is not one")
                        }
                        try QueryCompiler.checkRange(low, "\(low)", at: position, spec: spec, field: field)
                        try QueryCompiler.checkRange(high, "\(high)", at: position, spec: spec, field: field)
                        tests.append(.test(.integer(column, .between(low * spec.scale, high * spec.scale))))
                    }
                }
                return tests.dropFirst().reduce(tests.first ?? .constant(false)) { .or($0, $1) }
            }
        }
    }

    /// The packet's own column through `body`, with the transport the field
    /// implies; its capture's sensor, its flow's fields and its flow's
    /// events through SQL.
    private mutating func onPacket(
        _ spec: FieldSpec, _ expression: Expression,
        _ body: (inout PacketQueryCompiler, PacketColumn) throws(QueryError) -> PacketQuery.Predicate
    ) throws(QueryError) -> PacketQuery.Predicate {
        if spec.event != nil { return flowTest(try flows.condition(expression, table: .flows)) }
        if spec.packet == .sensor {
            // The same test on the capture's sensor: `c.id` stands where a packet's capture would.
            let column = Column.sensor(captureColumn: "c.id")
            switch expression {
            case .compare(let field, let comparison, let operand):
                captureTexts.append(try captures.compare(spec, column, comparison, operand, field: field))
            case .member(let field, let items):
                captureTexts.append(try captures.member(spec, column, items, field: field))
            case .and, .or, .not, .exists:
                captureTexts.append(QueryCompiler.present(column))
            }
            return .capture(captureTexts.count - 1)
        }
        if let column = spec.packet {
            let test = try body(&self, column)
            return spec.packetRequires.map { .and(.test(.named(.transport($0))), test) } ?? test
        }
        guard spec.flow != nil else { return .constant(false) }
        let test = try flows.condition(expression, table: .flows)
        return flowTest(flows.windowTest("f").map { "(\($0) AND \(test))" } ?? test)
    }

    private mutating func flowTest(_ text: String) -> PacketQuery.Predicate {
        flowTexts.append(text)
        return .flow(flowTexts.count - 1)
    }

    /// As `QueryCompiler.compare`, on a packet column.
    private func compare(_ spec: FieldSpec, _ column: PacketColumn, _ comparison: Comparison, _ operand: Operand,
                         field: FieldName) throws(QueryError) -> PacketQuery.Predicate {
        if comparison == .notEqual {
            return .and(.test(.present(column)), .not(try compare(spec, column, .equal, operand, field: field)))
        }
        switch spec.kind {
        case .address:
            guard comparison == .equal else {
                throw QueryError(at: operand.position, "`\(comparison.rawValue)` does not apply to addresses",
                                 hint: "use == or != with an address or a CIDR such as 10.0.0.0/8")
            }
            return .test(.address(column, try AddressPattern(operand)))
        case .integer, .transport:
            guard !comparison.isText else {
                throw QueryError(at: operand.position, "`\(comparison.rawValue)` applies to text, and `\(field.name)` is a number")
            }
            let value = try flows.integer(operand, spec: spec, field: field)
            return .test(.integer(column, IntegerTest(comparison, value * spec.scale)))
        case .text, .presence:
            // Text on a packet is only the sensor, which the capture answers.
            throw QueryError(at: field.position, "`\(field.name)` is a protocol name: use it alone")
        }
    }
}
