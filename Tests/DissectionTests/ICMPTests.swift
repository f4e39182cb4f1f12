@testable import Dissection
import TestSupport
import Testing

@Suite struct ICMPTests {
    @Test(arguments: [UInt8(8), 0])
    func echoV4(type: UInt8) {
        let p = dissect(Build.ethernet(type: 0x0800) + Build.ipv4(proto: 1, payload: Build.echo(type: type, id: 0x1f2e, seq: 513, payload: Build.bytes(32))))
        expectLayers(p, Layers(l2l: 14, l3t: 0x0800, l3o: 14, l3l: 20, l4t: 1, l4o: 34, l4l: 8, l5o: 42, l5l: 32))
        #expect(p.icmp == ICMPInfo(type: type, code: 0, echoID: 0x1f2e, echoSequence: 513))
        #expect(!p.hasPorts)
        expectAnomalies(p, [])
    }

    @Test(arguments: [UInt8(128), 129])
    func echoV6(type: UInt8) {
        let p = dissect(Build.ipv6(next: 58, payload: Build.echo(type: type, id: 9, seq: 65535)), .ipv6)
        #expect(p.icmp == ICMPInfo(type: type, code: 0, echoID: 9, echoSequence: 65535))
        expectAnomalies(p, [])
    }

    @Test func nonEchoHasNoIdentifier() {
        let p = dissect(Build.ipv4(proto: 1, payload: Build.icmp(type: 13, rest: [0, 1, 0, 2], payload: Build.bytes(12))), .raw)
        #expect(p.icmp == ICMPInfo(type: 13, code: 0))
        let ns = dissect(Build.ipv6(next: 58, payload: Build.icmp(type: 135, payload: Build.bytes(16))), .ipv6)
        #expect(ns.icmp == ICMPInfo(type: 135, code: 0))
    }

    @Test func destinationUnreachableQuotesUDP() {
        let quoted = Build.ipv4(src: "10.0.0.5", dst: "8.8.8.8", proto: 17, payload: Build.udp(sport: 33434, dport: 53, payload: Build.bytes(40)))
        let p = dissect(Build.ipv4(src: "10.0.0.1", dst: "10.0.0.5", proto: 1,
                                   payload: Build.icmp(type: 3, code: 3, payload: Array(quoted.prefix(28)))), .raw)
        let expected = QuotedTuple(source: ip("10.0.0.5"), destination: ip("8.8.8.8"), protocolNumber: 17,
                                   hasPorts: true, sourcePort: 33434, destinationPort: 53)
        #expect(p.icmp?.quoted == expected)
        #expect(p.icmp?.type == 3 && p.icmp?.code == 3 && p.icmp?.echoID == nil)
        #expect(p.source == ip("10.0.0.1") && !p.hasPorts)
        expectLayers(p, Layers(l3t: 0x0800, l3l: 20, l4t: 1, l4o: 20, l4l: 8, l5o: 28, l5l: 28))
        expectAnomalies(p, [])
    }

    @Test(arguments: [UInt8(11), 12, 4, 5])
    func otherErrorsQuoteTCP(type: UInt8) {
        let quoted = Build.ipv4(src: "192.0.2.9", dst: "203.0.113.4", proto: 6, payload: Build.tcp(sport: 1234, dport: 443))
        let p = dissect(Build.ipv4(proto: 1, payload: Build.icmp(type: type, payload: Array(quoted.prefix(28)))), .raw)
        #expect(p.icmp?.quoted == QuotedTuple(source: ip("192.0.2.9"), destination: ip("203.0.113.4"), protocolNumber: 6,
                                                hasPorts: true, sourcePort: 1234, destinationPort: 443))
        expectAnomalies(p, [])
    }

    @Test(arguments: [UInt8(1), 2, 3, 4])
    func icmpv6ErrorsQuoteIPv6(type: UInt8) {
        let quoted = Build.ipv6(src: "2001:db8::a", dst: "2001:db8::b", next: 17, payload: Build.udp(sport: 4000, dport: 5000, payload: Build.bytes(100)))
        let p = dissect(Build.ipv6(next: 58, payload: Build.icmp(type: type, payload: Array(quoted.prefix(48)))), .ipv6)
        #expect(p.icmp?.quoted == QuotedTuple(source: ip("2001:db8::a"), destination: ip("2001:db8::b"), protocolNumber: 17,
                                                hasPorts: true, sourcePort: 4000, destinationPort: 5000))
        expectAnomalies(p, [])
    }

    @Test func quotedPacketWithoutPorts() {
        // Only the IP header is quoted: the tuple has no ports.
        let quoted = Build.ipv4(src: "1.1.1.1", dst: "2.2.2.2", proto: 17, payload: Build.udp())
        let p = dissect(Build.ipv4(proto: 1, payload: Build.icmp(type: 3, payload: Array(quoted.prefix(20)))), .raw)
        #expect(p.icmp?.quoted?.hasPorts == false)
        #expect(p.icmp?.quoted?.source == ip("1.1.1.1"))
        expectAnomalies(p, [])
    }

    @Test func quotedPacketTooShort() {
        let quoted = Build.ipv4(proto: 17, payload: Build.udp())
        let short = dissect(Build.ipv4(proto: 1, payload: Build.icmp(type: 3, payload: Array(quoted.prefix(12)))), .raw)
        expectAnomalies(short, [.icmpInnerTruncated])
        #expect(short.icmp?.quoted == nil && short.icmp?.type == 3)
        let empty = dissect(Build.ipv4(proto: 1, payload: Build.icmp(type: 11)), .raw)
        expectAnomalies(empty, [.icmpInnerTruncated])
        let v6 = dissect(Build.ipv6(next: 58, payload: Build.icmp(type: 1, payload: Array(Fixtures.udp6.prefix(30)))), .ipv6)
        expectAnomalies(v6, [.icmpInnerTruncated])
    }

    @Test(arguments: [0, 1, 2, 7])
    func truncated(length: Int) {
        let p4 = dissect(Build.ipv4(proto: 1, payload: Array(Build.echo(type: 8, id: 1, seq: 1).prefix(length))), .raw)
        expectAnomalies(p4, [.icmpTruncated])
        #expect(p4.icmp?.type == (length >= 2 ? 8 : nil))
        #expect(p4.icmp?.echoID == nil)
        #expect(p4.l4Length == Int32(length))
        let p6 = dissect(Build.ipv6(next: 58, payload: Array(Build.echo(type: 128, id: 1, seq: 1).prefix(length))), .ipv6)
        expectAnomalies(p6, [.icmpv6Truncated])
    }
}
