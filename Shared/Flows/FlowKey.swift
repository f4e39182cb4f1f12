import Dissection

/// A flow's identity inside one capture's table: the VLAN stack and the
/// canonically ordered 5-tuple (one-way ICMP keeps its orientation).
public struct FlowKey: Hashable, Sendable {
    public var tuple: FlowTuple
    public var vlans: VLANStack

    /// The canonical key, and whether the packet travelled from its first
    /// endpoint to its second.
    public static func canonical(_ tuple: FlowTuple, vlans: VLANStack) -> (key: FlowKey, forward: Bool) {
        tuple.isCanonicalOrder
            ? (FlowKey(tuple: tuple, vlans: vlans), true)
            : (FlowKey(tuple: tuple.reversed, vlans: vlans), false)
    }

    /// Folds the key into one word first: one `combine` call instead of six
    /// on the per-packet lookup.
    public func hash(into hasher: inout Hasher) {
        var h = tuple.source.high &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ tuple.source.low) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ tuple.destination.high) &* 0x94D0_49BB_1331_11EB
        h = (h ^ tuple.destination.low) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ (UInt64(tuple.sourcePort) << 32 | UInt64(tuple.destinationPort) << 16 | UInt64(tuple.protocolNumber)))
            &* 0xBF58_476D_1CE4_E5B9
        h ^= vlans.packed
        hasher.combine(h)
    }

    /// A deterministic 64-bit id (FNV-1a) of the capture, the flow's first
    /// frame and its key: stable across reports and processes.
    public func id(capture: UInt64, firstFrame: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ v: UInt64) {
            var v = v
            for _ in 0..<8 {
                h ^= v & 0xff
                h = h &* 0x0000_0100_0000_01b3
                v >>= 8
            }
        }
        mix(capture); mix(firstFrame)
        mix(tuple.source.high); mix(tuple.source.low); mix(tuple.source.isIPv6 ? 1 : 0)
        mix(tuple.destination.high); mix(tuple.destination.low)
        mix(UInt64(tuple.sourcePort) << 32 | UInt64(tuple.destinationPort) << 16 | UInt64(tuple.protocolNumber))
        mix(vlans.packed | UInt64(vlans.count))
        return h
    }
}
