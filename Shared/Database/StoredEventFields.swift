import Dissection
import Events
import Records

/// The `fields` column of an events table (docs/DATA.md "Events"): the
/// event's field list, less the fields a typed column gives back exactly,
/// whose places in the list it notes instead, so the list, and with it the
/// document, is rebuilt as it was.
///
///     version     UInt8, 2 (1 in rows stored before)
///     r           UInt8: fields held by typed columns
///     r times     position (in the event's list, ascending; version 1
///                 UInt32, 2 varint), column (UInt8, in `Dataset.columns`)
///     f           the fields kept here (version 1 UInt32, 2 varint), then
///                 those f fields: version 1 in `EventFieldCodec`'s
///                 encoding, 2 in its compact form (`Compactor`)
enum StoredEventFields {
    static let version: UInt8 = 2

    /// What an event gives its typed columns: for each column, the value
    /// of the first top-level field of its name, if it is of the column's
    /// kind; and the fields `fields` can leave out because their column
    /// gives them back exactly (a field once, to the first column that
    /// does), in list order.
    struct Layout {
        let spans: [EventFieldCodec.Span]
        let values: [ColumnValue?]
        let references: [(position: Int, column: Int)]

        init(_ fields: EncodedFields, columns: [EventColumn]) throws(EventFieldError) {
            let spans = try fields.spans()
            var values: [ColumnValue?] = []
            values.reserveCapacity(columns.count)
            var references: [(position: Int, column: Int)] = []
            for (index, column) in columns.enumerated() {
                guard let position = spans.firstIndex(where: { fields.hasName($0, column.field) }) else {
                    values.append(nil)
                    continue
                }
                let (value, givesBack) = ColumnValue.of(fields, spans[position], kind: column.kind)
                values.append(value)
                if givesBack, !references.contains(where: { $0.position == position }) { references.append((position, index)) }
            }
            self.spans = spans
            self.values = values
            self.references = references.sorted { $0.position < $1.position }
        }
    }

    /// A typed column's value, as read from the event's encoded field.
    enum ColumnValue {
        case text(ArraySlice<UInt8>)
        case integer(Int64)
        case inet(IPAddress)
        case inetList([IPAddress])

        /// The value the column takes from the field (nil: NULL), and
        /// whether reading the column gives the field back exactly: text
        /// and integers always, addresses when the text is the form
        /// `IPAddress` prints (what a column reads back as).
        static func of(_ fields: EncodedFields, _ span: EventFieldCodec.Span,
                       kind: EventColumn.Kind) -> (ColumnValue?, givesBack: Bool) {
            switch kind {
            case .text: return fields.text(span).map { (.text($0), true) } ?? (nil, false)
            case .integer: return fields.integer(span).map { (.integer($0), true) } ?? (nil, false)
            case .inet:
                guard case .string(let text) = fields.value(span), let address = IPAddress(text) else { return (nil, false) }
                return (.inet(address), address.description == text)
            case .inetList:
                guard case .list(let values) = fields.value(span) else { return (nil, false) }
                var addresses: [IPAddress] = []
                var canonical = true
                for value in values {
                    guard case .string(let text) = value, let address = IPAddress(text) else { canonical = false; continue }
                    addresses.append(address)
                    if canonical, address.description != text { canonical = false }
                }
                return (.inetList(addresses), canonical)
            }
        }
    }

    static func encode(_ fields: EncodedFields, columns: [EventColumn]) throws(EventFieldError) -> [UInt8] {
        try encode(fields, try Layout(fields, columns: columns))
    }

    /// The column's bytes: the references, then the fields no column holds.
    static func encode(_ fields: EncodedFields, _ layout: Layout) throws(EventFieldError) -> [UInt8] {
        var bytes: [UInt8] = [version, UInt8(truncatingIfNeeded: layout.references.count)]
        bytes.reserveCapacity(fields.bytes.count / 2 + 8 + 4 * layout.references.count)
        for reference in layout.references {
            Varint.append(UInt64(reference.position), to: &bytes)
            bytes.append(UInt8(truncatingIfNeeded: reference.column))
        }
        Varint.append(UInt64(layout.spans.count - layout.references.count), to: &bytes)
        var compactor = Compactor(fields.bytes, into: bytes)
        var next = 0  // in `layout.references`
        for (position, span) in layout.spans.enumerated() {
            if next < layout.references.count, layout.references[next].position == position {
                next += 1
            } else {
                try compactor.field(at: span.start)
            }
        }
        return compactor.out
    }

    /// The field list; `column(k)` reads the value of `columns[k]`'s field from the row.
    static func decode(_ bytes: [UInt8], columns: [EventColumn],
                       column: (Int) throws(EventFieldError) -> ProtocolField.Value) throws(EventFieldError) -> [ProtocolField] {
        var reader = CompactReader(bytes: bytes, position: 0)
        let stored = try reader.byte("version")
        guard stored == 1 || stored == version else { throw EventFieldError.invalidValue("version \(stored)") }
        let count = try reader.byte("column count")
        guard count <= columns.count else {
            throw EventFieldError.invalidValue("\(count) column fields; the table has \(columns.count) columns")
        }
        var v1 = EventFieldCodec.Reader(bytes: bytes, position: reader.position)
        func integer(_ at: String) throws(EventFieldError) -> Int {
            stored == 1 ? Int(try v1.integer(UInt32.self, at)) : Int(clamping: try reader.varint(at))
        }
        func byte(_ at: String) throws(EventFieldError) -> UInt8 {
            stored == 1 ? try v1.integer(UInt8.self, at) : try reader.byte(at)
        }
        var references: [ProtocolFieldAt] = []
        for k in 0 ..< Int(count) {
            let position = try integer("column field \(k) position")
            let index = Int(try byte("column field \(k) column"))
            guard references.last.map({ $0.position < position }) ?? true else {
                throw EventFieldError.invalidValue("column field \(k) position \(position) out of order")
            }
            guard columns.indices.contains(index) else {
                throw EventFieldError.invalidValue("column field \(k) names column \(index) of \(columns.count)")
            }
            references.append(ProtocolFieldAt(position: position, field: ProtocolField(columns[index].field, try column(index))))
        }
        var fields: [ProtocolField]
        let left: Int
        if stored == 1 {
            fields = try v1.fields(count: try v1.integer(UInt32.self, "field count"), "list")
            left = v1.remaining
        } else {
            let keptCount = try reader.varint("field count")
            guard keptCount <= UInt64(reader.remaining) else { throw EventFieldError.truncated("\(keptCount) fields") }
            fields = try reader.fields(count: Int(keptCount), "list")
            left = reader.remaining
        }
        guard left == 0 else { throw EventFieldError.invalidValue("\(left) bytes after the fields") }
        for reference in references {
            guard reference.position <= fields.count else {
                throw EventFieldError.invalidValue("column field at \(reference.position) past the end of the list")
            }
            fields.insert(reference.field, at: reference.position)
        }
        return fields
    }

    private struct ProtocolFieldAt {
        var position: Int
        var field: ProtocolField
    }
}
