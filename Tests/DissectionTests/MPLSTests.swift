import TestSupport
import Dissection
import Testing

@Suite struct MPLSTests {
    @Test(arguments: [UInt16(0x8847), 0x8848])
    func twoLabelsThenIPv4(type: UInt16) {
        let frame = Build.ethernet(type: type) + Build.mplsLabel(100, bottom: false) + Build.mplsLabel(200, bottom: true)
            + Fixtures.sctp4
        let p = dissect(frame)
        #expect(p.mplsLabels == 2)
        expectLayers(p, Layers(l2l: 22, l3t: 0x0800, l3o: 22, l3l: 20, l4t: 132, l4o: 42, l4l: 12, l5o: 54, l5l: 16))
        expectPorts(p, 2905, 2905)
        expectAnomalies(p, [])
    }

    @Test func labelThenIPv6() {
        let p = dissect(Build.ethernet(type: 0x8847) + Build.mplsLabel(3, bottom: true) + Fixtures.tcp6)
        #expect(p.mplsLabels == 1)
        #expect(p.ipVersion == 6 && p.l3Type == 0x86DD && p.l3Offset == 18)
        expectPorts(p, 50000, 443)
        expectAnomalies(p, [])
    }

    @Test func stackWithoutBottomIsTruncated() {
        let p = dissect(Build.ethernet(type: 0x8847) + Build.mplsLabel(1, bottom: false) + [0x00, 0x01])
        expectAnomalies(p, [.mplsTruncated])
        #expect(!p.hasIP && p.l3Type == 0)
        #expect(p.mplsLabels == 1)
    }

    @Test func nothingAfterBottomOfStackIsTruncated() {
        let p = dissect(Build.ethernet(type: 0x8847) + Build.mplsLabel(1, bottom: false) + Build.mplsLabel(2, bottom: true))
        expectAnomalies(p, [.mplsTruncated])
        #expect(p.mplsLabels == 2 && p.l2Length == 22 && !p.hasIP)
    }

    @Test func labelLimit() {
        func frame(_ n: Int) -> [UInt8] {
            var f = Build.ethernet(type: 0x8847)
            for i in 0..<n { f += Build.mplsLabel(UInt32(16 + i), bottom: i == n - 1) }
            return f + Fixtures.udp4
        }
        let ok = dissect(frame(16))
        expectAnomalies(ok, [])
        #expect(ok.mplsLabels == 16 && ok.l2Length == 14 + 64)
        let bad = dissect(frame(17))
        expectAnomalies(bad, [.tooManyMPLSLabels])
        #expect(!bad.hasIP)
    }

    @Test func unknownPayloadEndsAtL2() {
        // An Ethernet pseudowire (first nibble 0) is not followed.
        let p = dissect(Build.ethernet(type: 0x8847) + Build.mplsLabel(5, bottom: true) + [0x00] + Build.bytes(30))
        #expect(p.l2Length == 18 && p.l3Type == 0 && !p.hasIP)
        expectAnomalies(p, [])
    }
}
