import Dissection

/// Chooses the decoder lane (0..<laneCount) for a captured frame, so that
/// everything one decoder needs to see together meets there:
///
/// - IP frames go by a **symmetric** hash of the unordered address pair
///   (outer IP header, after VLAN tags and MPLS labels): both directions
///   of a flow, and every fragment of a datagram (they share the pair; only
///   the first carries ports), land in one lane. Ports are deliberately not
///   hashed, since non-first fragments have none.
/// - ICMP and ICMPv6 errors (unreachable, time exceeded, …) go by the
///   address pair of the packet they quote, so an error meets the flow it
///   reports on. A *fragmented* ICMP error cannot be read before
///   reassembly; its fragments stay together by the outer pair.
/// - Frames without a readable IP header (ARP, LLDP, STP, malformed or
///   truncated IP, unsupported link types) go to lane 0: they carry no flow
///   to keep together and are few; a fixed lane keeps them in capture order.
///
/// The hash is a fixed function of the address bytes (no per-process seed,
/// unlike Swift's `Hasher`), so every sensor process and every run shards
/// the same way.
///
/// Addresses are read by a short path through `ByteCursor` for the common
/// case (Ethernet with up to two VLAN tags, raw IP; IPv4 that is not ICMP;
/// IPv6 whose next header is neither ICMPv6 nor an extension header) and by
/// the `Dissector` — the reading the decoder itself makes — for everything
/// else. The short path answers only where it agrees with the Dissector
/// (`QuickKeyTests` hold it to that over every shared capture, every prefix
/// of built frames and random damage); both are bounds-checked and never
/// trap. Measured on the benchmark capture: ~30 ns a frame against ~65 ns
/// through the Dissector (docs/BENCHMARKS.md).
public struct FlowShard: Sendable {
    public let laneCount: Int
    /// The lane for frames without an IP address pair.
    public static let nonIPLane = 0
    /// Default limits, the decoder's: the short path assumes them.
    private let dissector = Dissector()

    /// `lanes` below 1 is treated as 1.
    public init(lanes: Int) {
        laneCount = Swift.max(1, lanes)
    }

    /// The lane for one captured frame.
    public func lane(for frame: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int) -> Int {
        lane(for: key(for: frame, linkType: linkType, wireLength: wireLength))
    }

    /// What a captured frame is sharded by.
    public func key(for frame: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int) -> ShardKey {
        if let key = Self.quickKey(frame, linkType: linkType) { return key }
        return key(for: dissector.dissect(frame, linkType: linkType, wireLength: wireLength))
    }

    /// The key through the Dissector alone (the reference for `quickKey`).
    public func dissectedKey(for frame: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int) -> ShardKey {
        key(for: dissector.dissect(frame, linkType: linkType, wireLength: wireLength))
    }

    /// VLAN tags the short path steps over; deeper stacks go to the Dissector.
    static let quickVLANTags = 2

    /// The short path: nil whenever the answer needs more than reading two
    /// addresses at a fixed place (ICMP, IPv6 extension headers, MPLS,
    /// other link types, anything short or odd).
    public static func quickKey(_ frame: UnsafeRawBufferPointer, linkType: LinkType) -> ShardKey? {
        // Literal values, not `LinkType.ethernet` / `EtherType.ipv4`: those are
        // globals of another module, and reading them costs a call each.
        var c = ByteCursor(frame)
        var version: UInt8
        switch linkType.rawValue {
        case 1:  // Ethernet
            guard c.skip(12), var type = c.readUInt16() else { return nil }
            var tags = 0
            while type == 0x8100 || type == 0x88A8 || type == 0x9100 {  // 802.1Q, 802.1ad, old QinQ
                tags += 1
                guard tags <= quickVLANTags, c.skip(2), let next = c.readUInt16() else { return nil }
                type = next
            }
            switch type {
            case 0x0800: version = 4
            case 0x86DD: version = 6
            default: return nil
            }
        case 101:  // raw IP
            guard let first = c.peekUInt8() else { return nil }
            version = first >> 4
        case 228: version = 4
        case 229: version = 6
        default: return nil
        }
        guard let first = c.peekUInt8(), first >> 4 == version else { return nil }
        if version == 4 {
            // Not ICMP (1) nor ICMPv6 (58): the Dissector reads either over
            // IPv4 and would shard an error by the quoted pair.
            guard c.has(20), first & 0x0f >= 5,
                  let proto = c.peekUInt8(at: 9), proto != 1, proto != 58,
                  let source = c.peekUInt32(at: 12), let destination = c.peekUInt32(at: 16) else { return nil }
            return .addresses(IPAddress(v4: source), IPAddress(v4: destination))
        }
        guard version == 6, c.has(40), let next = c.peekUInt8(at: 6) else { return nil }
        switch next {
        case 6, 17, 132, 50, 47, 59:  // TCP, UDP, SCTP, ESP, GRE, no next header
            guard let sh = c.peekUInt64(at: 8), let sl = c.peekUInt64(at: 16),
                  let dh = c.peekUInt64(at: 24), let dl = c.peekUInt64(at: 32) else { return nil }
            return .addresses(IPAddress(v6High: sh, v6Low: sl), IPAddress(v6High: dh, v6Low: dl))
        default:  // ICMP, ICMPv6, extension headers, others: the Dissector decides
            return nil
        }
    }

    /// The lane for a key.
    @inline(__always)
    public func lane(for key: ShardKey) -> Int {
        switch key {
        case .nonIP: return Self.nonIPLane
        case .addresses(let a, let b): return Self.reduce(Self.symmetricHash(a, b), into: laneCount)
        }
    }

    /// What a dissected frame is sharded by.
    public func key(for packet: DecodedPacket) -> ShardKey {
        if let quoted = packet.icmp?.quoted {
            return .addresses(quoted.source, quoted.destination)
        }
        guard packet.hasIP else { return .nonIP }
        return .addresses(packet.source, packet.destination)
    }

    /// A 64-bit hash of the unordered pair {a, b}: each address is hashed
    /// on its own (its two words and family, mixed with fixed constants),
    /// and the two are combined by sum and xor, which do not depend on the
    /// order — no comparison, so no branch to mispredict. Stable across
    /// processes, runs and platforms.
    @inline(__always)
    public static func symmetricHash(_ a: IPAddress, _ b: IPAddress) -> UInt64 {
        let ha = addressHash(a), hb = addressHash(b)
        return mix((ha &+ hb) ^ mix(ha ^ hb))
    }

    @inline(__always)
    static func addressHash(_ a: IPAddress) -> UInt64 {
        mix(mix(a.high ^ (a.isIPv6 ? 0x6A09_E667_F3BC_C908 : 0xBB67_AE85_84CA_A73B)) ^ a.low)
    }

    /// One round of a multiply–xorshift mixer (the finaliser of
    /// SplitMix64 / MurmurHash3): every input bit affects every output bit.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Maps a 64-bit hash onto 0..<n by its high bits (multiply-shift), which
    /// is cheaper than `%` and as even.
    @inline(__always)
    static func reduce(_ hash: UInt64, into n: Int) -> Int {
        Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(n)).high)
    }
}

/// What a frame is sharded by.
public enum ShardKey: Hashable, Sendable {
    /// The unordered address pair of the flow the frame belongs to.
    case addresses(IPAddress, IPAddress)
    /// No IP address pair could be read.
    case nonIP
}
