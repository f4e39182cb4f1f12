// Shared by the test targets. Assembles frames byte by byte, independently of
// the dissector, so tests compare decoded fields with what was built.
import Dissection

public func ip(_ text: String) -> IPAddress {
    guard let a = IPAddress(text) else { preconditionFailure("bad test address \(text)") }
    return a
}

public func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
public func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
public func le32(_ v: UInt32) -> [UInt8] { be32(v).reversed() }

public enum Build {
    // MARK: Link layers

    public static let macA: [UInt8] = [0x02, 0, 0, 0, 0, 0x0a]
    public static let macB: [UInt8] = [0x02, 0, 0, 0, 0, 0x0b]

    /// 14-byte Ethernet II header.
    public static func ethernet(type: UInt16, dst: [UInt8] = macB, src: [UInt8] = macA) -> [UInt8] {
        dst + src + be16(type)
    }

    /// A 4-byte 802.1Q/802.1ad tag body (TCI + inner type); the tag's own
    /// TPID is the preceding type field.
    public static func vlanTag(id: UInt16, pcp: UInt8 = 0, next: UInt16) -> [UInt8] {
        be16(UInt16(pcp & 7) << 13 | id & 0x0fff) + next.bytes
    }

    public static func mplsLabel(_ label: UInt32, bottom: Bool, ttl: UInt8 = 64) -> [UInt8] {
        be32(label << 12 | (bottom ? 0x100 : 0) | UInt32(ttl))
    }

    /// Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol.
    public static func sll(proto: UInt16, packetType: UInt16 = 0) -> [UInt8] {
        be16(packetType) + be16(1) + be16(6) + macA + [0, 0] + be16(proto)
    }

    /// Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, 8 address bytes.
    public static func sll2(proto: UInt16) -> [UInt8] {
        be16(proto) + [0, 0] + be32(2) + be16(1) + [0, 6] + macA + [0, 0]
    }

    /// BSD null header: the address family in the chosen byte order.
    public static func null(family: UInt32, littleEndian: Bool) -> [UInt8] {
        littleEndian ? le32(family) : be32(family)
    }

    // MARK: Network layers

    /// IPv4 header + payload. `ihl` and `totalLength` override the computed values.
    public static func ipv4(src: String = "192.0.2.1", dst: String = "198.51.100.2", proto: UInt8, payload: [UInt8],
                     ttl: UInt8 = 64, id: UInt16 = 0x1234, dontFragment: Bool = false,
                     moreFragments: Bool = false, fragmentOffset: Int = 0, options: [UInt8] = [],
                     ihl: UInt8? = nil, totalLength: UInt16? = nil, version: UInt8 = 4) -> [UInt8] {
        precondition(options.count % 4 == 0 && fragmentOffset % 8 == 0)
        let headerLength = 20 + options.count
        let ihlValue = ihl ?? UInt8(headerLength / 4)
        let total = totalLength ?? UInt16(headerLength + payload.count)
        var flags: UInt16 = UInt16(fragmentOffset / 8)
        if dontFragment { flags |= 0x4000 }
        if moreFragments { flags |= 0x2000 }
        var h: [UInt8] = [version << 4 | ihlValue, 0] + be16(total) + be16(id) + be16(flags) + [ttl, proto, 0, 0]
        h += ip(src).bytes + ip(dst).bytes + options
        return h + payload
    }

    public static func ipv6(src: String = "2001:db8::1", dst: String = "2001:db8::2", next: UInt8, payload: [UInt8],
                     hopLimit: UInt8 = 64, payloadLength: UInt16? = nil) -> [UInt8] {
        let h: [UInt8] = [0x60, 0, 0, 0] + be16(payloadLength ?? UInt16(payload.count)) + [next, hopLimit]
        return h + ip(src).bytes + ip(dst).bytes + payload
    }

    /// A generic IPv6 extension header (hop-by-hop, routing, destination
    /// options): length field in 8-byte units beyond the first 8, body padded.
    public static func ipv6Extension(next: UInt8, units: Int = 0, fill: UInt8 = 0) -> [UInt8] {
        let total = (units + 1) * 8
        // PadN option covering the rest keeps options well-formed.
        var body: [UInt8] = [1, UInt8(total - 4)]
        body += [UInt8](repeating: fill, count: total - 4)
        return [next, UInt8(units)] + body
    }

    public static func ipv6Fragment(next: UInt8, offset: Int, more: Bool, id: UInt32) -> [UInt8] {
        precondition(offset % 8 == 0)
        return [next, 0] + be16(UInt16(offset) | (more ? 1 : 0)) + be32(id)
    }

    // MARK: Transport

    public static func tcp(sport: UInt16 = 40000, dport: UInt16 = 80, seq: UInt32 = 1000, ack: UInt32 = 0,
                    flags: UInt16 = 0x02, window: UInt16 = 65535, options: [UInt8] = [],
                    payload: [UInt8] = [], dataOffset: UInt8? = nil) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let offset = dataOffset ?? UInt8((20 + options.count) / 4)
        let offsetFlags = UInt16(offset) << 12 | (flags & 0x1ff)
        return be16(sport) + be16(dport) + be32(seq) + be32(ack) + be16(offsetFlags) + be16(window) + [0, 0, 0, 0]
            + options + payload
    }

    public static func udp(sport: UInt16 = 5353, dport: UInt16 = 53, payload: [UInt8] = [], length: UInt16? = nil) -> [UInt8] {
        be16(sport) + be16(dport) + be16(length ?? UInt16(8 + payload.count)) + [0, 0] + payload
    }

    public static func sctp(sport: UInt16 = 2905, dport: UInt16 = 2905, payload: [UInt8] = []) -> [UInt8] {
        be16(sport) + be16(dport) + be32(0xdeadbeef) + be32(0) + payload
    }

    /// ICMP or ICMPv6: type, code, checksum, 4 bytes of rest, payload.
    public static func icmp(type: UInt8, code: UInt8 = 0, rest: [UInt8] = [0, 0, 0, 0], payload: [UInt8] = []) -> [UInt8] {
        [type, code, 0, 0] + rest + payload
    }

    public static func echo(type: UInt8, id: UInt16, seq: UInt16, payload: [UInt8] = []) -> [UInt8] {
        icmp(type: type, rest: be16(id) + be16(seq), payload: payload)
    }

    public static func bytes(_ count: Int, start: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: Int(start) + $0) }
    }
}

public extension UInt16 {
    var bytes: [UInt8] { be16(self) }
}

/// Small frames for the link types the shared captures lack, each with its
/// expected flow-relevant content. Used as pcap fixtures and in drip-feeds.
public enum Fixtures {
    public struct Capture: Sendable {
        public var name: String
        public var linkType: LinkType
        public var frames: [[UInt8]]
    }

    public static let tcpSyn = Build.ipv4(proto: 6, payload: Build.tcp(sport: 40000, dport: 80, flags: 0x02,
                                                               options: [2, 4, 5, 0xb4, 1, 1, 4, 2]))
    public static let tcpSynAck = Build.ipv4(src: "198.51.100.2", dst: "192.0.2.1", proto: 6,
                                      payload: Build.tcp(sport: 80, dport: 40000, flags: 0x12))
    public static let udp4 = Build.ipv4(proto: 17, payload: Build.udp(payload: Build.bytes(12)))
    public static let tcp6 = Build.ipv6(next: 6, payload: Build.tcp(sport: 50000, dport: 443, flags: 0x18, payload: Build.bytes(10)))
    public static let udp6 = Build.ipv6(next: 17, payload: Build.udp(sport: 546, dport: 547, payload: Build.bytes(6)))
    public static let icmp6Echo = Build.ipv6(next: 58, payload: Build.echo(type: 128, id: 7, seq: 1, payload: Build.bytes(8)))
    public static let icmp4Echo = Build.ipv4(proto: 1, payload: Build.echo(type: 8, id: 0x4242, seq: 3, payload: Build.bytes(16)))
    public static let sctp4 = Build.ipv4(proto: 132, payload: Build.sctp(payload: Build.bytes(16)))
    public static let ext6 = Build.ipv6(next: 0, payload: Build.ipv6Extension(next: 60) + Build.ipv6Extension(next: 17, units: 1)
                                 + Build.udp(sport: 1000, dport: 2000, payload: Build.bytes(4)))

    public static let sll = Capture(name: "sll", linkType: .linuxSLL, frames: [
        Build.sll(proto: 0x0800) + tcpSyn,
        Build.sll(proto: 0x0800, packetType: 4) + tcpSynAck,
        Build.sll(proto: 0x86DD) + udp6,
        Build.sll(proto: 0x8100) + Build.vlanTag(id: 12, next: 0x0800) + udp4,
        Build.sll(proto: 0x0806) + Build.bytes(28),
    ])
    public static let sll2 = Capture(name: "sll2", linkType: .linuxSLL2, frames: [
        Build.sll2(proto: 0x0800) + tcpSyn,
        Build.sll2(proto: 0x86DD) + tcp6,
        Build.sll2(proto: 0x86DD) + ext6,
        Build.sll2(proto: 0x0800) + sctp4,
    ])
    public static let raw6 = Capture(name: "raw6", linkType: .ipv6, frames: [tcp6, udp6, icmp6Echo, ext6])
    public static let null = Capture(name: "null", linkType: .null, frames: [
        Build.null(family: 2, littleEndian: true) + icmp4Echo,
        Build.null(family: 2, littleEndian: false) + udp4,
        Build.null(family: 24, littleEndian: true) + tcp6,
        Build.null(family: 28, littleEndian: false) + udp6,
        Build.null(family: 30, littleEndian: true) + icmp6Echo,
        Build.null(family: 10, littleEndian: true) + ext6,
    ])
    public static let ethernet = Capture(name: "ethernet", linkType: .ethernet, frames: [
        Build.ethernet(type: 0x0800) + tcpSyn,
        Build.ethernet(type: 0x8100) + Build.vlanTag(id: 100, next: 0x88A8) + Build.vlanTag(id: 200, next: 0x86DD) + udp6,
        Build.ethernet(type: 0x8847) + Build.mplsLabel(16, bottom: false) + Build.mplsLabel(17, bottom: true) + sctp4,
        Build.ethernet(type: 0x0800) + icmp4Echo + [0, 0, 0, 0],   // trailer padding
    ])

    public static let all = [sll, sll2, raw6, null, ethernet]
}

/// Dissects a whole frame (wire length = captured length unless given).
public func dissect(_ frame: [UInt8], _ linkType: LinkType = .ethernet, wireLength: Int? = nil,
             limits: Dissector.Limits = Dissector.Limits()) -> DecodedPacket {
    frame.withUnsafeBytes { Dissector(limits: limits).dissect($0, linkType: linkType, wireLength: wireLength ?? frame.count) }
}

/// The anomalies as a sorted list of names, for exact comparison.
public func names(_ set: AnomalySet) -> [String] { set.map(\.description).sorted() }
public func names(_ list: [Anomaly]) -> [String] { list.map(\.description).sorted() }
