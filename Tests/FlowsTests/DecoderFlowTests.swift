import Capture
import CaptureDecoding
import Dissection
import Flows
import TestSupport
import Testing

/// Flows as CaptureDecoder builds them from whole frames.
@Suite struct DecoderFlowTests {
    @Test func vlanTagsSeparateOtherwiseEqualFlows() {
        func tagged(_ id: UInt16, _ ip: [UInt8]) -> [UInt8] {
            Build.ethernet(type: 0x8100) + Build.vlanTag(id: id, next: 0x0800) + ip
        }
        let frames = [tagged(10, Fixtures.tcpSyn), tagged(20, Fixtures.tcpSyn), tagged(10, Fixtures.tcpSynAck),
                      tagged(20, Fixtures.tcpSynAck)]
        let (sink, _) = decodeFrames(frames.enumerated().map { (Int64($0.offset), $0.element) }, linkType: .ethernet)
        let ids = sink.packets.compactMap { $0.flow?.id }
        #expect(ids.count == 4)
        #expect(ids[0] == ids[2] && ids[1] == ids[3] && ids[0] != ids[1])
        #expect(sink.flows.count == 2)
        #expect(Set(sink.flows.map { $0.vlans.ids }) == [[10], [20]])
        #expect(sink.flows.allSatisfy { $0.source.packets == 1 && $0.destination.packets == 1 })
        #expect(sink.flows.allSatisfy { $0.tuple.source == ip("192.0.2.1") && $0.tuple.sourcePort == 40000 })
    }

    /// One connection on 192.0.2.1:40000 → 198.51.100.2:80: handshake, one
    /// segment of data, and its close (`close` the flags each side closes with).
    static func connection(isn: UInt32, close: (client: UInt16, server: UInt16)) -> [[UInt8]] {
        func segment(_ fromClient: Bool, seq: UInt32, ack: UInt32, flags: UInt16, _ payload: String = "") -> [UInt8] {
            let tcp = Build.tcp(sport: fromClient ? 40000 : 80, dport: fromClient ? 80 : 40000, seq: seq, ack: ack,
                                flags: flags, payload: Array(payload.utf8))
            return Build.ipv4(src: fromClient ? "192.0.2.1" : "198.51.100.2", dst: fromClient ? "198.51.100.2" : "192.0.2.1",
                              proto: 6, payload: tcp)
        }
        let server: UInt32 = 7_000
        return [segment(true, seq: isn, ack: 0, flags: TCPInfo.syn),
                segment(false, seq: server, ack: isn + 1, flags: TCPInfo.syn | TCPInfo.ack),
                segment(true, seq: isn + 1, ack: server + 1, flags: TCPInfo.ack, "GET / HTTP/1.1\r\n\r\n"),
                segment(true, seq: isn + 19, ack: server + 1, flags: close.client | TCPInfo.ack),
                segment(false, seq: server + 1, ack: isn + 20, flags: close.server | TCPInfo.ack)]
    }

    @Test("A SYN on a 5-tuple whose connection ended (FIN or RST) starts a new flow; the old one ends")
    func reusedTupleStartsNewFlow() throws {
        for close in [(client: TCPInfo.fin, server: TCPInfo.fin), (client: 0, server: TCPInfo.rst)] {
            let frames = Self.connection(isn: 1_000, close: close) + Self.connection(isn: 90_000, close: close)
            let (sink, decoder) = decodeFrames(frames.enumerated().map { (Int64($0.offset) * 1_000, $0.element) },
                                               linkType: .raw)
            let ids = sink.packets.compactMap { $0.flow?.id }
            #expect(ids.count == 10)
            #expect(Set(ids[..<5]).count == 1 && Set(ids[5...]).count == 1 && ids[0] != ids[5])
            #expect(sink.packets[5].flow?.fromInitiator == true)
            // The old flow's final report comes before the new SYN is delivered.
            #expect(sink.flows.count == 2 && sink.flows.allSatisfy { $0.final && $0.reason == .end })
            let first = try #require(sink.flows.first), second = try #require(sink.flows.last)
            #expect(first.id == ids[0] && first.firstFrame == 1 && first.source.packets == 3 && first.destination.packets == 2)
            #expect(second.id == ids[5] && second.firstFrame == 6 && second.source.packets == 3)
            #expect(decoder.flows.counters.created == 2 && decoder.flows.counters.reused == 1)
        }
    }

    @Test("A SYN repeating the flow's opening SYN after a RST, or a SYN before any close, stays in the flow")
    func retransmittedSynStays() {
        let open = Self.connection(isn: 1_000, close: (client: 0, server: TCPInfo.rst))
        // The refused SYN again (same ISN), then a SYN with another ISN on a connection that never closed.
        let frames = open + [open[0]]
        let (sink, _) = decodeFrames(frames.enumerated().map { (Int64($0.offset), $0.element) }, linkType: .raw)
        #expect(Set(sink.packets.compactMap { $0.flow?.id }).count == 1)
        let live = Array(open.prefix(3)) + [Self.connection(isn: 5_000, close: (0, 0))[0]]
        let (again, _) = decodeFrames(live.enumerated().map { (Int64($0.offset), $0.element) }, linkType: .raw)
        #expect(Set(again.packets.compactMap { $0.flow?.id }).count == 1 && again.flows.count == 1)
    }

    @Test func icmpEchoPairsAndErrorsStandAlone() throws {
        let request = Build.ipv4(src: "10.0.0.1", dst: "10.0.0.2", proto: 1, payload: Build.echo(type: 8, id: 5, seq: 1))
        let reply = Build.ipv4(src: "10.0.0.2", dst: "10.0.0.1", proto: 1, payload: Build.echo(type: 0, id: 5, seq: 1))
        let error = Build.ipv4(src: "10.0.0.2", dst: "10.0.0.1", proto: 1,
                               payload: Build.icmp(type: 11, payload: Array(Fixtures.udp4.prefix(28))))
        let (sink, _) = decodeFrames([(1, request), (2, reply), (3, error)], linkType: .raw)
        #expect(sink.packets[0].flow?.id == sink.packets[1].flow?.id)
        #expect(sink.packets[1].flow?.fromInitiator == false)
        #expect(sink.packets[2].flow?.id != sink.packets[0].flow?.id)
        #expect(sink.flows.count == 2)
        let echo = try #require(sink.flows.first { $0.tuple.sourcePort == 8 })
        #expect(echo.tuple.source == ip("10.0.0.1") && echo.tuple.destinationPort == 0)
        #expect(echo.source.packets == 1 && echo.destination.packets == 1)
    }

    @Test func nonIPFramesAreDeliveredButNotCounted() {
        let (sink, decoder) = decodeFrames([(1, Build.ethernet(type: 0x0806) + Build.bytes(28)),
                                            (2, Build.bytes(5))], linkType: .ethernet)
        #expect(sink.packets.count == 2 && sink.packets.allSatisfy { $0.flow == nil })
        #expect(sink.flows.isEmpty)
        #expect(decoder.stats.frames == 2 && decoder.stats.count(of: .linkHeaderTruncated) == 1)
        #expect(decoder.stats.framesWithAnomalies == 1)
    }
}
