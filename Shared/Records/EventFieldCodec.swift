import Events

/// The binary form of an event's fields, one encoding for `records.v1`
/// (docs/wire.md) and for the events tables' `fields` column (docs/DATA.md).
/// Little-endian. A field is its name (UInt16 length, UTF-8) and a value; a
/// value is a tag byte and its content: 0 string (UInt32 length, UTF-8),
/// 1 integer (Int64), 2 bool (UInt8 0 or 1), 3 time (Int64 ns), 4 list
/// (UInt32 count, values), 5 object (UInt32 count, fields), 6 null (no
/// content). Decoding checks every count and length against the bytes
/// present and the nesting against a bound, and throws, never traps: the
/// bytes come from another process or back from the database.
public enum EventFieldCodec {
    /// How deep lists and objects nest unless a reader says otherwise (DNS answers are one level).
    public static let nesting = 8

    /// Appends each field, without a count.
    public static func append(_ fields: [ProtocolField], to bytes: inout [UInt8]) {
        for field in fields { append(field, to: &bytes) }
    }

    private static func append(_ field: ProtocolField, to bytes: inout [UInt8]) {
        let name = field.name.utf8.prefix(Int(UInt16.max))
        append(UInt16(truncatingIfNeeded: name.count), to: &bytes)
        bytes.append(contentsOf: name)
        append(field.value, to: &bytes)
    }

    private static func append(_ value: ProtocolField.Value, to bytes: inout [UInt8]) {
        switch value {
        case .string(let s):
            bytes.append(0)
            append(UInt32(truncatingIfNeeded: s.utf8.count), to: &bytes)
            bytes.append(contentsOf: s.utf8)
        case .integer(let i):
            bytes.append(1)
            append(UInt64(bitPattern: i), to: &bytes)
        case .bool(let b):
            bytes.append(2)
            bytes.append(b ? 1 : 0)
        case .time(let ns):
            bytes.append(3)
            append(UInt64(bitPattern: ns), to: &bytes)
        case .list(let values):
            bytes.append(4)
            append(UInt32(truncatingIfNeeded: values.count), to: &bytes)
            for v in values { append(v, to: &bytes) }
        case .object(let fields):
            bytes.append(5)
            append(UInt32(truncatingIfNeeded: fields.count), to: &bytes)
            for f in fields { append(f, to: &bytes) }
        case .null:
            bytes.append(6)
        }
    }

    /// Little-endian, as every NetSift binary form.
    public static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A bounded reader: every read checks the bytes left first. `at`
    /// arguments name what is read ("event 3") in errors.
    public struct Reader {
        let bytes: [UInt8]
        public private(set) var position: Int

        public init(bytes: [UInt8], position: Int = 0) {
            self.bytes = bytes
            self.position = position
        }

        public var remaining: Int { bytes.count - position }

        public mutating func integer<T: FixedWidthInteger>(_ type: T.Type = T.self,
                                                            _ at: @autoclosure () -> String) throws(EventFieldError) -> T {
            let size = MemoryLayout<T>.size
            guard size <= remaining else { throw EventFieldError.truncated(at()) }
            var value: T = 0
            for i in (position ..< position + size).reversed() { value = value << 8 | T(bytes[i]) }
            position += size
            return value
        }

        /// `count` fields, their lists and objects nested at most `nesting` deep.
        public mutating func fields(count: UInt32, nesting: Int = EventFieldCodec.nesting,
                                    _ at: String) throws(EventFieldError) -> [ProtocolField] {
            try fields(count: count, depth: 0, limit: nesting, at)
        }

        mutating func string(_ length: Int, _ at: @autoclosure () -> String) throws(EventFieldError) -> String {
            guard length <= remaining else { throw EventFieldError.truncated(at()) }
            let slice = bytes[position ..< position + length]
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw EventFieldError.invalidValue(at() + " is not UTF-8")
            }
            position += length
            return text
        }

        mutating func fields(count: UInt32, depth: Int, limit: Int, _ at: String) throws(EventFieldError) -> [ProtocolField] {
            // Every field takes at least three bytes: a count beyond that is a lie.
            guard Int(count) <= remaining / 3 else { throw EventFieldError.truncated(at + " \(count) fields") }
            var fields: [ProtocolField] = []
            fields.reserveCapacity(Int(count))
            for k in 0 ..< Int(count) {
                let length = try integer(UInt16.self, at + " field \(k) name length")
                let name = try string(Int(length), at + " field \(k) name")
                fields.append(ProtocolField(name, try value(depth: depth, limit: limit, at + " " + name)))
            }
            return fields
        }

        mutating func value(depth: Int, limit: Int, _ at: String) throws(EventFieldError) -> ProtocolField.Value {
            let tag = try integer(UInt8.self, at + " tag")
            switch tag {
            case 0:
                let length = try integer(UInt32.self, at + " length")
                return .string(try string(Int(length), at))
            case 1: return .integer(try integer(Int64.self, at))
            case 2:
                let b = try integer(UInt8.self, at)
                guard b <= 1 else { throw EventFieldError.invalidValue(at + " bool \(b)") }
                return .bool(b == 1)
            case 3: return .time(try integer(Int64.self, at))
            case 6: return .null
            case 4, 5:
                guard depth < limit else { throw EventFieldError.limitExceeded(at + " nests deeper than \(limit)") }
                let count = try integer(UInt32.self, at + " count")
                if tag == 5 { return .object(try fields(count: count, depth: depth + 1, limit: limit, at)) }
                guard Int(count) <= remaining else { throw EventFieldError.truncated(at + " \(count) values") }
                var values: [ProtocolField.Value] = []
                values.reserveCapacity(Int(count))
                for k in 0 ..< Int(count) {
                    values.append(try value(depth: depth + 1, limit: limit, at + "[\(k)]"))
                }
                return .list(values)
            default:
                throw EventFieldError.invalidValue(at + " tag \(tag)")
            }
        }
    }
}

/// Bytes of an event's fields that do not decode, and where: "event 3
/// field 0 name length", ...
public enum EventFieldError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A field runs past the end of the bytes.
    case truncated(String)
    /// Lists and objects nested deeper than the reader's bound.
    case limitExceeded(String)
    /// A tag, a bool, text or a count outside its allowed values.
    case invalidValue(String)

    public var description: String {
        switch self {
        case .truncated(let context): "truncated: \(context)"
        case .limitExceeded(let context): "limitExceeded: \(context)"
        case .invalidValue(let context): "invalidValue: \(context)"
        }
    }
}
