import TestSupport
import Dissection
import Testing

@Suite struct VLANTests {
    @Test func single8021QTag() {
        let frame = Build.ethernet(type: 0x8100) + Build.vlanTag(id: 100, pcp: 5, next: 0x0800) + Fixtures.tcpSyn
        let p = dissect(frame)
        #expect(p.vlans.ids == [100])
        expectLayers(p, Layers(l2l: 18, l3t: 0x0800, l3o: 18, l3l: 20, l4t: 6, l4o: 38, l4l: 28, l5o: 66, l5l: 0))
        expectPorts(p, 40000, 80)
        expectAnomalies(p, [])
    }

    @Test(arguments: [UInt16(0x88A8), 0x9100])
    func qinqOuterThenInner(outer: UInt16) {
        let frame = Build.ethernet(type: outer) + Build.vlanTag(id: 300, next: 0x8100)
            + Build.vlanTag(id: 4095, next: 0x86DD) + Fixtures.udp6
        let p = dissect(frame)
        #expect(p.vlans.ids == [300, 4095])
        #expect(p.vlans.count == 2)
        expectLayers(p, Layers(l2l: 22, l3t: 0x86DD, l3o: 22, l3l: 40, l4t: 17, l4o: 62, l4l: 8, l5o: 70, l5l: 6))
        expectPorts(p, 546, 547)
        expectAnomalies(p, [])
    }

    @Test func tagWithoutInnerTypeIsTruncated() {
        let frame = Build.ethernet(type: 0x8100) + [0x00, 0x64]
        let p = dissect(frame)
        expectAnomalies(p, [.vlanTagTruncated])
        #expect(!p.hasIP && p.l3Type == 0)
        #expect(p.l2Length == 16)
    }

    @Test func tagLimit() {
        // Exactly the limit decodes; one more is refused.
        func frame(tags: Int) -> [UInt8] {
            var f = Build.ethernet(type: 0x8100)
            for i in 0..<tags { f += Build.vlanTag(id: UInt16(i + 1), next: i == tags - 1 ? 0x0800 : 0x8100) }
            return f + Fixtures.udp4
        }
        let ok = dissect(frame(tags: 8))
        // Decoded, but flagged: the flow key holds only the outer four.
        expectAnomalies(ok, [.vlanStackTruncated])
        expectAnomalies(dissect(frame(tags: VLANStack.capacity)), [])
        #expect(ok.l2Length == 14 + 32)
        #expect(ok.vlans.ids == [1, 2, 3, 4], "the stack keeps the outermost \(VLANStack.capacity)")
        expectPorts(ok, 5353, 53)

        let bad = dissect(frame(tags: 9))
        expectAnomalies(bad, [.tooManyVLANTags, .vlanStackTruncated])
        #expect(!bad.hasIP)

        var limits = Dissector.Limits()
        limits.maxVLANTags = 1
        let limited = dissect(frame(tags: 2), limits: limits)
        expectAnomalies(limited, [.tooManyVLANTags])
    }

    @Test func vlanOverLinuxSLL() {
        let p = dissect(Build.sll(proto: 0x8100) + Build.vlanTag(id: 7, next: 0x0800) + Fixtures.udp4, .linuxSLL)
        #expect(p.vlans.ids == [7])
        expectLayers(p, Layers(l2l: 20, l3t: 0x0800, l3o: 20, l3l: 20, l4t: 17, l4o: 40, l4l: 8, l5o: 48, l5l: 12))
    }
}
