import Dissection
import Events
import PostgresClient
import Records

/// How a read selects events so that each row gives back its document:
/// `netsift dump --json`'s, with the id as `netsift.event`. Rows of several
/// tables can share one `UNION ALL`: each table's select list has every
/// table's typed columns, NULL for the others'.
public struct EventSelection: Sendable {
    public let tables: [EventTable]

    public init(_ tables: [EventTable]) { self.tables = tables }

    /// The columns before the typed ones, in `columns(of:)`'s order: the
    /// id, the dataset's code, the document of a row stored before
    /// migration 15, then what rebuilds the others'.
    enum Leading: Int, CaseIterable {
        case id, dataset, document, captureID, flowKey, time, sequence, communityID, frames, fields
    }

    static let leadingColumns = Leading.allCases.count

    /// The select list for rows of `table` aliased `e`.
    public func columns(of table: EventTable) -> String {
        let common = """
            e.id, \(table.dataset.code), jsonb_set(e.doc, '{netsift,event}', to_jsonb(e.id))::text, \
            e.capture_id, e.flow_key, e.ts_ns, e.sequence, e.community_id, e.frames, e.fields
            """
        let typed = tables.flatMap { other in
            other.columns.map { other.name == table.name ? "e.\($0.name)" : "NULL::\($0.kind.sqlType)" }
        }
        return ([common] + typed).joined(separator: ", ")
    }

    /// The id and document of a row selected with `columns(of:)`.
    public func event(_ row: PostgresRow) throws(EventReadError) -> (id: Int64, document: String) {
        guard let id = row.int64(Leading.id.rawValue) else {
            throw EventReadError(table: "events", id: nil, problem: "a row without an id")
        }
        let code = row[Leading.dataset.rawValue]
        guard let table = code.flatMap({ UInt8($0) }).flatMap(Dataset.coded).map(EventTable.init),
              let offset = typedOffset(table) else {
            throw EventReadError(table: "events", id: id, problem: "dataset \(code ?? "NULL") not selected")
        }
        if let document = row[Leading.document.rawValue] { return (id, document) }
        do throws(EventFieldError) {
            let event = try record(row, table: table, typedAt: offset)
            return (id, String(decoding: EventDocument.bytes(event, storedID: id), as: UTF8.self))
        } catch {
            throw EventReadError(table: table.name, id: id, problem: "\(error)")
        }
    }

    /// The event of a row stored since migration 15, as it was written.
    func record(_ row: PostgresRow, table: EventTable, typedAt offset: Int) throws(EventFieldError) -> EventRecord {
        func required(_ column: Leading) throws(EventFieldError) -> String {
            guard let text = row[column.rawValue] else { throw EventFieldError.invalidValue("\(column) is NULL") }
            return text
        }
        func integer<T: FixedWidthInteger>(_ column: Leading) throws(EventFieldError) -> T {
            let text = try required(column)
            guard let value = T(text) else { throw EventFieldError.invalidValue("\(column) \(text)") }
            return value
        }
        let frames = try PostgresArrayText.elements(try required(.frames)).map { text throws(EventFieldError) in
            guard let frame = Int64(text) else { throw EventFieldError.invalidValue("frame \(text)") }
            return UInt64(bitPattern: frame)
        }
        guard let bytes = PostgresArrayText.bytea(try required(.fields)) else {
            throw EventFieldError.invalidValue("fields is not bytea in hex")
        }
        let fields = try StoredEventFields.decode(bytes, columns: table.columns) { (k: Int) throws(EventFieldError) in
            let column = table.columns[k]
            guard let text = row[offset + k], let value = column.kind.value(text) else {
                throw EventFieldError.invalidValue("column \(column.name) (\(row[offset + k] ?? "NULL")) does not hold its field")
            }
            return value
        }
        return EventRecord(captureID: UInt64(bitPattern: try integer(.captureID)),
                           sequence: UInt32(bitPattern: try integer(.sequence)), dataset: table.dataset,
                           flowKey: UInt64(bitPattern: try integer(.flowKey)), communityID: try required(.communityID),
                           time: try integer(.time), frames: frames, fields: fields)
    }

    /// Where `table`'s typed columns start in a row.
    func typedOffset(_ table: EventTable) -> Int? {
        var offset = Self.leadingColumns
        for other in tables {
            if other.name == table.name { return offset }
            offset += other.columns.count
        }
        return nil
    }
}

/// A stored event that cannot be read back: which, and what is wrong.
public struct EventReadError: Error, Hashable, Sendable, CustomStringConvertible {
    public let table: String
    public let id: Int64?
    public let problem: String

    public var description: String { "\(table) event \(id.map(String.init) ?? "?"): \(problem)" }
}

extension EventColumn.Kind {
    /// The field's value from the column's text (PostgreSQL's output); nil
    /// when it does not parse as the kind.
    func value(_ text: String) -> ProtocolField.Value? {
        switch self {
        case .text: return .string(text)
        case .integer: return Int64(text).map { .integer($0) }
        case .inet: return IPAddress(text).map { .string($0.description) }
        case .inetList:
            guard let elements = try? PostgresArrayText.elements(text) else { return nil }
            var addresses: [ProtocolField.Value] = []
            for element in elements {
                guard let address = IPAddress(String(element)) else { return nil }
                addresses.append(.string(address.description))
            }
            return .list(addresses)
        }
    }
}

/// PostgreSQL's text output of the values an events row holds.
enum PostgresArrayText {
    /// The elements of a one-dimensional array of numbers or addresses
    /// (`{1,2}`, `{}`), which PostgreSQL never quotes.
    static func elements(_ text: String) throws(EventFieldError) -> [Substring] {
        guard text.hasPrefix("{"), text.hasSuffix("}"), text.count >= 2 else {
            throw EventFieldError.invalidValue("array \(text)")
        }
        let inner = text.dropFirst().dropLast()
        return inner.isEmpty ? [] : inner.split(separator: ",", omittingEmptySubsequences: false)
    }

    /// bytea in its hex output (`\x0a1b`).
    static func bytea(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count >= 2, digits[0] == UInt8(ascii: "\\"), digits[1] == UInt8(ascii: "x"), digits.count % 2 == 0
        else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2 - 1)
        var index = 2
        while index < digits.count {
            guard let high = hex(digits[index]), let low = hex(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hex(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
