import TestSupport
import Dissection
import Testing

@Suite struct EthernetTests {
    @Test func ipv4TCPWithOptionsAndPayload() {
        let tcp = Build.tcp(sport: 40000, dport: 80, flags: 0x18, options: [2, 4, 5, 0xb4, 1, 1, 4, 2],
                            payload: Build.bytes(5))
        let frame = Build.ethernet(type: 0x0800) + Build.ipv4(src: "10.1.2.3", dst: "10.4.5.6", proto: 6, payload: tcp, ttl: 61)
        let p = dissect(frame)
        expectLayers(p, Layers(l2l: 14, l3t: 0x0800, l3o: 14, l3l: 20, l4t: 6, l4o: 34, l4l: 28, l5o: 62, l5l: 5))
        #expect(p.linkType == .ethernet)
        #expect(p.ipVersion == 4)
        #expect(p.source == ip("10.1.2.3"))
        #expect(p.destination == ip("10.4.5.6"))
        #expect(p.ttl == 61)
        #expect(p.capturedLength == Int32(frame.count) && p.wireLength == Int32(frame.count))
        expectPorts(p, 40000, 80)
        expectAnomalies(p, [])
    }

    @Test func ipv6UDP() {
        let frame = Build.ethernet(type: 0x86DD) + Build.ipv6(next: 17, payload: Build.udp(sport: 5000, dport: 53, payload: Build.bytes(3)))
        let p = dissect(frame)
        expectLayers(p, Layers(l2l: 14, l3t: 0x86DD, l3o: 14, l3l: 40, l4t: 17, l4o: 54, l4l: 8, l5o: 62, l5l: 3))
        #expect(p.ipVersion == 6)
        #expect(p.source == ip("2001:db8::1") && p.destination == ip("2001:db8::2"))
        expectPorts(p, 5000, 53)
        expectAnomalies(p, [])
    }

    @Test func ieee8023LengthStopsAtL2() {
        let frame = Build.ethernet(type: 46) + [0xaa, 0xaa, 0x03] + Build.bytes(43)
        let p = dissect(frame)
        expectLayers(p, Layers(l2l: 14))
        #expect(!p.hasIP)
        expectAnomalies(p, [])
    }

    @Test func arpIsNonIPNetworkLayer() {
        let p = dissect(Build.ethernet(type: 0x0806) + Build.bytes(28))
        expectLayers(p, Layers(l2l: 14, l3t: 0x0806, l3o: 14))
        #expect(!p.hasIP && !p.hasPorts)
        expectAnomalies(p, [])
    }

    @Test(arguments: [0, 1, 6, 12, 13])
    func truncatedHeader(length: Int) {
        let frame = Array((Build.ethernet(type: 0x0800) + Fixtures.udp4).prefix(length))
        let p = dissect(frame)
        expectAnomalies(p, [.linkHeaderTruncated])
        #expect(p.l2Length == Int32(length))
        #expect(!p.hasIP && p.l3Type == 0)
    }

    @Test func trailerPaddingIsNotPayload() {
        let icmp = Build.echo(type: 8, id: 1, seq: 2, payload: Build.bytes(4))
        let frame = Build.ethernet(type: 0x0800) + Build.ipv4(proto: 1, payload: icmp) + [UInt8](repeating: 0, count: 18)
        let p = dissect(frame)
        expectLayers(p, Layers(l2l: 14, l3t: 0x0800, l3o: 14, l3l: 20, l4t: 1, l4o: 34, l4l: 8, l5o: 42, l5l: 4))
        expectAnomalies(p, [])
    }

    @Test func snaplenTruncationIsFlaggedOnce() {
        let frame = Build.ethernet(type: 0x0800) + Fixtures.udp4
        let cut = Array(frame.prefix(44))
        let p = dissect(cut, wireLength: frame.count)
        #expect(p.capturedLength == 44 && p.wireLength == Int32(frame.count))
        // The datagram runs past the captured bytes because of the snaplen,
        // which is reported as such and not as a bad total length.
        expectAnomalies(p, [.snaplenTruncated])
        expectPorts(p, 5353, 53)
    }

    @Test func unsupportedLinkType() {
        let p = dissect(Build.bytes(40), LinkType(rawValue: 147))
        expectAnomalies(p, [.unsupportedLinkType])
        expectLayers(p, Layers())
        #expect(p.linkType.description == "linktype_147")
    }
}
