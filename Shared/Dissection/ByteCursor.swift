/// A bounded, read-only cursor over borrowed bytes. Every read checks the
/// bound first and returns nil without moving when it would step outside.
public struct ByteCursor {
    public let bytes: UnsafeRawBufferPointer
    @usableFromInline var _position: Int
    @inlinable public var position: Int { _position }

    @inlinable @inline(__always)
    public init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self._position = min(max(position, 0), bytes.count)
    }

    @inlinable public var remaining: Int { bytes.count - position }
    @inlinable public var isAtEnd: Bool { position >= bytes.count }

    @inlinable @inline(__always)
    public func has(_ count: Int) -> Bool { count >= 0 && remaining >= count }

    @inlinable @inline(__always)
    public mutating func skip(_ count: Int) -> Bool {
        guard has(count) else { return false }
        _position += count
        return true
    }

    @inlinable @inline(__always)
    public func peekUInt8(at offset: Int = 0) -> UInt8? {
        // Compared against `remaining` so a huge offset cannot overflow.
        guard offset >= 0, offset < remaining else { return nil }
        let index = position + offset
        return bytes[index]
    }

    @inlinable @inline(__always)
    public func peekUInt16(at offset: Int = 0) -> UInt16? {
        guard offset >= 0, offset <= remaining - 2 else { return nil }
        let index = position + offset
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    @inlinable @inline(__always)
    public func peekUInt32(at offset: Int = 0) -> UInt32? {
        guard offset >= 0, offset <= remaining - 4 else { return nil }
        let index = position + offset
        return UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16
            | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    @inlinable @inline(__always)
    public func peekUInt64(at offset: Int = 0) -> UInt64? {
        guard let hi = peekUInt32(at: offset), let lo = peekUInt32(at: offset + 4) else { return nil }
        return UInt64(hi) << 32 | UInt64(lo)
    }

    @inlinable @inline(__always)
    public func peekUInt32LittleEndian(at offset: Int = 0) -> UInt32? {
        peekUInt32(at: offset).map { $0.byteSwapped }
    }

    @inlinable @inline(__always)
    public mutating func readUInt8() -> UInt8? {
        guard let v = peekUInt8() else { return nil }
        _position += 1
        return v
    }

    @inlinable @inline(__always)
    public mutating func readUInt16() -> UInt16? {
        guard let v = peekUInt16() else { return nil }
        _position += 2
        return v
    }

    @inlinable @inline(__always)
    public mutating func readUInt32() -> UInt32? {
        guard let v = peekUInt32() else { return nil }
        _position += 4
        return v
    }

    /// A sub-slice of the next `count` bytes, sharing storage; nil past the end.
    @inlinable @inline(__always)
    public mutating func readSlice(_ count: Int) -> UnsafeRawBufferPointer? {
        guard has(count) else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position ..< position + count])
        _position += count
        return slice
    }
}
