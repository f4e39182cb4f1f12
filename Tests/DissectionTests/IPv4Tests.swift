@testable import Dissection
import TestSupport
import Testing

@Suite struct IPv4Tests {
    let udp = Build.udp(sport: 1111, dport: 2222, payload: Build.bytes(4))

    @Test func wellFormedOptions() {
        // Router alert (4 bytes), NOP, NOP, timestamp-like option (6 bytes), EOL padding.
        let options: [UInt8] = [0x94, 4, 0, 0, 1, 1, 0x44, 6, 5, 0, 0, 0, 0, 0, 0, 0]
        let p = dissect(Build.ipv4(proto: 17, payload: udp, options: options), .raw)
        expectLayers(p, Layers(l3t: 0x0800, l3l: 36, l4t: 17, l4o: 36, l4l: 8, l5o: 44, l5l: 4))
        expectPorts(p, 1111, 2222)
        expectAnomalies(p, [])
    }

    @Test func endOfListStopsParsing() {
        let p = dissect(Build.ipv4(proto: 17, payload: udp, options: [0, 0xff, 0xff, 0xff]), .raw)
        expectAnomalies(p, [])
        #expect(p.l3Length == 24)
    }

    @Test(arguments: [[UInt8]([0x44, 10, 0, 0]), [0x83, 1, 0, 0], [1, 1, 1, 0x82], [0x07, 0, 1, 1]])
    func malformedOptions(options: [UInt8]) {
        let p = dissect(Build.ipv4(proto: 17, payload: udp, options: options), .raw)
        expectAnomalies(p, [.ipv4OptionsMalformed])
        // Decoding goes on past bad options.
        expectLayers(p, Layers(l3t: 0x0800, l3l: 24, l4t: 17, l4o: 24, l4l: 8, l5o: 32, l5l: 4))
        expectPorts(p, 1111, 2222)
    }

    @Test(arguments: [UInt8(0), 1, 4])
    func headerLengthBelowFive(ihl: UInt8) {
        let p = dissect(Build.ethernet(type: 0x0800) + Build.ipv4(proto: 17, payload: udp, ihl: ihl))
        expectAnomalies(p, [.ipv4BadHeaderLength])
        #expect(!p.hasIP && !p.hasPorts)
        #expect(p.l3Offset == 14 && p.l3Length == 20)
    }

    @Test func headerLengthBeyondCapture() {
        // IHL 15 (60 bytes) but only 20 + 8 bytes present.
        let p = dissect(Build.ipv4(proto: 17, payload: Build.udp(), ihl: 15), .raw)
        expectAnomalies(p, [.ipv4HeaderTruncated])
        #expect(p.l3Length == 28)
        #expect(!p.hasPorts && p.l4Length == 0)
    }

    @Test(arguments: [0, 10, 19])
    func headerTruncated(length: Int) {
        let p = dissect(Array(Fixtures.udp4.prefix(length)), .raw)
        expectAnomalies(p, length == 0 ? [.linkHeaderTruncated] : [.ipv4HeaderTruncated])
        #expect(!p.hasIP)
    }

    @Test(arguments: [UInt16(0), 19])
    func totalLengthTooSmall(total: UInt16) {
        let p = dissect(Build.ipv4(proto: 17, payload: udp, totalLength: total), .raw)
        #expect(p.anomalies.contains(.ipv4TotalLengthTooSmall))
        expectAnomalies(p, [.ipv4TotalLengthTooSmall])
        // The captured bytes stand in for the datagram.
        expectPorts(p, 1111, 2222)
        #expect(p.l5Length == 4)
    }

    @Test func totalLengthBeyondCapture() {
        let p = dissect(Build.ipv4(proto: 17, payload: udp, totalLength: 20 + 12 + 100), .raw)
        expectAnomalies(p, [.ipv4PayloadTruncated])
        #expect(p.ipPayloadLength == 112)
        expectPorts(p, 1111, 2222)
        #expect(p.l5Length == 4)
    }

    @Test func shorterTotalLengthTrimsPayload() {
        // Total length covers UDP header + 2 bytes; the rest is link padding.
        let p = dissect(Build.ipv4(proto: 17, payload: Build.udp(payload: Build.bytes(2)) + [9, 9, 9, 9], totalLength: 30), .raw)
        expectAnomalies(p, [])
        #expect(p.ipPayloadLength == 10 && p.l5Length == 2)
    }

    @Test func badVersion() {
        let p = dissect(Build.ethernet(type: 0x0800) + Build.ipv4(proto: 17, payload: udp, version: 5))
        expectAnomalies(p, [.ipv4BadVersion])
        #expect(!p.hasIP && p.l3Type == 0x0800 && p.l3Offset == 14)
    }

    @Test func fragmentsCarryNoPorts() {
        let first = dissect(Build.ipv4(proto: 17, payload: Build.udp(payload: Build.bytes(16)), id: 77, moreFragments: true), .raw)
        #expect(first.fragment == FragmentInfo(identification: 77, offset: 0, moreFragments: true, payloadOffset: 20, payloadLength: 24))
        #expect(!first.hasPorts)
        expectLayers(first, Layers(l3t: 0x0800, l3l: 20, l4t: 17, l5o: 20, l5l: 24))
        expectAnomalies(first, [])

        let later = dissect(Build.ipv4(proto: 17, payload: Build.bytes(8), id: 77, fragmentOffset: 24), .raw)
        #expect(later.fragment == FragmentInfo(identification: 77, offset: 24, moreFragments: false, payloadOffset: 20, payloadLength: 8))
        #expect(!later.hasPorts)

        // DF alone is not a fragment.
        let df = dissect(Build.ipv4(proto: 17, payload: udp, dontFragment: true), .raw)
        #expect(df.fragment == nil)
        expectPorts(df, 1111, 2222)
    }
}
