/// A capture's link-layer header type, as the pcap file header names it
/// (LINKTYPE_* values, tcpdump.org/linktypes). This is `L2t`.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    public static let raw = LinkType(rawValue: 101)
    public static let loop = LinkType(rawValue: 108)
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// libpcap hands out DLT_* values; they equal LINKTYPE_* except for a few
    /// platform-specific numbers (DLT_RAW is 12 or 14).
    public init(dlt: Int32) {
        switch dlt {
        case 12, 14: self = .raw
        default: self.init(rawValue: UInt32(truncatingIfNeeded: dlt))
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .ethernet: "ether"
        case .raw: "raw"
        case .loop: "loop"
        case .linuxSLL: "linux_sll"
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        case .linuxSLL2: "linux_sll2"
        default: "linktype_\(rawValue)"
        }
    }
}

public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let vlan: UInt16 = 0x8100
    public static let ipv6: UInt16 = 0x86DD
    public static let qinq: UInt16 = 0x88A8
    public static let qinqLegacy: UInt16 = 0x9100
    public static let mplsUnicast: UInt16 = 0x8847
    public static let mplsMulticast: UInt16 = 0x8848
}

public enum IPProtocol {
    public static let hopByHop: UInt8 = 0
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6Routing: UInt8 = 43
    public static let ipv6Fragment: UInt8 = 44
    public static let gre: UInt8 = 47
    public static let esp: UInt8 = 50
    public static let ah: UInt8 = 51
    public static let icmpv6: UInt8 = 58
    public static let ipv6NoNext: UInt8 = 59
    public static let ipv6DestOptions: UInt8 = 60
    public static let mobility: UInt8 = 135
    public static let hip: UInt8 = 139
    public static let shim6: UInt8 = 140
    public static let sctp: UInt8 = 132

    /// ECS `network.transport` names (IANA keywords, lower case).
    public static func name(_ number: UInt8) -> String {
        switch number {
        case icmp: "icmp"
        case 2: "igmp"
        case tcp: "tcp"
        case udp: "udp"
        case gre: "gre"
        case esp: "esp"
        case ah: "ah"
        case icmpv6: "ipv6-icmp"
        case 46: "rsvp"
        case 89: "ospf"
        case 103: "pim"
        case 112: "vrrp"
        case sctp: "sctp"
        default: "\(number)"
        }
    }
}
