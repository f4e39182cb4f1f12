import Dissection
import Sensor
import Testing
import TestSupport

@Suite struct FlowShardTests {
    static let laneCounts = [1, 2, 3, 4, 7, 16]

    @Test(arguments: laneCounts)
    func bothDirectionsMeetV4(lanes: Int) {
        let shard = FlowShard(lanes: lanes)
        var rng = SplitMix64(seed: 0x5eed_0004 &+ UInt64(lanes))
        for _ in 0 ..< 500 {
            let a = randomV4(&rng), b = randomV4(&rng)
            let sport = UInt16.random(in: 1024 ... .max, using: &rng)
            let ab = Build.ethernet(type: 0x0800) + Build.ipv4(src: a, dst: b, proto: 6, payload: Build.tcp(sport: sport, dport: 443))
            let ba = Build.ethernet(type: 0x0800) + Build.ipv4(src: b, dst: a, proto: 6,
                                                               payload: Build.tcp(sport: 443, dport: sport, flags: 0x12))
            let udp = Build.ethernet(type: 0x0800) + Build.ipv4(src: b, dst: a, proto: 17, payload: Build.udp())
            let l = lane(shard, ab)
            #expect(l >= 0 && l < lanes)
            #expect(lane(shard, ba) == l, "\(a) <-> \(b)")
            #expect(lane(shard, udp) == l, "ports and protocol are not hashed")
        }
    }

    @Test(arguments: laneCounts)
    func bothDirectionsMeetV6(lanes: Int) {
        let shard = FlowShard(lanes: lanes)
        var rng = SplitMix64(seed: 0x5eed_0006 &+ UInt64(lanes))
        for _ in 0 ..< 500 {
            let a = randomV6(&rng), b = randomV6(&rng)
            let ab = Build.ethernet(type: 0x86DD) + Build.ipv6(src: a, dst: b, next: 17, payload: Build.udp(sport: 1, dport: 2))
            // The other direction on another link type, behind a VLAN tag on
            // a third: only the addresses count.
            let ba = Build.ipv6(src: b, dst: a, next: 17, payload: Build.udp(sport: 2, dport: 1))
            let tagged = Build.ethernet(type: 0x8100) + Build.vlanTag(id: 7, next: 0x86DD)
                + Build.ipv6(src: b, dst: a, next: 6, payload: Build.tcp())
            let l = lane(shard, ab)
            #expect(lane(shard, ba, .ipv6) == l, "\(a) <-> \(b)")
            #expect(lane(shard, ba, .raw) == l)
            #expect(lane(shard, tagged) == l)
        }
    }

    @Test func hashIsSymmetricAndFixed() {
        var rng = SplitMix64(seed: 42)
        for _ in 0 ..< 1_000 {
            let a = IPAddress(v6High: rng.next(), v6Low: rng.next())
            let b = IPAddress(v4: UInt32(truncatingIfNeeded: rng.next()))
            #expect(FlowShard.symmetricHash(a, b) == FlowShard.symmetricHash(b, a))
        }
        // Pinned values: the hash must not depend on the process (no Hasher
        // seed) or change silently, since every sensor must shard alike.
        #expect(FlowShard.symmetricHash(ip("192.0.2.1"), ip("198.51.100.2")) == Self.pinnedV4)
        #expect(FlowShard.symmetricHash(ip("2001:db8::2"), ip("2001:db8::1")) == Self.pinnedV6)
    }

    static let pinnedV4: UInt64 = 6_345_972_882_111_116_595
    static let pinnedV6: UInt64 = 13_547_116_656_060_042_110

    @Test(arguments: [2, 4, 8])
    func fragmentsOfOneDatagramMeet(lanes: Int) {
        let shard = FlowShard(lanes: lanes)
        var rng = SplitMix64(seed: 0xf7a9 &+ UInt64(lanes))
        for i in 0 ..< 200 {
            let a = randomV4(&rng), b = randomV4(&rng)
            let udp = Build.udp(sport: 5000, dport: 53, payload: Build.bytes(40))
            let id = UInt16(truncatingIfNeeded: i)
            let first = Build.ipv4(src: a, dst: b, proto: 17, payload: Array(udp[0 ..< 24]), id: id, moreFragments: true)
            let middle = Build.ipv4(src: a, dst: b, proto: 17, payload: Array(udp[24 ..< 40]), id: id,
                                    moreFragments: true, fragmentOffset: 24)
            let last = Build.ipv4(src: a, dst: b, proto: 17, payload: Array(udp[40...]), id: id, fragmentOffset: 40)
            let reply = Build.ipv4(src: b, dst: a, proto: 17, payload: Build.udp(sport: 53, dport: 5000))
            let l = lane(shard, reply, .raw)
            for frag in [first, middle, last] { #expect(lane(shard, frag, .raw) == l) }

            let a6 = randomV6(&rng), b6 = randomV6(&rng)
            let tcp = Build.tcp(payload: Build.bytes(40))
            let f1 = Build.ipv6(src: a6, dst: b6, next: 44,
                                payload: Build.ipv6Fragment(next: 6, offset: 0, more: true, id: UInt32(i)) + Array(tcp[0 ..< 32]))
            let f2 = Build.ipv6(src: a6, dst: b6, next: 0,   // behind a hop-by-hop header
                                payload: Build.ipv6Extension(next: 44)
                                    + Build.ipv6Fragment(next: 6, offset: 32, more: false, id: UInt32(i)) + Array(tcp[32...]))
            let back = Build.ipv6(src: b6, dst: a6, next: 6, payload: Build.tcp(sport: 80, dport: 40000, flags: 0x12))
            #expect(dissect(f2, .ipv6).fragment != nil)
            let l6 = lane(shard, back, .ipv6)
            #expect(lane(shard, f1, .ipv6) == l6)
            #expect(lane(shard, f2, .ipv6) == l6)
        }
    }

    @Test(arguments: [2, 4, 8])
    func icmpErrorsGoToTheQuotedFlow(lanes: Int) {
        let shard = FlowShard(lanes: lanes)
        var rng = SplitMix64(seed: 0x1c4b &+ UInt64(lanes))
        var differentFromOuter = 0
        for _ in 0 ..< 300 {
            let client = randomV4(&rng), server = randomV4(&rng), router = randomV4(&rng)
            let original = Build.ipv4(src: client, dst: server, proto: 17, payload: Build.udp(sport: 33000, dport: 33434))
            let flowLane = lane(shard, Build.ethernet(type: 0x0800) + original)
            // Time exceeded and port unreachable, quoting header + 8 bytes.
            for type: UInt8 in [11, 3] {
                let error = Build.ethernet(type: 0x0800)
                    + Build.ipv4(src: router, dst: client, proto: 1, payload: Build.icmp(type: type, payload: Array(original.prefix(28))))
                #expect(dissect(error).icmp?.quoted != nil)
                #expect(lane(shard, error) == flowLane)
                if FlowShard.symmetricHash(ip(router), ip(client)) != FlowShard.symmetricHash(ip(client), ip(server)),
                   shard.lane(for: .addresses(ip(router), ip(client))) != flowLane { differentFromOuter += 1 }
            }
            // An echo request is not an error: it goes by its own addresses.
            let echo = Build.ipv4(src: router, dst: client, proto: 1, payload: Build.echo(type: 8, id: 1, seq: 1))
            #expect(lane(shard, echo, .raw) == shard.lane(for: .addresses(ip(router), ip(client))))

            let c6 = randomV6(&rng), s6 = randomV6(&rng), r6 = randomV6(&rng)
            let original6 = Build.ipv6(src: c6, dst: s6, next: 6, payload: Build.tcp(sport: 40000, dport: 443))
            let flowLane6 = lane(shard, original6, .ipv6)
            for type: UInt8 in [1, 2, 3, 4] {
                let error6 = Build.ipv6(src: r6, dst: c6, next: 58, payload: Build.icmp(type: type, payload: Array(original6.prefix(48))))
                #expect(lane(shard, error6, .ipv6) == flowLane6)
            }
        }
        // The test is not vacuous: often the outer pair alone would differ.
        #expect(differentFromOuter > 100)
    }

    @Test(arguments: [2, 3, 4, 8])
    func distributionIsEven(lanes: Int) {
        let shard = FlowShard(lanes: lanes)
        var rng = SplitMix64(seed: 0xd157 &+ UInt64(lanes))
        let flows = 40_000
        var counts = [Int](repeating: 0, count: lanes)
        for i in 0 ..< flows {
            let key: ShardKey = i % 2 == 0
                ? .addresses(IPAddress(v4: UInt32(truncatingIfNeeded: rng.next())), IPAddress(v4: UInt32(truncatingIfNeeded: rng.next())))
                : .addresses(IPAddress(v6High: rng.next(), v6Low: rng.next()), IPAddress(v6High: rng.next(), v6Low: rng.next()))
            counts[shard.lane(for: key)] += 1
        }
        let expected = Double(flows) / Double(lanes)
        for c in counts { #expect(abs(Double(c) - expected) < expected * 0.05, "\(counts)") }

        // A realistic skew: one /24 of clients talking to a handful of servers.
        var subnet = [Int](repeating: 0, count: lanes)
        for host in 1 ... 254 {
            for server in ["198.51.100.7", "203.0.113.9", "192.0.2.53", "8.8.8.8"] {
                subnet[shard.lane(for: .addresses(ip("10.1.2.\(host)"), ip(server)))] += 1
            }
        }
        let expectedSubnet = Double(254 * 4) / Double(lanes)
        for c in subnet { #expect(abs(Double(c) - expectedSubnet) < expectedSubnet * 0.25, "\(subnet)") }
    }

    @Test func nonIPFramesGoToLaneZero() {
        let shard = FlowShard(lanes: 4)
        #expect(lane(shard, Build.ethernet(type: 0x0806) + Build.bytes(28)) == FlowShard.nonIPLane)
        #expect(lane(shard, Build.ethernet(type: 0x0800) + Build.bytes(10)) == 0, "truncated IPv4 header")
        #expect(lane(shard, [], .ethernet) == 0)
        #expect(lane(shard, Build.bytes(60), LinkType(rawValue: 147)) == 0, "unsupported link type")
    }

    @Test(arguments: [LinkType.ethernet, .raw, .ipv4, .ipv6, .linuxSLL, .linuxSLL2, .null, .loop])
    func randomAndTruncatedBytesNeverCrash(linkType: LinkType) {
        let shard = FlowShard(lanes: 5)
        var rng = SplitMix64(seed: UInt64(linkType.rawValue) &* 7919)
        for _ in 0 ..< 3_000 {
            let count = Int.random(in: 0 ... 200, using: &rng)
            var bytes = (0 ..< count).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            // Bias towards frames that get far: a plausible IP start.
            if count > 20 && rng.next() % 2 == 0 {
                bytes[0] = rng.next() % 2 == 0 ? 0x45 : 0x60
            }
            let l = lane(shard, bytes, linkType)
            #expect(l >= 0 && l < 5)
        }
        // Every prefix of a real ICMP error (quoted packet cut anywhere).
        let quoted = Build.ipv4(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payload: Build.tcp())
        let error = Build.ipv4(src: "10.0.0.9", dst: "10.0.0.1", proto: 1, payload: Build.icmp(type: 3, payload: quoted))
        for n in 0 ... error.count {
            let l = lane(shard, Array(error.prefix(n)), .raw)
            #expect(l >= 0 && l < 5)
        }
    }

    @Test func laneCountBelowOneIsOne() {
        #expect(FlowShard(lanes: 0).laneCount == 1)
        #expect(lane(FlowShard(lanes: -3), Fixtures.tcpSyn, .raw) == 0)
    }
}

/// The short path through `ByteCursor` must agree with the Dissector
/// wherever it answers.
@Suite struct QuickKeyTests {
    func check(_ frame: [UInt8], _ linkType: LinkType, _ shard: FlowShard, answered: inout Int) -> Bool {
        frame.withUnsafeBytes { raw in
            let reference = shard.dissectedKey(for: raw, linkType: linkType, wireLength: frame.count)
            #expect(shard.key(for: raw, linkType: linkType, wireLength: frame.count) == reference)
            guard let quick = FlowShard.quickKey(raw, linkType: linkType) else { return true }
            answered += 1
            return quick == reference
        }
    }

    @Test(.enabled(if: SharedPcaps.directory != nil, "shared captures not found; skipping"))
    func agreesWithTheDissectorOnSharedCaptures() throws {
        let shard = FlowShard(lanes: 4)
        var answered = 0, total = 0
        for path in SharedPcaps.captures {
            for f in try readAll(path).frames {
                total += 1
                #expect(check(f.bytes, f.linkType, shard, answered: &answered), "\(path) frame \(f.number)")
            }
        }
        // Most real frames take the short path.
        #expect(answered * 10 > total * 7, "\(answered) of \(total)")
    }

    @Test func agreesOnBuiltAndRandomFrames() {
        let shard = FlowShard(lanes: 4)
        var answered = 0
        var rng = SplitMix64(seed: 0x9e1c)
        let quoted = Build.ipv4(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payload: Build.udp())
        var frames: [([UInt8], LinkType)] = Fixtures.all.flatMap { c in c.frames.map { ($0, c.linkType) } }
        frames += [
            (Build.ipv4(src: "1.1.1.1", dst: "10.0.0.1", proto: 1, payload: Build.icmp(type: 3, payload: Array(quoted.prefix(28)))), .raw),
            (Build.ipv4(src: "1.1.1.1", dst: "10.0.0.1", proto: 58, payload: Build.icmp(type: 1, payload: Array(quoted.prefix(28)))), .raw),
            (Build.ipv6(next: 1, payload: Build.icmp(type: 3, payload: Array(quoted.prefix(28)))), .ipv6),
            (Build.ethernet(type: 0x8100) + Build.vlanTag(id: 1, next: 0x8100) + Build.vlanTag(id: 2, next: 0x8100)
                + Build.vlanTag(id: 3, next: 0x0800) + Fixtures.udp4, .ethernet),
            (Build.ethernet(type: 0x0800) + [0x44] + Array(Fixtures.udp4.dropFirst()), .ethernet),
            (Build.ethernet(type: 0x86DD) + Array(Fixtures.udp4), .ethernet),
        ]
        for (frame, linkType) in frames {
            for n in 0 ... frame.count {
                #expect(check(Array(frame.prefix(n)), linkType, shard, answered: &answered), "\(linkType) prefix \(n)")
            }
            // Single-byte damage anywhere.
            for _ in 0 ..< 50 {
                var damaged = frame
                damaged[Int.random(in: 0 ..< frame.count, using: &rng)] = UInt8.random(in: 0 ... 255, using: &rng)
                #expect(check(damaged, linkType, shard, answered: &answered))
            }
        }
        #expect(answered > 200, "the short path is exercised")
    }
}
