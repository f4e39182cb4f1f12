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

    /// Appends each field, without a count. Returns whether a string (a
    /// name or a value) holds a NUL, which PostgreSQL's text cannot.
    @discardableResult
    public static func append(_ fields: [ProtocolField], to bytes: inout [UInt8]) -> Bool {
        var nul = false
        for field in fields { append(field, to: &bytes, nul: &nul) }
        return nul
    }

    private static func append(_ field: ProtocolField, to bytes: inout [UInt8], nul: inout Bool) {
        var name = field.name
        name.withUTF8 { utf8 in
            let kept = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8).prefix(Int(UInt16.max)))
            append(UInt16(truncatingIfNeeded: kept.count), to: &bytes)
            bytes.append(contentsOf: kept)
            if !nul, kept.contains(0) { nul = true }
        }
        append(field.value, to: &bytes, nul: &nul)
    }

    private static func append(_ value: ProtocolField.Value, to bytes: inout [UInt8], nul: inout Bool) {
        switch value {
        case .string(var s):
            bytes.append(0)
            s.withUTF8 { utf8 in
                append(UInt32(truncatingIfNeeded: utf8.count), to: &bytes)
                bytes.append(contentsOf: UnsafeRawBufferPointer(utf8))
                if !nul, UnsafeRawBufferPointer(utf8).contains(0) { nul = true }
            }
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
            for v in values { append(v, to: &bytes, nul: &nul) }
        case .object(let fields):
            bytes.append(5)
            append(UInt32(truncatingIfNeeded: fields.count), to: &bytes)
            for f in fields { append(f, to: &bytes, nul: &nul) }
        case .null:
            bytes.append(6)
        }
    }

    /// Little-endian, as every NetSift binary form.
    /// Byte by byte: for two to eight bytes, cheaper than appending a buffer.
    @inline(__always)
    public static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var rest = value
        for _ in 0 ..< MemoryLayout<T>.size {
            bytes.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    /// Where one top-level field lies in an encoding: its name length at
    /// `start`, its name between, its value's tag at `value`, its last byte
    /// before `end`.
    public struct Span: Hashable, Sendable {
        public var start: Int
        public var value: Int
        public var end: Int

        public var name: Range<Int> { start + 2 ..< value }
    }

    /// What a walk over encoded fields found: each top-level field's span,
    /// where the fields end, and whether a string holds a NUL.
    public struct Walk: Sendable {
        public var spans: [Span]
        public var end: Int
        public var containsNUL: Bool
    }

    /// Walks `count` fields from `position` building nothing: every count
    /// and length is checked against the bytes, tags, bools and nesting
    /// against their bounds, and, with `checkText`, names and strings
    /// against UTF-8. Errors name `at`, the top-level field and the offset.
    public static func walk(_ bytes: [UInt8], from position: Int = 0, count: UInt32, nesting: Int = nesting,
                            checkText: Bool = true, _ at: String) throws(EventFieldError) -> Walk {
        var walker = Walker(bytes: bytes, position: position, checkText: checkText, limit: nesting)
        guard Int(count) <= walker.remaining / 3 else { throw EventFieldError.truncated(at + " \(count) fields") }
        var spans: [Span] = []
        spans.reserveCapacity(Int(count))
        for k in 0 ..< Int(count) {
            let start = walker.position
            do throws(Walker.Failure) {
                let value = try walker.name()
                try walker.value(depth: 0)
                spans.append(Span(start: start, value: value, end: walker.position))
            } catch {
                throw error.error(at + " field \(k) at byte \(walker.position)")
            }
        }
        return Walk(spans: spans, end: walker.position, containsNUL: walker.containsNUL)
    }

    private struct Walker {
        enum Failure: Error {
            case truncated, tooDeep, tag(UInt8), bool(UInt8), text

            func error(_ at: String) -> EventFieldError {
                switch self {
                case .truncated: .truncated(at)
                case .tooDeep: .limitExceeded(at + " nests too deep")
                case .tag(let tag): .invalidValue(at + " tag \(tag)")
                case .bool(let b): .invalidValue(at + " bool \(b)")
                case .text: .invalidValue(at + " is not UTF-8")
                }
            }
        }

        let bytes: [UInt8]
        var position: Int
        let checkText: Bool
        let limit: Int
        var containsNUL = false

        var remaining: Int { bytes.count - position }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(Failure) -> T {
            let size = MemoryLayout<T>.size
            guard size <= remaining else { throw .truncated }
            var value: T = 0
            for i in (position ..< position + size).reversed() { value = value << 8 | T(bytes[i]) }
            position += size
            return value
        }

        mutating func text(_ length: Int) throws(Failure) {
            guard length <= remaining else { throw .truncated }
            if checkText {
                switch EventFieldCodec.checkUTF8(bytes, position ..< position + length) {
                case .invalid: throw .text
                case .containsNUL: containsNUL = true
                case .valid: break
                }
            } else if !containsNUL, bytes[position ..< position + length].contains(0) {
                containsNUL = true
            }
            position += length
        }

        /// A field's name; returns where its value starts.
        mutating func name() throws(Failure) -> Int {
            let length = try integer(UInt16.self)
            try text(Int(length))
            return position
        }

        mutating func value(depth: Int) throws(Failure) {
            let tag = try integer(UInt8.self)
            switch tag {
            case 0: try text(Int(try integer(UInt32.self)))
            case 1, 3: _ = try integer(UInt64.self)
            case 2:
                let b = try integer(UInt8.self)
                guard b <= 1 else { throw .bool(b) }
            case 6: break
            case 4, 5:
                guard depth < limit else { throw .tooDeep }
                let count = Int(try integer(UInt32.self))
                guard count <= remaining else { throw .truncated }
                for _ in 0 ..< count {
                    if tag == 5 { _ = try name() }
                    try value(depth: depth + 1)
                }
            default: throw .tag(tag)
            }
        }
    }

    public enum TextCheck: Sendable { case valid, containsNUL, invalid }

    /// Whether `range` of `bytes` is UTF-8 as `String(validating:)` takes
    /// it (no overlong forms, surrogates or code points past U+10FFFF), and
    /// whether it holds a NUL.
    public static func checkUTF8(_ bytes: [UInt8], _ range: Range<Int>) -> TextCheck {
        var nul = false
        var i = range.lowerBound
        let end = range.upperBound
        func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            k < end && bytes[k] >= low && bytes[k] <= high
        }
        while i < end {
            let c = bytes[i]
            if c < 0x80 {
                if c == 0 { nul = true }
                i += 1
            } else if c < 0xC2 {
                return .invalid
            } else if c < 0xE0 {
                guard continuation(i + 1) else { return .invalid }
                i += 2
            } else if c < 0xF0 {
                let low: UInt8 = c == 0xE0 ? 0xA0 : 0x80, high: UInt8 = c == 0xED ? 0x9F : 0xBF
                guard continuation(i + 1, low, high), continuation(i + 2) else { return .invalid }
                i += 3
            } else if c < 0xF5 {
                let low: UInt8 = c == 0xF0 ? 0x90 : 0x80, high: UInt8 = c == 0xF4 ? 0x8F : 0xBF
                guard continuation(i + 1, low, high), continuation(i + 2), continuation(i + 3) else { return .invalid }
                i += 4
            } else {
                return .invalid
            }
        }
        return nul ? .containsNUL : .valid
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
