import Capture
import CaptureDecoding
import Dissection
import Flows
import TestSupport
import Testing

/// Mutated fragment streams through the whole decoder: the fragment slice,
/// reassembly and flow accounting never trap, and every frame is delivered.
@Suite struct DecoderRobustnessTests {
    /// SplitMix64: a fixed, dependency-free sequence so runs repeat exactly.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    @Test func mutatedFragmentStreams() {
        let udp = Build.udp(sport: 1, dport: 2, payload: Build.bytes(200))
        let base: [[UInt8]] = [
            Build.ethernet(type: 0x0800) + Build.ipv4(proto: 17, payload: Array(udp[0..<104]), id: 9, moreFragments: true),
            Build.ethernet(type: 0x0800) + Build.ipv4(proto: 17, payload: Array(udp[104...]), id: 9, fragmentOffset: 104),
            Build.ethernet(type: 0x86DD) + Build.ipv6(next: 44, payload: Build.ipv6Fragment(next: 17, offset: 0, more: true, id: 4) + Array(udp[0..<104])),
            Build.ethernet(type: 0x86DD) + Build.ipv6(next: 44, payload: Build.ipv6Fragment(next: 17, offset: 104, more: false, id: 4) + Array(udp[104...])),
            Build.ethernet(type: 0x0800) + Fixtures.tcpSyn,
        ]
        var rng = SplitMix(state: 2024)
        var config = DecoderConfig()
        config.fragments.maxDatagrams = 4
        config.fragments.maxFragments = 6
        config.fragments.timeout = 3_000_000_000
        for round in 0..<300 {
            var frames: [(time: Int64, bytes: [UInt8])] = []
            for i in 0..<(4 + rng.below(12)) {
                var f = base[rng.below(base.count)]
                for _ in 0..<rng.below(4) {
                    let at = rng.below(f.count)
                    switch rng.below(3) {
                    case 0: f[at] ^= UInt8(1 << rng.below(8))
                    case 1: f = Array(f.prefix(at))
                    default: f[at] = [0, 0xff, 0x20, 0x40][rng.below(4)]
                    }
                    if f.isEmpty { break }
                }
                frames.append((Int64(i) * 1_000_000_000, f))
            }
            let (sink, decoder) = decodeFrames(frames, linkType: .ethernet, config: config)
            #expect(sink.packets.count == frames.count, "round \(round)")
            #expect(decoder.stats.frames == UInt64(frames.count), "round \(round)")
            #expect(decoder.fragments.pendingCount == 0, "finish abandons everything held")
            // Every IP frame ends up in exactly one final flow report.
            let counted = sink.flows.filter(\.final).reduce(UInt64(0)) { $0 + $1.source.packets + $1.destination.packets }
            let ipFrames = sink.packets.filter { $0.packet.hasIP }.count
            #expect(counted == UInt64(ipFrames), "round \(round): \(counted) counted, \(ipFrames) IP frames")
        }
    }

    @Test func fragmentTableFullThroughDecoder() throws {
        var config = DecoderConfig()
        config.fragments.maxDatagrams = 1
        let a = Build.ethernet(type: 0x0800) + Build.ipv4(proto: 17, payload: Build.bytes(16), id: 1, moreFragments: true)
        let b = Build.ethernet(type: 0x0800) + Build.ipv4(proto: 17, payload: Build.bytes(16), id: 2, moreFragments: true)
        let (sink, decoder) = decodeFrames([(0, a), (1, b)], linkType: .ethernet, config: config)
        #expect(names(sink.packets[1].packet.anomalies) == ["fragment_table_full"])
        #expect(sink.packets[1].flow != nil)
        #expect(decoder.stats.fragmentsAbandoned == 2)
        let flow = try #require(sink.flows.first)
        #expect(sink.flows.count == 1 && flow.source.packets == 2)
    }
}
