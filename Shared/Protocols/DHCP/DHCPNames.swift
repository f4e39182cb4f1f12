/// Names for DHCP numbers: message types (as Zeek and Arkime print them),
/// parameter names (as Suricata's eve prints them).
public enum DHCPMessageType {
    static let names = ["DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM", "FORCERENEW",
                        "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN", "LEASEACTIVE", "BULKLEASEQUERY",
                        "LEASEQUERYDONE", "ACTIVELEASEQUERY", "LEASEQUERYSTATUS", "TLS"]

    public static func name(_ type: UInt8) -> String {
        (1 ... UInt8(names.count)).contains(type) ? names[Int(type) - 1] : "TYPE\(type)"
    }
}

public enum DHCPOptionName {
    static let names: [UInt8: String] = [
        1: "subnet_mask", 2: "time_offset", 3: "router", 4: "time_server", 6: "dns_server", 7: "log_server",
        12: "hostname", 15: "domain", 26: "mtu", 28: "broadcast_address", 33: "static_route", 35: "arp_timeout",
        42: "ntp_server", 43: "vendor_specific", 44: "netbios_name_server", 46: "netbios_node_type",
        47: "netbios_scope", 50: "requested_address", 51: "lease_time", 52: "overload", 53: "message_type",
        54: "server_identifier", 55: "parameter_request_list", 56: "message", 57: "max_message_size",
        58: "renewal_time", 59: "rebinding_time", 60: "vendor_class", 61: "client_id", 66: "tftp_server_name",
        67: "bootfile_name", 77: "user_class", 81: "client_fqdn", 82: "relay_agent_information",
        119: "domain_search", 121: "classless_static_route", 150: "tftp_server_ip", 252: "wpad",
    ]

    public static func name(_ code: UInt8) -> String { names[code] ?? "option_\(code)" }
}

enum DHCPText {
    static func hex(_ bytes: some Collection<UInt8>, separator: String = "") -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: separator)
    }

    /// Option text as sent, trailing NULs dropped (some clients count a C terminator).
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0 { end -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
    }
}
