@testable import Dissection
import TestSupport
import Testing

@Suite struct RawIPTests {
    @Test(arguments: [LinkType.raw, .ipv4])
    func ipv4(linkType: LinkType) {
        let p = dissect(Fixtures.udp4, linkType)
        expectLayers(p, Layers(l2l: 0, l3t: 0x0800, l3o: 0, l3l: 20, l4t: 17, l4o: 20, l4l: 8, l5o: 28, l5l: 12))
        expectPorts(p, 5353, 53)
        expectAnomalies(p, [])
    }

    @Test(arguments: [LinkType.raw, .ipv6])
    func ipv6(linkType: LinkType) {
        let p = dissect(Fixtures.icmp6Echo, linkType)
        expectLayers(p, Layers(l2l: 0, l3t: 0x86DD, l3o: 0, l3l: 40, l4t: 58, l4o: 40, l4l: 8, l5o: 48, l5l: 8))
        #expect(p.icmp == ICMPInfo(type: 128, code: 0, echoID: 7, echoSequence: 1))
        expectAnomalies(p, [])
    }

    @Test func rawVersionNibbleDecides() {
        var bad = Fixtures.udp4
        bad[0] = 0x55
        expectAnomalies(dissect(bad, .raw), [.unknownLinkFamily])
        expectAnomalies(dissect([], .raw), [.linkHeaderTruncated])
    }

    @Test func linkTypeNamesTheVersion() {
        // LINKTYPE_IPV4 and LINKTYPE_IPV6 do not look at the nibble to pick.
        let v6As4 = dissect(Fixtures.udp6, .ipv4)
        expectAnomalies(v6As4, [.ipv4BadVersion])
        #expect(!v6As4.hasIP)
        let v4As6 = dissect(Fixtures.tcpSyn + Build.bytes(40), .ipv6)
        expectAnomalies(v4As6, [.ipv6BadVersion])
        #expect(!v4As6.hasIP)
        #expect(LinkType(dlt: 12) == .raw && LinkType(dlt: 14) == .raw && LinkType(dlt: 1) == .ethernet)
    }
}
