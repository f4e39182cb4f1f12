import Events
import Records

/// The `fields` column of an events table (docs/DATA.md "Events"): the
/// event's field list in `EventFieldCodec`'s encoding, less the fields a
/// typed column gives back exactly, whose places in the list it notes
/// instead, so the list, and with it the document, is rebuilt as it was.
///
///     version     UInt8, 1
///     r           UInt8: fields held by typed columns
///     r times     position (UInt32, in the event's list, ascending),
///                 column (UInt8, in `Dataset.columns`)
///     f           UInt32: the fields kept here, then those f fields
enum StoredEventFields {
    static let version: UInt8 = 1

    static func encode(_ fields: [ProtocolField], columns: [EventColumn]) -> [UInt8] {
        var references: [(position: Int, column: Int)] = []
        for (index, column) in columns.enumerated() {
            guard let position = fields.firstIndex(where: { $0.name == column.field }),
                  column.kind.givesBack(fields[position].value),
                  !references.contains(where: { $0.position == position }) else { continue }
            references.append((position, index))
        }
        references.sort { $0.position < $1.position }
        var bytes: [UInt8] = [version, UInt8(truncatingIfNeeded: references.count)]
        bytes.reserveCapacity(fields.count * 32)
        for reference in references {
            EventFieldCodec.append(UInt32(truncatingIfNeeded: reference.position), to: &bytes)
            bytes.append(UInt8(truncatingIfNeeded: reference.column))
        }
        var kept = fields
        for reference in references.reversed() { kept.remove(at: reference.position) }
        EventFieldCodec.append(UInt32(truncatingIfNeeded: kept.count), to: &bytes)
        EventFieldCodec.append(kept, to: &bytes)
        return bytes
    }

    /// The field list; `column(k)` reads the value of `columns[k]`'s field from the row.
    static func decode(_ bytes: [UInt8], columns: [EventColumn],
                       column: (Int) throws(EventFieldError) -> ProtocolField.Value) throws(EventFieldError) -> [ProtocolField] {
        var reader = EventFieldCodec.Reader(bytes: bytes)
        let stored = try reader.integer(UInt8.self, "version")
        guard stored == version else { throw EventFieldError.invalidValue("version \(stored)") }
        let count = try reader.integer(UInt8.self, "column count")
        guard count <= columns.count else {
            throw EventFieldError.invalidValue("\(count) column fields; the table has \(columns.count) columns")
        }
        var references: [ProtocolFieldAt] = []
        for k in 0 ..< Int(count) {
            let position = Int(try reader.integer(UInt32.self, "column field \(k) position"))
            let index = Int(try reader.integer(UInt8.self, "column field \(k) column"))
            guard references.last.map({ $0.position < position }) ?? true else {
                throw EventFieldError.invalidValue("column field \(k) position \(position) out of order")
            }
            guard columns.indices.contains(index) else {
                throw EventFieldError.invalidValue("column field \(k) names column \(index) of \(columns.count)")
            }
            references.append(ProtocolFieldAt(position: position, field: ProtocolField(columns[index].field, try column(index))))
        }
        let keptCount = try reader.integer(UInt32.self, "field count")
        var fields = try reader.fields(count: keptCount, "list")
        guard reader.remaining == 0 else { throw EventFieldError.invalidValue("\(reader.remaining) bytes after the fields") }
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
