import Capture
import CaptureDecoding
import Dissection
import Flows
import Foundation
import TestSupport
import Testing

/// Fixtures for the link types the shared captures lack, written with
/// PcapWriter, read back through libpcap and decoded.
@Suite struct CaptureFixtureTests {
    static let base: Int64 = 1_700_000_000_123_456_789

    @Test(arguments: [Fixtures.sll, Fixtures.sll2, Fixtures.raw6, Fixtures.null])
    func roundTripAndDecode(fixture: Fixtures.Capture) throws {
        var writer = PcapWriter(linkType: fixture.linkType, snapshotLength: 65535)
        let times = fixture.frames.indices.map { Self.base + Int64($0) * 1_000_001 }
        let last = fixture.frames.count - 1
        for (i, frame) in fixture.frames.enumerated() {
            // The last frame is written cut short of its wire length.
            writer.append(timestamp: times[i], frame: frame, wireLength: i == last ? frame.count + 100 : nil)
        }
        let path = temporaryPath(fixture.name)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))

        let reader = try PcapFileReader(path: path)
        #expect(reader.linkType == fixture.linkType)
        #expect(reader.snapshotLength == 65535)
        var decoder = CaptureDecoder()
        var sink = RecordingSink()
        var read = 0
        loop: while true {
            switch reader.next() {
            case .frame(let frame):
                let i = read
                read += 1
                #expect(frame.number == UInt64(i + 1))
                #expect(frame.timestamp == times[i], "nanoseconds preserved")
                #expect(frame.linkType == fixture.linkType)
                #expect(Array(frame.bytes) == fixture.frames[i])
                #expect(frame.capturedLength == fixture.frames[i].count)
                #expect(frame.wireLength == fixture.frames[i].count + (i == last ? 100 : 0))
                decoder.decode(frame, into: &sink)
            case .end: break loop
            case .failed(let error): Issue.record("\(error)"); break loop
            }
        }
        decoder.finish(into: &sink)
        #expect(read == fixture.frames.count)
        #expect(sink.packets.map(\.number) == (1...UInt64(fixture.frames.count)).map { $0 })
        for (i, d) in sink.packets.enumerated() {
            let direct = dissect(fixture.frames[i], fixture.linkType)
            #expect(d.packet.linkType == fixture.linkType)
            #expect(d.packet.capturedLength == Int32(fixture.frames[i].count))
            #expect(names(d.packet.anomalies) == (i == last ? ["snaplen_truncated"] : []))
            #expect(d.packet.ipVersion == direct.ipVersion && d.packet.source == direct.source)
            #expect(d.packet.l2Length == direct.l2Length && d.packet.l4Type == direct.l4Type)
            #expect((d.flow != nil) == direct.hasIP, "IP frames, and only they, are counted into flows")
        }
        #expect(decoder.stats.frames == UInt64(fixture.frames.count))
        #expect(decoder.stats.count(of: .snaplenTruncated) == 1)
        let totalPackets = sink.flows.filter(\.final).reduce(0) { $0 + $1.source.packets + $1.destination.packets }
        let ipFrames = fixture.frames.filter { dissect($0, fixture.linkType).hasIP }.count
        #expect(ipFrames >= fixture.frames.count - 1)
        #expect(totalPackets == UInt64(ipFrames))
    }

    @Test func sllFixtureFlowsAndPorts() throws {
        let (sink, _) = decodeFrames(Fixtures.sll.frames.enumerated().map { (Int64($0.offset) * 1000, $0.element) }, linkType: .linuxSLL)
        // SYN and SYN-ACK share a flow; the VLAN-tagged UDP and the IPv6 UDP are their own.
        #expect(sink.packets[0].flow?.id == sink.packets[1].flow?.id)
        #expect(sink.packets[0].flow?.fromInitiator == true && sink.packets[1].flow?.fromInitiator == false)
        #expect(sink.packets[3].packet.vlans.ids == [12])
        #expect(sink.packets[4].flow == nil && sink.packets[4].packet.l3Type == 0x0806)
        let tcp = try #require(sink.flows.first { $0.tuple.protocolNumber == 6 })
        #expect(tcp.tuple.source == ip("192.0.2.1") && tcp.tuple.sourcePort == 40000 && tcp.tuple.destinationPort == 80)
        #expect(tcp.source.packets == 1 && tcp.destination.packets == 1)
        #expect(tcp.source.tcpFlags == TCPInfo.syn && tcp.destination.tcpFlags == TCPInfo.syn | TCPInfo.ack)
        #expect(sink.flows.count == 3)
    }

    @Test func truncatedFileDeliversEarlierFrames() throws {
        var writer = PcapWriter(linkType: .ipv6)
        writer.append(timestamp: 5, frame: Fixtures.udp6)
        writer.append(timestamp: 6, frame: Fixtures.tcp6)
        let cut = Array(writer.bytes.dropLast(10))
        let path = temporaryPath("cut")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(cut).write(to: URL(fileURLWithPath: path))
        let reader = try PcapFileReader(path: path)
        guard case .frame(let f) = reader.next() else { Issue.record("first frame"); return }
        #expect(f.number == 1 && f.timestamp == 5)
        if case .frame = reader.next() { Issue.record("a cut record must not be delivered") }
    }
}
