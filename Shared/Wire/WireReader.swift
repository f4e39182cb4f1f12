import Events
import Foundation
import Records

/// A bounded little-endian reader over one frame. Every read checks the
/// bound first and throws `.truncated` (naming the field) without moving.
struct WireReader {
    private let bytes: [UInt8]
    private(set) var position = 0
    /// Prefixes error contexts: "frames.v1", "header", ...
    let context: String

    init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.context = context
    }

    var remaining: Int { bytes.count - position }

    func error(_ kind: WireError.Kind, _ field: String) -> WireError {
        WireError(kind, "\(context) \(field)")
    }

    private mutating func take(_ count: Int, _ field: @autoclosure () -> String) throws(WireError) -> Range<Int> {
        guard count >= 0, count <= remaining else { throw error(.truncated, field()) }
        defer { position += count }
        return position ..< position + count
    }

    mutating func uint8(_ field: @autoclosure () -> String) throws(WireError) -> UInt8 {
        bytes[try take(1, field()).lowerBound]
    }

    mutating func uint16(_ field: @autoclosure () -> String) throws(WireError) -> UInt16 {
        let r = try take(2, field())
        return UInt16(bytes[r.lowerBound]) | UInt16(bytes[r.lowerBound + 1]) << 8
    }

    mutating func uint32(_ field: @autoclosure () -> String) throws(WireError) -> UInt32 {
        let r = try take(4, field())
        var v: UInt32 = 0
        for i in r.reversed() { v = v << 8 | UInt32(bytes[i]) }
        return v
    }

    mutating func uint64(_ field: @autoclosure () -> String) throws(WireError) -> UInt64 {
        let r = try take(8, field())
        var v: UInt64 = 0
        for i in r.reversed() { v = v << 8 | UInt64(bytes[i]) }
        return v
    }

    mutating func int64(_ field: @autoclosure () -> String) throws(WireError) -> Int64 {
        Int64(bitPattern: try uint64(field()))
    }

    mutating func uuid(_ field: @autoclosure () -> String) throws(WireError) -> UUID {
        let r = try take(16, field())
        let b = bytes[r]
        var tuple: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &tuple) { $0.copyBytes(from: b) }
        return UUID(uuid: tuple)
    }

    /// The next `count` bytes, sharing the frame's storage.
    mutating func slice(_ count: Int, _ field: @autoclosure () -> String) throws(WireError) -> ArraySlice<UInt8> {
        bytes[try take(count, field())]
    }

    /// Reserved bytes must be zero, so a later version can give them meaning.
    mutating func reserved(_ count: Int, _ field: @autoclosure () -> String) throws(WireError) {
        let r = try take(count, field())
        guard bytes[r].allSatisfy({ $0 == 0 }) else { throw error(.invalidValue, field() + " (reserved, must be zero)") }
    }

    /// `count` event fields (`EventFieldCodec`), checked and kept as bytes,
    /// their errors as this frame's.
    mutating func encodedFields(count: UInt32, nesting: Int, _ at: String) throws(WireError) -> EncodedFields {
        do {
            let (fields, end) = try EncodedFields.read(bytes, from: position, count: count, nesting: nesting, at)
            position = end
            return fields
        } catch {
            switch error {
            case .truncated(let at): throw self.error(.truncated, at)
            case .limitExceeded(let at): throw self.error(.limitExceeded, at)
            case .invalidValue(let at): throw self.error(.invalidValue, at)
            }
        }
    }

    func expectEnd() throws(WireError) {
        guard remaining == 0 else { throw error(.trailingBytes, "\(remaining) bytes after the last field") }
    }
}

/// Appends little-endian fields to a growing frame. Values are written with
/// `truncatingIfNeeded:` conversions by the callers' choice of type: no
/// encoder traps on a large value.
struct WireWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func uint8(_ v: UInt8) { bytes.append(v) }

    mutating func uint16(_ v: UInt16) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func uint32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func uint64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int64(_ v: Int64) { uint64(UInt64(bitPattern: v)) }

    mutating func uuid(_ v: UUID) {
        withUnsafeBytes(of: v.uuid) { bytes.append(contentsOf: $0) }
    }

    mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }

    mutating func append(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }
    mutating func append(_ raw: some Collection<UInt8>) { bytes.append(contentsOf: raw) }
}
