/// IANA names of ICMP and ICMPv6 types and codes, as Wireshark and
/// Packetbeat print them.
public enum ICMPNames {
    public static func type(_ type: UInt8, version: UInt8) -> String {
        (version == 6 ? v6Types[type] : v4Types[type]) ?? "type \(type)"
    }

    /// The code's name, or nil for types whose code carries no meaning.
    public static func code(_ code: UInt8, type: UInt8, version: UInt8) -> String? {
        let table = version == 6 ? v6Codes[type] : v4Codes[type]
        guard let table else { return nil }
        return table[code] ?? "code \(code)"
    }

    static let v4Types: [UInt8: String] = [
        0: "Echo Reply", 3: "Destination Unreachable", 4: "Source Quench", 5: "Redirect", 8: "Echo Request",
        9: "Router Advertisement", 10: "Router Solicitation", 11: "Time Exceeded", 12: "Parameter Problem",
        13: "Timestamp Request", 14: "Timestamp Reply", 15: "Information Request", 16: "Information Reply",
        17: "Address Mask Request", 18: "Address Mask Reply",
    ]

    static let v4Codes: [UInt8: [UInt8: String]] = [
        3: [0: "Net Unreachable", 1: "Host Unreachable", 2: "Protocol Unreachable", 3: "Port Unreachable",
            4: "Fragmentation Needed", 5: "Source Route Failed", 6: "Destination Network Unknown",
            7: "Destination Host Unknown", 8: "Source Host Isolated", 9: "Network Administratively Prohibited",
            10: "Host Administratively Prohibited", 11: "Network Unreachable for TOS",
            12: "Host Unreachable for TOS", 13: "Communication Administratively Prohibited",
            14: "Host Precedence Violation", 15: "Precedence cutoff in effect"],
        5: [0: "Redirect for Network", 1: "Redirect for Host", 2: "Redirect for TOS and Network",
            3: "Redirect for TOS and Host"],
        11: [0: "Time to Live exceeded in Transit", 1: "Fragment Reassembly Time Exceeded"],
        12: [0: "Pointer indicates the error", 1: "Missing a Required Option", 2: "Bad Length"],
    ]

    static let v6Types: [UInt8: String] = [
        1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded", 4: "Parameter Problem",
        128: "Echo Request", 129: "Echo Reply", 130: "Multicast Listener Query", 131: "Multicast Listener Report",
        132: "Multicast Listener Done", 133: "Router Solicitation", 134: "Router Advertisement",
        135: "Neighbor Solicitation", 136: "Neighbor Advertisement", 137: "Redirect Message",
        143: "Multicast Listener Report v2",
    ]

    static let v6Codes: [UInt8: [UInt8: String]] = [
        1: [0: "No route to destination", 1: "Communication with destination administratively prohibited",
            2: "Beyond scope of source address", 3: "Address unreachable", 4: "Port unreachable",
            5: "Source address failed ingress/egress policy", 6: "Reject route to destination",
            7: "Error in Source Routing Header"],
        3: [0: "Hop limit exceeded in transit", 1: "Fragment reassembly time exceeded"],
        4: [0: "Erroneous header field encountered", 1: "Unrecognized Next Header type encountered",
            2: "Unrecognized IPv6 option encountered"],
    ]
}
