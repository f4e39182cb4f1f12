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
