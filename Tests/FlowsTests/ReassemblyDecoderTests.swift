import Capture
import CaptureDecoding
import Dissection
import Flows
import TestSupport
import Testing

/// Fragmented datagrams through CaptureDecoder.
@Suite struct ReassemblyDecoderTests {
    static let udp = Build.udp(sport: 4444, dport: 53, payload: Build.bytes(1000))   // 1008 bytes

    static func v4Fragment(_ range: Range<Int>, last: Bool, id: UInt16 = 0x5151, bytes: [UInt8] = udp) -> [UInt8] {
        Build.ethernet(type: 0x0800) + Build.ipv4(src: "10.9.8.7", dst: "10.1.2.3", proto: 17, payload: Array(bytes[range]),
                                                  id: id, moreFragments: !last, fragmentOffset: range.lowerBound)
    }

    static func v6Fragment(_ range: Range<Int>, last: Bool, id: UInt32 = 0xfeed) -> [UInt8] {
        Build.ethernet(type: 0x86DD) + Build.ipv6(src: "2001:db8::7", dst: "2001:db8::3", next: 44,
                                                  payload: Build.ipv6Fragment(next: 17, offset: range.lowerBound, more: !last, id: id)
                                                  + Array(udp[range]))
    }

    func check(_ frames: [[UInt8]], order: [Int]) throws {
        let (sink, decoder) = decodeFrames(order.enumerated().map { (Int64($0.offset) * 1_000_000, frames[$0.element]) },
                                           linkType: .ethernet)
        #expect(sink.packets.count == frames.count)
        for d in sink.packets.dropLast() {
            #expect(d.flow == nil && d.reassembled == nil && !d.packet.hasPorts)
        }
        let done = try #require(sink.packets.last)
        #expect(done.reassembled?.map(\.frame) == (1...UInt64(frames.count)).map { $0 })
        #expect(done.flow != nil)
        #expect(done.packet.hasPorts && done.packet.sourcePort == 4444 && done.packet.destinationPort == 53)
        #expect(names(done.packet.anomalies) == [])
        #expect(decoder.stats.fragmentsReassembled == 1)
        let flow = try #require(sink.flows.first)
        #expect(sink.flows.count == 1 && flow.reason == .end)
        #expect(flow.tuple.hasPorts && flow.tuple.sourcePort == 4444)
        #expect(flow.source.packets == UInt64(frames.count))
        #expect(flow.source.capturedBytes == UInt64(frames.reduce(0) { $0 + $1.count }))
        #expect(flow.firstFrame == 1)
    }

    @Test(arguments: [[0, 1, 2], [2, 0, 1], [1, 2, 0]])
    func ipv4(order: [Int]) throws {
        try check([Self.v4Fragment(0..<400, last: false), Self.v4Fragment(400..<800, last: false),
                   Self.v4Fragment(800..<1008, last: true)], order: order)
    }

    @Test(arguments: [[0, 1, 2], [2, 1, 0]])
    func ipv6(order: [Int]) throws {
        try check([Self.v6Fragment(0..<512, last: false), Self.v6Fragment(512..<1000, last: false),
                   Self.v6Fragment(1000..<1008, last: true)], order: order)
    }

    @Test func conflictingOverlapIsReportedOnTheCompletingFrame() throws {
        var forged = Self.udp
        for i in 300..<400 { forged[i] ^= 0xff }
        let frames = [Self.v4Fragment(0..<400, last: false), Self.v4Fragment(296..<704, last: false, bytes: forged),
                      Self.v4Fragment(704..<1008, last: true)]
        let (sink, _) = decodeFrames(frames.map { (0, $0) }, linkType: .ethernet)
        let done = try #require(sink.packets.last)
        #expect(names(done.packet.anomalies) == ["fragment_overlap", "fragment_overlap_conflict"])
        #expect(done.packet.sourcePort == 4444)
    }

    @Test func missingPieceIsCountedAtFinish() throws {
        let frames = [Self.v4Fragment(0..<400, last: false), Self.v4Fragment(800..<1008, last: true)]
        let (sink, decoder) = decodeFrames(frames.map { (0, $0) }, linkType: .ethernet)
        #expect(sink.packets.allSatisfy { $0.flow == nil })
        #expect(decoder.stats.fragmentsAbandoned == 1 && decoder.stats.count(of: .fragmentIncomplete) == 1)
        let flow = try #require(sink.flows.first)
        #expect(sink.flows.count == 1)
        #expect(!flow.tuple.hasPorts && flow.tuple.protocolNumber == 17)
        #expect(flow.tuple.source == ip("10.9.8.7"))
        #expect(flow.source.packets == 2)
    }

    @Test func incompleteDatagramExpiresByPacketTime() throws {
        var config = DecoderConfig()
        config.fragments.timeout = 2_000_000_000
        let other = Build.ethernet(type: 0x0800) + Fixtures.udp4
        let (sink, decoder) = decodeFrames([(0, Self.v4Fragment(0..<400, last: false)), (1_000_000_000, other),
                                            (5_000_000_000, other)], linkType: .ethernet, config: config)
        #expect(decoder.stats.fragmentsAbandoned == 1)
        #expect(decoder.fragments.pendingCount == 0)
        #expect(decoder.fragments.counters.expired == 1)
        let fragFlow = try #require(sink.flows.first { $0.tuple.source == ip("10.9.8.7") })
        #expect(fragFlow.source.packets == 1)
    }

    @Test func rejectedDatagramStillCountsItsFrames() throws {
        var config = DecoderConfig()
        config.fragments.maxFragments = 2
        let frames = [Self.v4Fragment(0..<200, last: false), Self.v4Fragment(200..<400, last: false),
                      Self.v4Fragment(400..<600, last: false)]
        let (sink, decoder) = decodeFrames(frames.map { (0, $0) }, linkType: .ethernet, config: config)
        let last = try #require(sink.packets.last)
        #expect(names(last.packet.anomalies) == ["fragment_too_many"])
        #expect(last.flow != nil)
        #expect(decoder.stats.fragmentsAbandoned == 1)
        #expect(sink.flows.first?.source.packets == 3)
    }
}
