import Capture
import Foundation
import TestSupport

/// A capture big enough that killing a service mid-ingest lands mid-way:
/// `flows` TCP and UDP conversations interleaved over `seconds` of packet
/// time, both directions, some fragmented UDP datagrams.
enum SyntheticCapture {
    static func write(to path: String, flows: Int = 2_000, packetsPerFlow: Int = 40, seconds: Int = 120) throws {
        var writer = PcapWriter(linkType: .ethernet)
        var rng = SplitMix64(seed: 0xC0FFEE)
        let total = flows * packetsPerFlow
        let start: Int64 = 1_700_000_000_000_000_000
        let step = Int64(seconds) * 1_000_000_000 / Int64(total)
        for i in 0 ..< total {
            let flow = Int(rng.next() % UInt64(flows))
            let forward = rng.next() % 2 == 0
            let a = "10.\(flow / 250).\(flow % 250).1"
            let b = "172.16.\(flow % 200).\(flow / 200 + 1)"
            let (src, dst) = forward ? (a, b) : (b, a)
            let sport: UInt16 = forward ? UInt16(30_000 + flow % 30_000) : 443
            let dport: UInt16 = forward ? 443 : UInt16(30_000 + flow % 30_000)
            let ip: [UInt8]
            if flow % 3 == 0 {
                ip = Build.ipv4(src: src, dst: dst, proto: 17,
                                payload: Build.udp(sport: sport, dport: dport, payload: Build.bytes(Int(rng.next() % 300))))
            } else {
                ip = Build.ipv4(src: src, dst: dst, proto: 6,
                                payload: Build.tcp(sport: sport, dport: dport, seq: UInt32(i), flags: 0x18,
                                                   payload: Build.bytes(Int(rng.next() % 1_200))))
            }
            writer.append(timestamp: start + Int64(i) * step, frame: Build.ethernet(type: 0x0800) + ip)
        }
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
    }
}

extension SyntheticCapture {
    /// `days` UDP packets, one a day from 2010-01-01 (out of order in
    /// places: every tenth swapped with its neighbour), between 20 address
    /// pairs — a capture whose rows span years.
    static func writeSpanningDays(to path: String, days: Int) throws {
        var writer = PcapWriter(linkType: .ethernet)
        let start: Int64 = 1_262_304_000_000_000_000   // 2010-01-01
        let day: Int64 = 86_400_000_000_000
        for i in 0 ..< days {
            let slot = i % 10 == 9 ? i - 1 : (i % 10 == 8 && i + 1 < days ? i + 1 : i)
            let pair = i % 20
            let ip = Build.ipv4(src: "10.9.\(pair).1", dst: "10.8.\(pair).2", proto: 17,
                                payload: Build.udp(sport: UInt16(40_000 + pair), dport: 5_000, payload: Build.bytes(32)))
            writer.append(timestamp: start + Int64(slot) * day + 1_000, frame: Build.ethernet(type: 0x0800) + ip)
        }
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
    }
}
