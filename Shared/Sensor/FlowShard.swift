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
/// the same way. Addresses are read with the `Dissector` — the same reading
/// the decoder will make — which never traps on any input.
public struct FlowShard: Sendable {
    public let laneCount: Int
    /// The lane for frames without an IP address pair.
    public static let nonIPLane = 0
    private let dissector: Dissector

    /// `lanes` below 1 is treated as 1.
    public init(lanes: Int, dissector: Dissector = Dissector()) {
        laneCount = Swift.max(1, lanes)
        self.dissector = dissector
    }

    /// The lane for one captured frame.
    public func lane(for frame: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int) -> Int {
        lane(for: key(for: dissector.dissect(frame, linkType: linkType, wireLength: wireLength)))
    }

    /// The lane for a key.
    public func lane(for key: ShardKey) -> Int {
        switch key {
        case .nonIP: return Self.nonIPLane
        case .addresses(let a, let b): return Self.reduce(Self.symmetricHash(a, b), into: laneCount)
        }
    }

    /// What a dissected frame is sharded by.
    public func key(for packet: DecodedPacket) -> ShardKey {
        if let quoted = packet.icmp?.quoted, quoted.source.isIPv6 == quoted.destination.isIPv6 {
            return .addresses(quoted.source, quoted.destination)
        }
        guard packet.hasIP else { return .nonIP }
        return .addresses(packet.source, packet.destination)
    }

    /// A 64-bit hash of the unordered pair {a, b}: the two addresses are put
    /// in a canonical order (lower first), then their words are mixed with
    /// fixed constants. Stable across processes, runs and platforms.
    public static func symmetricHash(_ a: IPAddress, _ b: IPAddress) -> UInt64 {
        let (lo, hi) = b < a ? (b, a) : (a, b)
        var h: UInt64 = lo.isIPv6 ? 0x6A09_E667_F3BC_C908 : 0xBB67_AE85_84CA_A73B
        h = mix(h ^ lo.high)
        h = mix(h ^ lo.low)
        h = mix(h ^ hi.high)
        h = mix(h ^ hi.low)
        return h
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
