@testable import Dissection
import TestSupport
import Testing

@Suite struct TCPTests {
    @Test func fieldsAndOptions() {
        // MSS, SACK permitted, timestamps, NOP, window scale: 20 bytes of options.
        let options: [UInt8] = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]
        let tcp = Build.tcp(sport: 443, dport: 51000, seq: 0xdeadbeef, ack: 0x01020304, flags: 0x12, window: 29200,
                            options: options, payload: Build.bytes(7))
        let p = dissect(Build.ethernet(type: 0x0800) + Build.ipv4(proto: 6, payload: tcp))
        expectLayers(p, Layers(l2l: 14, l3t: 0x0800, l3o: 14, l3l: 20, l4t: 6, l4o: 34, l4l: 40, l5o: 74, l5l: 7))
        #expect(p.tcp == TCPInfo(flags: TCPInfo.syn | TCPInfo.ack, sequence: 0xdeadbeef, acknowledgment: 0x01020304, window: 29200))
        expectPorts(p, 443, 51000)
        expectAnomalies(p, [])
    }

    @Test(arguments: [UInt16(0x100), 0x1ff, 0x001, 0x0c2])
    func flagsIncludingNS(flags: UInt16) {
        let p = dissect(Build.ipv4(proto: 6, payload: Build.tcp(flags: flags)), .raw)
        #expect(p.tcp.flags == flags)
        expectAnomalies(p, [])
    }

    @Test func reservedBitsAreNotFlags() {
        var tcp = Build.tcp(flags: 0x10)
        tcp[12] |= 0x0e // the three reserved bits between data offset and NS
        let p = dissect(Build.ipv4(proto: 6, payload: tcp), .raw)
        #expect(p.tcp.flags == TCPInfo.ack)
    }

    @Test(arguments: [[UInt8]([2, 10, 0, 0]), [8, 0, 0, 0], [1, 1, 1, 3]])
    func malformedOptions(options: [UInt8]) {
        let p = dissect(Build.ipv4(proto: 6, payload: Build.tcp(options: options, payload: [1, 2])), .raw)
        expectAnomalies(p, [.tcpOptionsMalformed])
        #expect(p.l4Length == 24 && p.l5Offset == 44 && p.l5Length == 2)
    }

    @Test(arguments: [UInt8(0), 4])
    func badDataOffset(offset: UInt8) {
        let p = dissect(Build.ipv4(proto: 6, payload: Build.tcp(flags: 0x02, payload: [1, 2, 3], dataOffset: offset)), .raw)
        expectAnomalies(p, [.tcpBadDataOffset])
        expectPorts(p, 40000, 80)
        #expect(p.tcp.flags == TCPInfo.syn)
        #expect(p.l4Length == 20 && p.l5Offset == 0 && p.l5Length == 0)
    }

    @Test func dataOffsetBeyondSegment() {
        let p = dissect(Build.ipv4(proto: 6, payload: Build.tcp(dataOffset: 15)), .raw)
        expectAnomalies(p, [.tcpHeaderTruncated])
        expectPorts(p, 40000, 80)
    }

    @Test(arguments: [0, 3, 4, 12, 19])
    func truncated(length: Int) {
        // The IP total length matches, so only TCP is short.
        let tcp = Array(Build.tcp(sport: 7, dport: 9).prefix(length))
        let p = dissect(Build.ipv4(proto: 6, payload: tcp), .raw)
        expectAnomalies(p, [.tcpHeaderTruncated])
        #expect(p.hasPorts == (length >= 4))
        if length >= 4 { expectPorts(p, 7, 9) }
        #expect(p.l4Offset == 20 && p.l4Length == Int32(length))
        #expect(p.l5Length == 0)
    }
}
