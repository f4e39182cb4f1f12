import TestSupport
import Dissection
import Testing

@Suite struct IPAddressTests {
    /// Input text and its RFC 5952 canonical form.
    static let canonical: [(String, String)] = [
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:DB8::A:B", "2001:db8::a:b"),                        // 4.3: lower case
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),          // 4.2.2: one zero group stays
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),             // 4.2.3: first of equal runs
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),                   // 4.2.3: longest run
        ("0:0:0:0:0:0:0:0", "::"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("1:0:0:0:0:0:0:0", "1::"),
        ("fe80:0:0:0:0:0:0:0", "fe80::"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1::8", "1::8"),
        ("0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ("::ffff:192.0.2.128", "::ffff:192.0.2.128"),              // 5: IPv4-mapped
        ("0:0:0:0:0:ffff:c000:0280", "::ffff:192.0.2.128"),
        ("::ffff:0.0.0.0", "::ffff:0.0.0.0"),
        ("64:ff9b::c000:221", "64:ff9b::c000:221"),
    ]

    @Test(arguments: canonical)
    func rfc5952Text(input: String, expected: String) throws {
        let a = try #require(IPAddress(input))
        #expect(a.isIPv6)
        #expect(a.description == expected)
        #expect(IPAddress(expected) == a)
    }

    @Test func ipv4Text() throws {
        let a = try #require(IPAddress("192.168.0.255"))
        #expect(!a.isIPv6 && a.v4 == 0xc0a8_00ff && a.description == "192.168.0.255")
        #expect(a.bytes == [192, 168, 0, 255])
        #expect(IPAddress("0.0.0.0") == IPAddress(v4: 0))
        #expect(IPAddress("255.255.255.255")?.v4 == .max)
    }

    @Test func bytesAreNetworkOrder() throws {
        let a = try #require(IPAddress("2001:db8::102:304"))
        #expect(a.bytes == [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 8) + [1, 2, 3, 4])
    }

    @Test(arguments: ["", ":", ":::", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1::2::3",
                      "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "::g", "1:2:3:4:5:6:7:8::",
                      "::1:2:3:4:5:6:7:8", "+1.2.3.4", "1.2.3.-0", "::+1", "::1.2.3.4:5", "1.2.3.4::",
                      "::1.2.3", "2001:db8::1 ", " 1.2.3.4"])
    func rejectsMalformedText(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func familiesNeverCompareEqual() throws {
        let v4 = try #require(IPAddress("0.0.0.1"))
        let v6 = try #require(IPAddress("::1"))
        #expect(v4 != v6)
        #expect(v4 < v6 && !(v6 < v4))
        #expect(try #require(IPAddress("10.0.0.1")) < (try #require(IPAddress("10.0.0.2"))))
        #expect(try #require(IPAddress("2001:db8::1")) < (try #require(IPAddress("2001:db9::"))))
    }

    @Test func roundTripOfGeneratedAddresses() {
        // Deterministic spread of group patterns, including zero runs of
        // every length and position.
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        for _ in 0..<5000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var high = state
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var low = state
            // Zero out groups by a mask from the state's top byte.
            let mask = UInt8(truncatingIfNeeded: state >> 56)
            for g in 0..<4 where mask & (1 << g) != 0 { high &= ~(UInt64(0xffff) << UInt64(16 * g)) }
            for g in 0..<4 where mask & (1 << (g + 4)) != 0 { low &= ~(UInt64(0xffff) << UInt64(16 * g)) }
            let a = IPAddress(v6High: high, v6Low: low)
            let text = a.description
            #expect(IPAddress(text) == a, "\(text)")
            #expect(text == text.lowercased())
            #expect(!text.contains(":::"))
            #expect(text.ranges(of: "::").count <= 1)
            let v4 = IPAddress(v4: UInt32(truncatingIfNeeded: low))
            #expect(IPAddress(v4.description) == v4)
        }
    }
}
