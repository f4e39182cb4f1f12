import Foundation
import PostgresClient
import TestSupport
import Testing

/// Every expected byte string below is computed by hand from the COPY
/// binary format and each type's send function, not by the encoder.
@Suite struct BinaryCopyEncoderTests {
    static let header: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00,  // PGCOPY\n\xFF\r\n\0
                                  0, 0, 0, 0,   // flags
                                  0, 0, 0, 0]   // header extension length

    /// The bytes one field adds after the header.
    func field(_ encode: (inout BinaryCopyEncoder) -> Void) -> [UInt8] {
        var encoder = BinaryCopyEncoder()
        _ = encoder.takeBytes()
        encode(&encoder)
        return encoder.takeBytes()
    }

    @Test func headerAndTrailer() {
        var encoder = BinaryCopyEncoder()
        #expect(encoder.bytes == Self.header)
        #expect(encoder.finish() == Self.header + [0xFF, 0xFF])
        #expect(encoder.bytes.isEmpty)
    }

    @Test func rowStartsWithFieldCount() {
        #expect(field { $0.beginRow(fieldCount: 2) } == [0x00, 0x02])
        #expect(field { $0.beginRow(fieldCount: 300) } == [0x01, 0x2C])
    }

    @Test func null() {
        #expect(field { $0.appendNull() } == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(field { $0.append(int4: nil) } == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(field { $0.append(text: nil) } == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(field { $0.append(inet: nil) } == [0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func integers() {
        #expect(field { $0.append(int2: -2) } == [0, 0, 0, 2, 0xFF, 0xFE])
        #expect(field { $0.append(int2: 0x1234) } == [0, 0, 0, 2, 0x12, 0x34])
        #expect(field { $0.append(int4: 0x0102_0304) } == [0, 0, 0, 4, 1, 2, 3, 4])
        #expect(field { $0.append(int4: Int32.min) } == [0, 0, 0, 4, 0x80, 0, 0, 0])
        #expect(field { $0.append(int8: -1) } == [0, 0, 0, 8] + Array(repeating: 0xFF, count: 8))
        #expect(field { $0.append(int8: 1 << 40) } == [0, 0, 0, 8, 0, 0, 1, 0, 0, 0, 0, 0])
    }

    @Test func bool() {
        #expect(field { $0.append(bool: true) } == [0, 0, 0, 1, 1])
        #expect(field { $0.append(bool: false) } == [0, 0, 0, 1, 0])
    }

    @Test func float8() {
        // 1.5 = 0x3FF8000000000000, -2.0 = 0xC000000000000000 (IEEE 754 binary64)
        #expect(field { $0.append(float8: 1.5) } == [0, 0, 0, 8, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0])
        #expect(field { $0.append(float8: -2.0) } == [0, 0, 0, 8, 0xC0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func textIsLengthPrefixedUTF8() {
        #expect(field { $0.append(text: "a'é") } == [0, 0, 0, 4, 0x61, 0x27, 0xC3, 0xA9])
        #expect(field { $0.append(text: "") } == [0, 0, 0, 0])
        #expect(field { $0.append(text: "🌍") } == [0, 0, 0, 4, 0xF0, 0x9F, 0x8C, 0x8D])
    }

    @Test func bytea() {
        #expect(field { $0.append(bytea: [0x00, 0xFF]) } == [0, 0, 0, 2, 0x00, 0xFF])
        let raw: [UInt8] = [1, 2, 3]
        #expect(field { encoder in raw.withUnsafeBytes { encoder.append(bytea: $0) } } == [0, 0, 0, 3, 1, 2, 3])
    }

    @Test func timestamptzIsMicrosecondsSince2000() {
        // 2000-01-01T00:00:01Z = 1_000_000 µs = 0x0F4240
        #expect(field { $0.append(timestamptz: 1_000_000) } == [0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0F, 0x42, 0x40])
        // 2000-01-01T00:00:00.000001999Z in Unix nanoseconds → 1 µs
        #expect(field { $0.append(timestamptzUnixNanoseconds: 946_684_800_000_001_999) } == [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(BinaryCopyEncoder.postgresMicroseconds(unixNanoseconds: 0) == -946_684_800_000_000)
        // One nanosecond before 1970 rounds toward the past, to the previous microsecond.
        #expect(BinaryCopyEncoder.postgresMicroseconds(unixNanoseconds: -1) == -946_684_800_000_001)
    }

    @Test func uuid() throws {
        let uuid = try #require(UUID(uuidString: "00112233-4455-6677-8899-AABBCCDDEEFF"))
        #expect(field { $0.append(uuid: uuid) } ==
                [0, 0, 0, 16, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF])
    }

    @Test func inet() throws {
        // family 2 (PGSQL_AF_INET), 32 bits, not cidr, 4 bytes
        #expect(field { $0.append(inet: PostgresInet(ipv4: 0xC0A8_0001)) } == [0, 0, 0, 8, 2, 32, 0, 4, 192, 168, 0, 1])
        let net = try #require(PostgresInet(bytes: [10, 0, 0, 0], prefixLength: 8))
        #expect(field { $0.append(inet: net) } == [0, 0, 0, 8, 2, 8, 0, 4, 10, 0, 0, 0])
        // family 3 (PGSQL_AF_INET6), 128 bits, 16 bytes: ::1
        let loopback = try #require(PostgresInet(bytes: Array(repeating: 0, count: 15) + [1]))
        #expect(field { $0.append(inet: loopback) } == [0, 0, 0, 20, 3, 128, 0, 16] + Array(repeating: 0, count: 15) + [1])
        #expect(PostgresInet(bytes: [1, 2, 3, 4, 5]) == nil)
        #expect(PostgresInet(bytes: [1, 2, 3, 4], prefixLength: 33) == nil)
    }

    @Test func inetWithoutArrays() {
        #expect(field { $0.append(inetV4: 0xC0A8_0001) } == field { $0.append(inet: PostgresInet(ipv4: 0xC0A8_0001)) })
        let expected = [0, 0, 0, 20, 3, 128, 0, 16, 0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1] as [UInt8]
        #expect(field { $0.append(inetV6High: 0x2001_0db8_0000_0000, low: 1) } == expected)
    }

    @Test func int4Array() {
        // ndim 1, no nulls, element oid 23; size 2, lower bound 1; two length-prefixed int4s
        #expect(field { $0.append(int4Array: [100, 7] as [Int32]) } ==
                [0, 0, 0, 36, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1,
                 0, 0, 0, 4, 0, 0, 0, 100, 0, 0, 0, 4, 0, 0, 0, 7])
        // empty: ndim 0, no dimension entries
        #expect(field { $0.append(int4Array: [] as [Int32]) } == [0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23])
    }

    @Test func wholeStreamAndChunkingAgree() {
        var whole = BinaryCopyEncoder()
        var chunked = BinaryCopyEncoder()
        var chunks: [UInt8] = []
        for i in 0..<3 {
            for encoder in [0, 1] {
                func encode(_ e: inout BinaryCopyEncoder) {
                    e.beginRow(fieldCount: 2)
                    e.append(int4: Int32(i))
                    e.append(text: i == 1 ? nil : "x")
                }
                if encoder == 0 { encode(&whole) } else { encode(&chunked); chunks += chunked.takeBytes() }
            }
        }
        chunks += chunked.finish()
        let expected: [UInt8] = Self.header
            + [0, 2, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0x78]
            + [0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF]
            + [0, 2, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 1, 0x78]
            + [0xFF, 0xFF]
        #expect(whole.finish() == expected)
        #expect(chunks == expected)
        #expect(whole.rowCount == 3)
    }
}
