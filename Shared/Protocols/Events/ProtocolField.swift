/// One output field of a transaction under its ECS (or Packetbeat) name,
/// e.g. `dns.question.name`. Transactions list theirs in a fixed order; a
/// JSON writer or a table row reads them without knowing the protocol.
public struct ProtocolField: Hashable, Sendable {
    public indirect enum Value: Hashable, Sendable {
        case string(String)
        case integer(Int64)
        case bool(Bool)
        /// Nanoseconds since the Unix epoch (written as RFC 3339).
        case time(Int64)
        case list([Value])
        /// A nested object, e.g. one of `dns.answers`.
        case object([ProtocolField])
        /// A field the transaction has no value for, kept because of `keep_null`.
        case null
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

extension ProtocolField.Value {
    public static func strings(_ values: [String]) -> Self { .list(values.map { .string($0) }) }
    public static func unsigned(_ value: some BinaryInteger) -> Self { .integer(Int64(clamping: value)) }
}

extension Array where Element == ProtocolField {
    /// The first field named `name`.
    public subscript(field name: String) -> ProtocolField.Value? { first { $0.name == name }?.value }
}
