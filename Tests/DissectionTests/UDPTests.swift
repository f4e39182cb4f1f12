import TestSupport
import Dissection
import Testing

@Suite struct UDPTests {
    @Test func lengthTrimsPayload() {
        // UDP says 8 + 3; the IP datagram carries 5 more bytes.
        let p = dissect(Build.ipv4(proto: 17, payload: Build.udp(payload: Build.bytes(8), length: 11)), .raw)
        expectLayers(p, Layers(l3t: 0x0800, l3l: 20, l4t: 17, l4o: 20, l4l: 8, l5o: 28, l5l: 3))
        expectAnomalies(p, [])
    }

    @Test(arguments: [UInt16(0), 7])
    func lengthBelowHeader(length: UInt16) {
        let p = dissect(Build.ipv4(proto: 17, payload: Build.udp(payload: Build.bytes(6), length: length)), .raw)
        expectAnomalies(p, [.udpBadLength])
        expectPorts(p, 5353, 53)
        #expect(p.l5Offset == 28 && p.l5Length == 6)
    }

    @Test func lengthBeyondIPPayload() {
        let p = dissect(Build.ipv4(proto: 17, payload: Build.udp(payload: Build.bytes(6), length: 100)), .raw)
        expectAnomalies(p, [.udpBadLength])
        #expect(p.l5Length == 6)
        let v6 = dissect(Build.ipv6(next: 17, payload: Build.udp(payload: Build.bytes(6), length: 15)), .ipv6)
        expectAnomalies(v6, [.udpBadLength])
    }

    @Test func lengthBeyondIPPayloadAfterExtensionHeaders() {
        // 14 bytes of UDP after an 8-byte destination-options header; a UDP
        // length of 20 runs past the datagram even though it is below the
        // IPv6 payload length (22).
        let udp = Build.udp(payload: Build.bytes(6), length: 20)
        let p = dissect(Build.ipv6(next: 60, payload: Build.ipv6Extension(next: 17) + udp), .ipv6)
        expectAnomalies(p, [.udpBadLength])
        #expect(p.l5Length == 6)
    }

    @Test(arguments: [0, 3, 4, 7])
    func truncated(length: Int) {
        let udp = Array(Build.udp(sport: 68, dport: 67).prefix(length))
        let p = dissect(Build.ipv4(proto: 17, payload: udp), .raw)
        expectAnomalies(p, [.udpHeaderTruncated])
        #expect(p.hasPorts == (length >= 4))
        if length >= 4 { expectPorts(p, 68, 67) }
        #expect(p.l4Length == Int32(length))
    }
}

@Suite struct SCTPTests {
    @Test func commonHeader() {
        let p = dissect(Build.ethernet(type: 0x86DD) + Build.ipv6(next: 132, payload: Build.sctp(sport: 36412, dport: 38412, payload: Build.bytes(20))))
        expectLayers(p, Layers(l2l: 14, l3t: 0x86DD, l3o: 14, l3l: 40, l4t: 132, l4o: 54, l4l: 12, l5o: 66, l5l: 20))
        expectPorts(p, 36412, 38412)
        expectAnomalies(p, [])
    }

    @Test(arguments: [0, 3, 4, 11])
    func truncated(length: Int) {
        let p = dissect(Build.ipv4(proto: 132, payload: Array(Build.sctp(sport: 1, dport: 2).prefix(length))), .raw)
        expectAnomalies(p, [.sctpTruncated])
        #expect(p.hasPorts == (length >= 4))
        #expect(p.l4Length == Int32(length))
    }
}

@Suite struct OtherProtocolTests {
    @Test(arguments: [UInt8(47), 50, 89, 2, 46, 255])
    func payloadFollowsIPHeader(proto: UInt8) {
        let p = dissect(Build.ethernet(type: 0x0800) + Build.ipv4(proto: proto, payload: Build.bytes(24)))
        expectLayers(p, Layers(l2l: 14, l3t: 0x0800, l3o: 14, l3l: 20, l4t: proto, l4o: 34, l4l: 0, l5o: 34, l5l: 24))
        #expect(!p.hasPorts && p.icmp == nil)
        expectAnomalies(p, [])
    }

    @Test func overIPv6() {
        let p = dissect(Build.ipv6(next: 89, payload: Build.bytes(10)), .ipv6)
        expectLayers(p, Layers(l3t: 0x86DD, l3l: 40, l4t: 89, l4o: 40, l5o: 40, l5l: 10))
        expectAnomalies(p, [])
    }

    @Test func protocolNames() {
        #expect(IPProtocol.name(6) == "tcp" && IPProtocol.name(58) == "ipv6-icmp" && IPProtocol.name(46) == "rsvp")
        #expect(IPProtocol.name(200) == "200")
    }
}
