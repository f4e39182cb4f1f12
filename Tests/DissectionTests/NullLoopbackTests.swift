import TestSupport
import Dissection
import Testing

@Suite struct NullLoopbackTests {
    @Test(arguments: [true, false])
    func ipv4BothByteOrders(littleEndian: Bool) {
        let p = dissect(Build.null(family: 2, littleEndian: littleEndian) + Fixtures.icmp4Echo, .null)
        expectLayers(p, Layers(l2l: 4, l3t: 0x0800, l3o: 4, l3l: 20, l4t: 1, l4o: 24, l4l: 8, l5o: 32, l5l: 16))
        #expect(p.icmp?.echoID == 0x4242)
        expectAnomalies(p, [])
    }

    @Test(arguments: [(UInt32(24), true), (24, false), (28, true), (28, false), (30, true), (30, false), (10, true), (10, false)])
    func ipv6Families(family: UInt32, littleEndian: Bool) {
        let p = dissect(Build.null(family: family, littleEndian: littleEndian) + Fixtures.tcp6, .null)
        expectLayers(p, Layers(l2l: 4, l3t: 0x86DD, l3o: 4, l3l: 40, l4t: 6, l4o: 44, l4l: 20, l5o: 64, l5l: 10))
        expectPorts(p, 50000, 443)
        expectAnomalies(p, [])
    }

    @Test(arguments: [UInt32(0), 7, 23, 0x0800, 0xffff_ffff])
    func unknownFamily(family: UInt32) {
        let p = dissect(Build.null(family: family, littleEndian: true) + Fixtures.udp4, .null)
        expectAnomalies(p, [.unknownLinkFamily])
        #expect(p.l2Length == 4 && !p.hasIP)
    }

    @Test func loopIsAlwaysNetworkOrder() {
        let good = dissect(Build.null(family: 2, littleEndian: false) + Fixtures.udp4, .loop)
        expectAnomalies(good, [])
        #expect(good.ipVersion == 4 && good.l3Offset == 4)
        let v6 = dissect(Build.null(family: 30, littleEndian: false) + Fixtures.udp6, .loop)
        #expect(v6.ipVersion == 6)
        // Host order is not guessed for LINKTYPE_LOOP.
        let swapped = dissect(Build.null(family: 2, littleEndian: true) + Fixtures.udp4, .loop)
        expectAnomalies(swapped, [.unknownLinkFamily])
    }

    @Test(arguments: [0, 3])
    func truncated(length: Int) {
        let p = dissect(Array(Build.null(family: 2, littleEndian: true).prefix(length)), .null)
        expectAnomalies(p, [.linkHeaderTruncated])
        #expect(p.l2Length == Int32(length))
    }
}
