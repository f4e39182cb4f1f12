import TestSupport
import Dissection
import Testing

@Suite struct LinuxSLLTests {
    @Test func ipv4TCP() {
        let p = dissect(Build.sll(proto: 0x0800) + Fixtures.tcpSyn, .linuxSLL)
        expectLayers(p, Layers(l2l: 16, l3t: 0x0800, l3o: 16, l3l: 20, l4t: 6, l4o: 36, l4l: 28, l5o: 64, l5l: 0))
        #expect(p.source == ip("192.0.2.1") && p.destination == ip("198.51.100.2"))
        expectPorts(p, 40000, 80)
        #expect(p.tcp.flags == TCPInfo.syn)
        expectAnomalies(p, [])
    }

    @Test func ipv6UDP() {
        let p = dissect(Build.sll(proto: 0x86DD, packetType: 4) + Fixtures.udp6, .linuxSLL)
        expectLayers(p, Layers(l2l: 16, l3t: 0x86DD, l3o: 16, l3l: 40, l4t: 17, l4o: 56, l4l: 8, l5o: 64, l5l: 6))
        expectPorts(p, 546, 547)
        expectAnomalies(p, [])
    }

    @Test func arp() {
        let p = dissect(Build.sll(proto: 0x0806) + Build.bytes(28), .linuxSLL)
        expectLayers(p, Layers(l2l: 16, l3t: 0x0806, l3o: 16))
        expectAnomalies(p, [])
    }

    @Test(arguments: [0, 2, 14, 15])
    func truncated(length: Int) {
        let p = dissect(Array((Build.sll(proto: 0x0800) + Fixtures.udp4).prefix(length)), .linuxSLL)
        expectAnomalies(p, [.linkHeaderTruncated])
        #expect(p.l2Length == Int32(length) && !p.hasIP)
    }
}

@Suite struct LinuxSLL2Tests {
    @Test func ipv4TCP() {
        let p = dissect(Build.sll2(proto: 0x0800) + Fixtures.tcpSyn, .linuxSLL2)
        expectLayers(p, Layers(l2l: 20, l3t: 0x0800, l3o: 20, l3l: 20, l4t: 6, l4o: 40, l4l: 28, l5o: 68, l5l: 0))
        expectPorts(p, 40000, 80)
        expectAnomalies(p, [])
    }

    @Test func ipv6WithExtensionHeaders() {
        let p = dissect(Build.sll2(proto: 0x86DD) + Fixtures.ext6, .linuxSLL2)
        expectLayers(p, Layers(l2l: 20, l3t: 0x86DD, l3o: 20, l3l: 40 + 8 + 16, l4t: 17, l4o: 84, l4l: 8, l5o: 92, l5l: 4))
        expectPorts(p, 1000, 2000)
        expectAnomalies(p, [])
    }

    @Test func protocolComesFirst() {
        // An SLL v1 header read as v2 names protocol 0 (packet type): not IP.
        let p = dissect(Build.sll2(proto: 0x1234) + Fixtures.udp4, .linuxSLL2)
        expectLayers(p, Layers(l2l: 20, l3t: 0x1234, l3o: 20))
        #expect(!p.hasIP)
    }

    @Test(arguments: [0, 1, 2, 19])
    func truncated(length: Int) {
        let p = dissect(Array((Build.sll2(proto: 0x0800) + Fixtures.udp4).prefix(length)), .linuxSLL2)
        expectAnomalies(p, [.linkHeaderTruncated])
        #expect(p.l2Length == Int32(length) && !p.hasIP)
    }
}
