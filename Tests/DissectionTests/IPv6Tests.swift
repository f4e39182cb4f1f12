@testable import Dissection
import TestSupport
import Testing

@Suite struct IPv6Tests {
    let udp = Build.udp(sport: 1000, dport: 2000, payload: Build.bytes(4))

    @Test func extensionHeaderChain() {
        let chain = Build.ipv6Extension(next: 43) + Build.ipv6Extension(next: 60, units: 2)
            + Build.ipv6Extension(next: 17, units: 1)
        let p = dissect(Build.ethernet(type: 0x86DD) + Build.ipv6(src: "fe80::1", dst: "ff02::1:2", next: 0, payload: chain + udp, hopLimit: 1))
        expectLayers(p, Layers(l2l: 14, l3t: 0x86DD, l3o: 14, l3l: 40 + 8 + 24 + 16, l4t: 17, l4o: 102, l4l: 8, l5o: 110, l5l: 4))
        #expect(p.source == ip("fe80::1") && p.destination == ip("ff02::1:2") && p.ttl == 1)
        #expect(p.ipPayloadLength == Int32(chain.count + udp.count))
        expectPorts(p, 1000, 2000)
        expectAnomalies(p, [])
    }

    @Test func authenticationHeaderLengthInFourByteUnits() {
        // AH: length field 4 → (4 + 2) * 4 = 24 bytes.
        let ah: [UInt8] = [17, 4, 0, 0] + Build.bytes(20)
        let p = dissect(Build.ipv6(next: 51, payload: ah + udp), .ipv6)
        #expect(p.l3Length == 64 && p.l4Offset == 64)
        expectPorts(p, 1000, 2000)
        expectAnomalies(p, [])
    }

    @Test func truncatedExtensionHeader() {
        // The header claims 16 bytes; the payload length covers only 12.
        let ext = Build.ipv6Extension(next: 17, units: 1)
        let p = dissect(Build.ipv6(next: 60, payload: Array(ext.prefix(12))), .ipv6)
        expectAnomalies(p, [.ipv6ExtensionHeaderTruncated])
        #expect(!p.hasPorts && p.l4Length == 0 && p.l3Length == 40)
        // One byte of a header is not even its next-header/length pair.
        let one = dissect(Build.ipv6(next: 0, payload: [17]), .ipv6)
        expectAnomalies(one, [.ipv6ExtensionHeaderTruncated])
    }

    @Test func tooManyExtensionHeaders() {
        func chain(_ n: Int) -> [UInt8] {
            (0..<n).flatMap { Build.ipv6Extension(next: $0 == n - 1 ? 17 : 60) } + udp
        }
        let ok = dissect(Build.ipv6(next: 60, payload: chain(16)), .ipv6)
        expectAnomalies(ok, [])
        expectPorts(ok, 1000, 2000)
        let bad = dissect(Build.ipv6(next: 60, payload: chain(17)), .ipv6)
        expectAnomalies(bad, [.ipv6TooManyExtensionHeaders])
        #expect(!bad.hasPorts)
        var limits = Dissector.Limits()
        limits.maxIPv6ExtensionHeaders = 2
        expectAnomalies(dissect(Build.ipv6(next: 60, payload: chain(3)), .ipv6, limits: limits), [.ipv6TooManyExtensionHeaders])
    }

    @Test(arguments: [1, 20, 39])
    func headerTruncated(length: Int) {
        let p = dissect(Array(Fixtures.udp6.prefix(length)), .ipv6)
        expectAnomalies(p, [.ipv6HeaderTruncated])
        #expect(!p.hasIP && p.l3Length == Int32(length))
    }

    @Test func badVersion() {
        var frame = Build.ethernet(type: 0x86DD) + Fixtures.udp6
        frame[14] = 0x40
        let p = dissect(frame)
        expectAnomalies(p, [.ipv6BadVersion])
        #expect(!p.hasIP)
    }

    @Test func payloadLengthBeyondCapture() {
        let p = dissect(Build.ipv6(next: 17, payload: udp, payloadLength: 100), .ipv6)
        expectAnomalies(p, [.ipv6PayloadTruncated])
        #expect(p.ipPayloadLength == 100)
        expectPorts(p, 1000, 2000)
    }

    @Test func jumbogramUsesCapturedLength() {
        let hbh: [UInt8] = [17, 0, 0xc2, 4] + be32(40 + 8 + UInt32(udp.count))
        let p = dissect(Build.ipv6(next: 0, payload: hbh + udp, payloadLength: 0), .ipv6)
        expectAnomalies(p, [])
        expectPorts(p, 1000, 2000)
        #expect(p.l5Length == 4)
    }

    @Test func fragmentHeader() {
        let first = dissect(Build.ipv6(next: 44, payload: Build.ipv6Fragment(next: 17, offset: 0, more: true, id: 0xabcdef01) + udp), .ipv6)
        #expect(first.fragment == FragmentInfo(identification: 0xabcdef01, offset: 0, moreFragments: true, payloadOffset: 48, payloadLength: 12))
        #expect(first.l4Type == 17 && !first.hasPorts && first.l3Length == 48)
        expectAnomalies(first, [])

        let later = dissect(Build.ipv6(next: 44, payload: Build.ipv6Fragment(next: 17, offset: 1232, more: false, id: 5) + Build.bytes(8)), .ipv6)
        #expect(later.fragment?.offset == 1232 && later.fragment?.moreFragments == false)

        // An atomic fragment (offset 0, no more) is a whole datagram.
        let atomic = dissect(Build.ipv6(next: 44, payload: Build.ipv6Fragment(next: 17, offset: 0, more: false, id: 5) + udp), .ipv6)
        #expect(atomic.fragment == nil)
        expectPorts(atomic, 1000, 2000)

        let cut = dissect(Build.ipv6(next: 44, payload: Array(Build.ipv6Fragment(next: 17, offset: 8, more: true, id: 5).prefix(6))), .ipv6)
        expectAnomalies(cut, [.ipv6ExtensionHeaderTruncated])
        #expect(cut.fragment == nil)
    }

    @Test func noNextHeader() {
        let p = dissect(Build.ipv6(next: 59, payload: []), .ipv6)
        expectLayers(p, Layers(l3t: 0x86DD, l3l: 40, l4t: 59, l4o: 40, l5o: 40))
        expectAnomalies(p, [])
    }
}
