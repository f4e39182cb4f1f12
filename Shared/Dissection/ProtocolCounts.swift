/// Per-protocol packet counts as capture totals keep them: one rule for the
/// decoder's statistics and storage's capture rows.
public struct ProtocolCounts: Sendable, Hashable {
    public var ipv4: UInt64 = 0
    public var ipv6: UInt64 = 0
    public var tcp: UInt64 = 0
    public var udp: UInt64 = 0
    /// ICMP and ICMPv6.
    public var icmp: UInt64 = 0

    public init() {}

    /// `ipVersion` 0 means no IP layer; the transport counts only with one.
    public mutating func count(ipVersion: UInt8, transport: UInt8) {
        switch ipVersion {
        case 4: ipv4 += 1
        case 6: ipv6 += 1
        default: return
        }
        switch transport {
        case IPProtocol.tcp: tcp += 1
        case IPProtocol.udp: udp += 1
        case IPProtocol.icmp, IPProtocol.icmpv6: icmp += 1
        default: break
        }
    }
}
