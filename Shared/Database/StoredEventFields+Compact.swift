import Events
import Records

/// Version 2's field encoding: `EventFieldCodec`'s, smaller. A listed name
/// (`StoredFieldNames`) is its number plus one as a varint; any other name
/// is 0, its length (varint) and its UTF-8. A value is the codec's tag and
/// its content, with every length and count a varint and an integer a
/// zig-zag varint (a time stays 8 bytes). Varints are LEB128. On the
/// realistic capture a DNS event's fields shrank from ~910 bytes to ~200:
/// dotted names like `dns.flags.recursion_available` were half the bytes.
extension StoredEventFields {
    /// Rewrites fields in the codec's encoding into version 2's, reading
    /// with every length checked, since the walk before may be skipped.
    struct Compactor {
        let input: [UInt8]
        var position: Int
        var out: [UInt8]

        init(_ input: [UInt8], into out: [UInt8]) {
            self.input = input
            self.position = 0
            self.out = out
        }

        /// The field at `start`.
        mutating func field(at start: Int) throws(EventFieldError) {
            position = start
            try field(depth: 0)
        }

        private mutating func field(depth: Int) throws(EventFieldError) {
            let length = Int(try integer(UInt16.self))
            guard length <= input.count - position else { throw EventFieldError.truncated("name at byte \(position)") }
            let number = input.withUnsafeBytes {
                StoredFieldNames.number(of: UnsafeRawBufferPointer(rebasing: $0[position ..< position + length]))
            }
            if let number {
                Varint.append(UInt64(number) + 1, to: &out)
            } else {
                out.append(0)
                Varint.append(UInt64(length), to: &out)
                out.append(contentsOf: input[position ..< position + length])
            }
            position += length
            try value(depth: depth)
        }

        private mutating func value(depth: Int) throws(EventFieldError) {
            let tag = try integer(UInt8.self)
            out.append(tag)
            switch tag {
            case 0:
                let length = Int(try integer(UInt32.self))
                guard length <= input.count - position else { throw EventFieldError.truncated("string at byte \(position)") }
                Varint.append(UInt64(length), to: &out)
                out.append(contentsOf: input[position ..< position + length])
                position += length
            case 1: Varint.append(Varint.zigzag(Int64(bitPattern: try integer(UInt64.self))), to: &out)
            case 2: out.append(try integer(UInt8.self))
            case 3: EventFieldCodec.append(try integer(UInt64.self), to: &out)
            case 6: break
            case 4, 5:
                guard depth < EventFieldCodec.nesting else { throw EventFieldError.limitExceeded("at byte \(position)") }
                let count = try integer(UInt32.self)
                Varint.append(UInt64(count), to: &out)
                for _ in 0 ..< count {
                    if tag == 5 { try field(depth: depth + 1) } else { try value(depth: depth + 1) }
                }
            default: throw EventFieldError.invalidValue("tag \(tag) at byte \(position - 1)")
            }
        }

        private mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(EventFieldError) -> T {
            let size = MemoryLayout<T>.size
            guard size <= input.count - position else { throw EventFieldError.truncated("at byte \(position)") }
            var value: T = 0
            for i in (position ..< position + size).reversed() { value = value << 8 | T(input[i]) }
            position += size
            return value
        }
    }

    /// Reads version 2's fields; bounded like `EventFieldCodec.Reader`.
    struct CompactReader {
        let bytes: [UInt8]
        var position: Int

        var remaining: Int { bytes.count - position }

        mutating func byte(_ at: @autoclosure () -> String) throws(EventFieldError) -> UInt8 {
            guard position < bytes.count else { throw EventFieldError.truncated(at()) }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func varint(_ at: @autoclosure () -> String) throws(EventFieldError) -> UInt64 {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 7) {
                let b = try byte(at())
                // The tenth byte holds the top bit alone.
                guard shift < 63 || b <= 1 else { throw EventFieldError.invalidValue(at() + " varint overflows") }
                value |= UInt64(b & 0x7F) << UInt64(shift)
                if b < 0x80 { return value }
            }
            throw EventFieldError.invalidValue(at() + " varint overflows")
        }

        /// A length or count no larger than the bytes left.
        mutating func length(_ at: @autoclosure () -> String) throws(EventFieldError) -> Int {
            let value = try varint(at())
            guard value <= UInt64(remaining) else { throw EventFieldError.truncated(at() + " \(value)") }
            return Int(value)
        }

        mutating func fields(count: Int, depth: Int = 0, limit: Int = EventFieldCodec.nesting,
                             _ at: String) throws(EventFieldError) -> [ProtocolField] {
            // Every field takes at least two bytes: a count beyond that is a lie.
            guard count <= remaining / 2 else { throw EventFieldError.truncated(at + " \(count) fields") }
            var fields: [ProtocolField] = []
            fields.reserveCapacity(count)
            for k in 0 ..< count {
                let name = try self.name(at + " field \(k)")
                fields.append(ProtocolField(name, try value(depth: depth, limit: limit, at + " " + name)))
            }
            return fields
        }

        private mutating func name(_ at: String) throws(EventFieldError) -> String {
            let number = try varint(at + " name")
            guard number == 0 else {
                guard number <= UInt64(StoredFieldNames.names.count) else {
                    throw EventFieldError.invalidValue(at + " name \(number) is not listed")
                }
                return StoredFieldNames.names[Int(number) - 1]
            }
            return try string(at + " name")
        }

        private mutating func string(_ at: String) throws(EventFieldError) -> String {
            let length = try self.length(at + " length")
            guard let text = String(validating: bytes[position ..< position + length], as: UTF8.self) else {
                throw EventFieldError.invalidValue(at + " is not UTF-8")
            }
            position += length
            return text
        }

        private mutating func value(depth: Int, limit: Int, _ at: String) throws(EventFieldError) -> ProtocolField.Value {
            let tag = try byte(at + " tag")
            switch tag {
            case 0: return .string(try string(at))
            case 1: return .integer(Varint.unzigzag(try varint(at)))
            case 2:
                let b = try byte(at)
                guard b <= 1 else { throw EventFieldError.invalidValue(at + " bool \(b)") }
                return .bool(b == 1)
            case 3:
                guard remaining >= 8 else { throw EventFieldError.truncated(at) }
                var ns: UInt64 = 0
                for i in (position ..< position + 8).reversed() { ns = ns << 8 | UInt64(bytes[i]) }
                position += 8
                return .time(Int64(bitPattern: ns))
            case 6: return .null
            case 4, 5:
                guard depth < limit else { throw EventFieldError.limitExceeded(at + " nests deeper than \(limit)") }
                let count = try length(at + " count")
                if tag == 5 { return .object(try fields(count: count, depth: depth + 1, limit: limit, at)) }
                var values: [ProtocolField.Value] = []
                values.reserveCapacity(count)
                for k in 0 ..< count {
                    values.append(try value(depth: depth + 1, limit: limit, at + "[\(k)]"))
                }
                return .list(values)
            default:
                throw EventFieldError.invalidValue(at + " tag \(tag)")
            }
        }
    }
}

/// LEB128 varints, and zig-zag for signed values (small magnitudes, small varints).
enum Varint {
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
