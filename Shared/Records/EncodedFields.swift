import Events

/// An event's fields in `EventFieldCodec`'s encoding: built once where the
/// transaction completes, carried as bytes in `records.v1`, and written by
/// storage into the events table without being rebuilt as values
/// (`EventTable`). Holds `count` top-level fields that walk cleanly: made
/// from values, or from bytes that passed `EventFieldCodec.walk`.
public struct EncodedFields: Hashable, Sendable {
    public let count: UInt32
    public let bytes: [UInt8]
    /// Whether a name or a string holds a NUL (PostgreSQL's text cannot).
    public let containsNUL: Bool

    public init(_ fields: [ProtocolField]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.count * 40)
        containsNUL = EventFieldCodec.append(fields, to: &bytes)
        self.bytes = bytes
        count = UInt32(truncatingIfNeeded: fields.count)
    }

    /// `count` fields read from `position` of bytes from another process
    /// (lists and objects nested at most `nesting` deep), and where they end.
    public static func read(_ bytes: [UInt8], from position: Int, count: UInt32, nesting: Int,
                            _ at: String) throws(EventFieldError) -> (fields: EncodedFields, end: Int) {
        let walk = try EventFieldCodec.walk(bytes, from: position, count: count, nesting: nesting, at)
        return (EncodedFields(count: count, bytes: Array(bytes[position ..< walk.end]), containsNUL: walk.containsNUL), walk.end)
    }

    private init(count: UInt32, bytes: [UInt8], containsNUL: Bool) {
        self.count = count
        self.bytes = bytes
        self.containsNUL = containsNUL
    }

    /// The fields as values. Both ways of making an `EncodedFields` check
    /// what `EventFieldCodec.Reader` checks, so this reads them all.
    public func values() -> [ProtocolField] {
        var reader = EventFieldCodec.Reader(bytes: bytes)
        return (try? reader.fields(count: count, nesting: Int.max, "fields")) ?? []
    }

    /// Each top-level field's place in `bytes`.
    public func spans() throws(EventFieldError) -> [EventFieldCodec.Span] {
        try EventFieldCodec.walk(bytes, count: count, nesting: Int.max, checkText: false, "fields").spans
    }
}

extension EncodedFields {
    /// Whether a top-level field is named `name`.
    public func hasName(_ span: EventFieldCodec.Span, _ name: String) -> Bool {
        let utf8 = name.utf8
        guard span.name.count == utf8.count else { return false }
        return utf8.withContiguousStorageIfAvailable { name in
            bytes.withUnsafeBufferPointer { all in UnsafeBufferPointer(rebasing: all[span.name]).elementsEqual(name) }
        } ?? bytes[span.name].elementsEqual(utf8)
    }

    /// A string value's UTF-8; nil for another kind of value.
    public func text(_ span: EventFieldCodec.Span) -> ArraySlice<UInt8>? {
        bytes[span.value] == 0 ? bytes[span.value + 5 ..< span.end] : nil
    }

    /// An integer value; nil for another kind of value.
    public func integer(_ span: EventFieldCodec.Span) -> Int64? {
        guard bytes[span.value] == 1 else { return nil }
        var value: UInt64 = 0
        for i in (span.value + 1 ..< span.end).reversed() { value = value << 8 | UInt64(bytes[i]) }
        return Int64(bitPattern: value)
    }

    /// A top-level field's value, read as a value.
    public func value(_ span: EventFieldCodec.Span) -> ProtocolField.Value {
        var reader = EventFieldCodec.Reader(bytes: bytes, position: span.value)
        return (try? reader.value(depth: 0, limit: Int.max, "value")) ?? .null
    }
}
