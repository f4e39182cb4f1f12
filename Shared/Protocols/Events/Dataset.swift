/// One application protocol's events as every process sees them: the name
/// they carry (`event.dataset`, also the prefix of the protocol's options
/// and of its events table), the code that names them on the wire, and the
/// columns of their events table with the query names of each. The
/// protocol's folder defines its dataset (`<Name>/<Name>Events.swift`);
/// `Dataset.all` lists them (docs/PROTOCOLS.md).
public struct Dataset: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    /// The dataset byte of `records.v1` events. A code names one protocol
    /// for good: it is never reused, and an unknown code is a wire error.
    public let code: UInt8
    /// Bare query words that select flows carrying an event of the dataset
    /// (`dns`, `ssl`); empty when the protocol's name means something else
    /// in the query language (`icmp` is the transport).
    public let queryNames: [String]
    /// The typed columns of the events table after the common ones, in table order.
    public let columns: [EventColumn]

    public init(name: String, code: UInt8, queryNames: [String], columns: [EventColumn]) {
        self.name = name
        self.code = code
        self.queryNames = queryNames
        self.columns = columns
    }

    /// The events table: `<name>_events`.
    public var table: String { name + "_events" }
    public var description: String { name }

    public static func == (a: Dataset, b: Dataset) -> Bool { a.code == b.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// A column of an events table kept apart from the event's document, for
/// searching and listing: read from one ECS field of the event.
public struct EventColumn: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// text, from a string field.
        case text
        /// bigint, from an integer field.
        case integer
        /// inet, from an address string.
        case inet
        /// inet[], from a list of address strings.
        case inetList

        /// The column's PostgreSQL type, as `format_type` names it.
        public var sqlType: String {
            switch self {
            case .text: "text"
            case .integer: "bigint"
            case .inet: "inet"
            case .inetList: "inet[]"
            }
        }
    }

    public let name: String
    /// The ECS field it is read from.
    public let field: String
    public let kind: Kind
    /// The query language's names for it: the ECS name first, then
    /// Wireshark's and Arkime's. Empty: not searchable.
    public let queryNames: [String]
    /// For an integer column, the values the protocol field can take when
    /// narrower than bigint: a query literal outside them is an error.
    public let values: ClosedRange<Int64>?

    public init(_ name: String, from field: String, _ kind: Kind, query queryNames: [String] = [],
                values: ClosedRange<Int64>? = nil) {
        self.name = name
        self.field = field
        self.kind = kind
        self.queryNames = queryNames
        self.values = values
    }
}
