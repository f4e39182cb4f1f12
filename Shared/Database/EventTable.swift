import Dissection
import Events
import PostgresClient
import Records

/// One dataset's events table: the columns every events table has, then
/// the dataset's own columns (`Dataset.columns`) for searching and listing,
/// and `fields`, the rest of the event (`StoredEventFields`), from which
/// `EventSelection` rebuilds the document `netsift dump --json` prints.
/// Rows stored before migration 15 have their document in `doc` (jsonb)
/// instead. Migrations create the tables; `EventTableSchemaTests` checks
/// each against its dataset.
public struct EventTable: Sendable {
    public let dataset: Dataset

    public init(_ dataset: Dataset) { self.dataset = dataset }

    public var name: String { dataset.table }
    public var columns: [EventColumn] { dataset.columns }
    public var partitions: PartitionManager.Table { .events(dataset) }

    /// Columns of every events table, in the order `encode` writes them first.
    public static let commonColumns = "capture_id, flow_key, ts_ns, sequence, batch_id, community_id, frames, fields"
    static let commonFieldCount = 8

    public static let all: [EventTable] = Dataset.all.map(EventTable.init)

    /// The table named `name` (`dns_events`, …).
    public static func named(_ name: String) -> EventTable? { all.first { $0.name == name } }

    /// `COPY <table> (<columns>) FROM STDIN (FORMAT binary)`.
    var copyStatement: String {
        "COPY \(name) (\(Self.commonColumns), \(columns.map(\.name).joined(separator: ", "))) FROM STDIN (FORMAT binary)"
    }

    /// One row, from the event's fields as the decoder encoded them: a
    /// typed column's value is read where its field lies, and `fields`
    /// copies the rest. PostgreSQL's text cannot hold NUL, so NULs in the
    /// event's strings become U+FFFD first, in `fields` too: the document
    /// read back is the same whether a string went to a column or not.
    func encode(_ event: EventRecord, batchID: Int64, into encoder: inout BinaryCopyEncoder) throws(EventFieldError) {
        let fields = event.fields.containsNUL ? EncodedFields(event.fields.values().map(\.withoutNUL)) : event.fields
        let layout = try StoredEventFields.Layout(fields, columns: columns)
        encoder.beginRow(fieldCount: Int16(Self.commonFieldCount + columns.count))
        encoder.append(int8: Int64(bitPattern: event.captureID))
        encoder.append(int8: Int64(bitPattern: event.flowKey))
        encoder.append(int8: event.time)
        encoder.append(int4: Int32(bitPattern: event.sequence))
        encoder.append(int8: batchID)
        encoder.append(text: event.communityID)
        encoder.append(array: event.frames, elementOID: 20) { $0.append(int8: Int64(bitPattern: $1)) }
        encoder.append(bytea: try StoredEventFields.encode(fields, layout))
        for value in layout.values {
            switch value {
            case .text(let utf8)?: utf8.withUnsafeBytes { encoder.append(bytea: $0) }
            case .integer(let i)?: encoder.append(int8: i)
            case .inet(let address)?: Self.append(address: address, into: &encoder)
            case .inetList(let addresses)?:
                encoder.append(array: addresses, elementOID: BinaryCopyEncoder.inetOID) { Self.append(address: $1, into: &$0) }
            case nil: encoder.appendNull()
            }
        }
    }

    private static func append(address: IPAddress, into encoder: inout BinaryCopyEncoder) {
        if address.isIPv6 {
            encoder.append(inetV6High: address.high, low: address.low)
        } else {
            encoder.append(inetV4: address.v4)
        }
    }
}

extension ProtocolField {
    /// The field with every NUL in its strings replaced by U+FFFD.
    var withoutNUL: ProtocolField { ProtocolField(name, value.withoutNUL) }
}

extension ProtocolField.Value {
    var withoutNUL: Self {
        switch self {
        case .string(let s) where s.utf8.contains(0): .string(s.replacingNUL())
        case .list(let values): .list(values.map(\.withoutNUL))
        case .object(let fields): .object(fields.map(\.withoutNUL))
        default: self
        }
    }
}

extension String {
    func replacingNUL() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\0" ? "\u{FFFD}" : $0 }))
    }
}
