import Foundation

/// Builds a PostgreSQL binary COPY stream (`COPY ... FROM STDIN (FORMAT binary)`).
///
/// Layout (PostgreSQL docs, "COPY", Binary Format): an 11-byte signature
/// `PGCOPY\n\xFF\r\n\0`, an int32 flags field (0), an int32 header-extension
/// length (0); then per tuple an int16 field count and per field an int32
/// byte length (-1 for NULL) followed by the value in the type's binary
/// send format, all integers big-endian; then the int16 trailer -1.
///
/// Start each row with `beginRow(fieldCount:)`, then append exactly that
/// many fields in table-column order. Call `takeBytes()` whenever the buffer
/// is big enough to send (the header goes out with the first chunk) and
/// `finish()` at the end for the trailer.
public struct BinaryCopyEncoder: Sendable {
    public static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    /// Microseconds between the Unix epoch and PostgreSQL's, 2000-01-01 UTC.
    public static let postgresEpochOffsetMicroseconds: Int64 = 946_684_800_000_000

    /// Bytes not yet taken.
    public private(set) var bytes: [UInt8] = []
    /// Rows begun since creation.
    public private(set) var rowCount = 0

    public init(reservingCapacity capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
        bytes.append(contentsOf: Self.signature)
        appendInteger(Int32(0))   // flags: no OIDs
        appendInteger(Int32(0))   // header extension length
    }

    /// Starts a tuple of `fieldCount` fields.
    public mutating func beginRow(fieldCount: Int16) {
        appendInteger(fieldCount)
        rowCount += 1
    }

    /// Returns the bytes so far and empties the buffer, keeping its capacity
    /// for the next rows.
    public mutating func takeBytes() -> [UInt8] {
        let taken = bytes
        bytes.removeAll(keepingCapacity: true)
        return taken
    }

    /// Appends the trailer and returns the remaining bytes. Encode nothing after.
    public mutating func finish() -> [UInt8] {
        appendInteger(Int16(-1))
        return takeBytes()
    }

    // MARK: Fields

    public mutating func appendNull() { appendInteger(Int32(-1)) }

    public mutating func append(int2 value: Int16?) {
        guard let value else { return appendNull() }
        appendInteger(Int32(2)); appendInteger(value)
    }

    public mutating func append(int4 value: Int32?) {
        guard let value else { return appendNull() }
        appendInteger(Int32(4)); appendInteger(value)
    }

    public mutating func append(int8 value: Int64?) {
        guard let value else { return appendNull() }
        appendInteger(Int32(8)); appendInteger(value)
    }

    public mutating func append(bool value: Bool?) {
        guard let value else { return appendNull() }
        appendInteger(Int32(1)); bytes.append(value ? 1 : 0)
    }

    public mutating func append(float8 value: Double?) {
        guard let value else { return appendNull() }
        appendInteger(Int32(8)); appendInteger(value.bitPattern)
    }

    /// UTF-8 text. PostgreSQL text cannot hold NUL: the server rejects it.
    public mutating func append(text value: String?) {
        guard var utf8 = value else { return appendNull() }
        utf8.withUTF8 { appendField(UnsafeRawBufferPointer($0)) }
    }

    public mutating func append(bytea value: [UInt8]?) {
        guard let value else { return appendNull() }
        value.withUnsafeBytes { appendField($0) }
    }

    /// bytea from memory the caller owns (e.g. a captured frame).
    public mutating func append(bytea value: UnsafeRawBufferPointer) {
        appendField(value)
    }

    /// timestamptz (and timestamp): microseconds since 2000-01-01 00:00 UTC.
    public mutating func append(timestamptz microsecondsSince2000: Int64?) {
        append(int8: microsecondsSince2000)
    }

    /// timestamptz from NetSift's time, nanoseconds since the Unix epoch;
    /// PostgreSQL keeps microseconds, so this rounds down (toward the past).
    public mutating func append(timestamptzUnixNanoseconds nanoseconds: Int64?) {
        append(int8: nanoseconds.map(Self.postgresMicroseconds(unixNanoseconds:)))
    }

    public mutating func append(uuid value: UUID?) {
        guard let value else { return appendNull() }
        appendInteger(Int32(16))
        withUnsafeBytes(of: value.uuid) { bytes.append(contentsOf: $0) }
    }

    /// inet: family (2 = IPv4, 3 = IPv6 as PostgreSQL numbers them), prefix
    /// bits, is-cidr flag (0), address length, address bytes.
    public mutating func append(inet value: PostgresInet?) {
        guard let value else { return appendNull() }
        appendInteger(Int32(4 + value.address.count))
        bytes.append(value.address.count == 4 ? 2 : 3)
        bytes.append(value.prefixLength)
        bytes.append(0)
        bytes.append(UInt8(truncatingIfNeeded: value.address.count))
        bytes.append(contentsOf: value.address)
    }

    /// inet of an IPv4 address held as a host-order integer, without
    /// building an array first (one per packet row adds up).
    public mutating func append(inetV4 address: UInt32) {
        appendInteger(Int32(8))
        bytes.append(2); bytes.append(32); bytes.append(0); bytes.append(4)
        appendInteger(address)
    }

    /// inet of an IPv6 address held as two host-order 64-bit halves.
    public mutating func append(inetV6High high: UInt64, low: UInt64) {
        appendInteger(Int32(20))
        bytes.append(3); bytes.append(128); bytes.append(0); bytes.append(16)
        appendInteger(high)
        appendInteger(low)
    }

    /// A one-dimensional `integer[]` (int4 elements, lower bound 1, no
    /// NULLs). Layout: ndim, has-null flag, element type OID (23 = int4),
    /// then per dimension its size and lower bound, then each element as a
    /// length-prefixed value. An empty array has ndim 0 and nothing after
    /// the element OID.
    public mutating func append<Values: Collection>(int4Array values: Values) where Values.Element == Int32 {
        let count = values.count
        let dimensions = count == 0 ? 0 : 1
        appendInteger(Int32(truncatingIfNeeded: 12 + dimensions * 8 + count * 8))
        appendInteger(Int32(dimensions))
        appendInteger(Int32(0))
        appendInteger(Int32(23))
        guard count > 0 else { return }
        appendInteger(Int32(truncatingIfNeeded: count))
        appendInteger(Int32(1))
        for value in values {
            appendInteger(Int32(4))
            appendInteger(value)
        }
    }

    /// A one-dimensional array of `elementOID` values (lower bound 1, no
    /// NULLs), the same layout as `int4Array`; `element` appends each value
    /// as a field. The length is patched in once the elements are written.
    public mutating func append<Values: Collection>(array values: Values, elementOID: Int32,
                                                    element: (inout Self, Values.Element) -> Void) {
        let start = bytes.count
        appendInteger(Int32(0))
        let dimensions = values.isEmpty ? 0 : 1
        appendInteger(Int32(dimensions))
        appendInteger(Int32(0))
        appendInteger(elementOID)
        if dimensions == 1 {
            appendInteger(Int32(truncatingIfNeeded: values.count))
            appendInteger(Int32(1))
        }
        for value in values { element(&self, value) }
        withUnsafeBytes(of: Int32(truncatingIfNeeded: bytes.count - start - 4).bigEndian) { length in
            for (i, byte) in length.enumerated() { bytes[start + i] = byte }
        }
    }

    /// Element type OIDs for `append(array:)`.
    public static let textOID: Int32 = 25
    public static let inetOID: Int32 = 869

    /// NetSift nanoseconds since 1970 → PostgreSQL microseconds since 2000,
    /// rounding toward the past.
    public static func postgresMicroseconds(unixNanoseconds: Int64) -> Int64 {
        let (quotient, remainder) = unixNanoseconds.quotientAndRemainder(dividingBy: 1000)
        return quotient - (remainder < 0 ? 1 : 0) - postgresEpochOffsetMicroseconds
    }

    // MARK: Private

    /// A length-prefixed value. Lengths are int32; PostgreSQL values stop at
    /// 1 GB, so a longer value would be rejected by the server anyway.
    private mutating func appendField(_ value: UnsafeRawBufferPointer) {
        appendInteger(Int32(truncatingIfNeeded: value.count))
        bytes.append(contentsOf: value)
    }

    private mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}

/// An `inet` value: an IPv4 or IPv6 address with a prefix length.
public struct PostgresInet: Hashable, Sendable {
    /// 4 or 16 bytes, network order.
    public let address: [UInt8]
    public let prefixLength: UInt8

    /// From 4 or 16 address bytes; nil for any other count or a prefix
    /// longer than the address.
    public init?<Bytes: Collection>(bytes: Bytes, prefixLength: UInt8? = nil) where Bytes.Element == UInt8 {
        let address = Array(bytes)
        guard address.count == 4 || address.count == 16 else { return nil }
        let maximum = UInt8(address.count * 8)
        let prefix = prefixLength ?? maximum
        guard prefix <= maximum else { return nil }
        self.address = address
        self.prefixLength = prefix
    }

    /// An IPv4 address as a host-order integer (`0xC0A80001` is 192.168.0.1).
    public init(ipv4: UInt32) {
        address = withUnsafeBytes(of: ipv4.bigEndian) { Array($0) }
        prefixLength = 32
    }
}
